//! `casebook new CASE_NUMBER`: a draft determination from a template.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Common;

#[derive(Args)]
pub struct NewArgs {
    /// The case number, e.g. CM17-0000001
    pub case_number: String,
    #[command(flatten)]
    pub common: Common,
}

pub fn template(case_number: &str, today: crate::model::Date) -> String {
    format!(
        r#"---
case_number: {case_number}
determination_date: {today}
status: draft
priority: standard
reviewer:
  specialty: Occupational Medicine
  licensure: [California]
patient:
  age: 45
  sex: unknown
diagnoses: []
items:
  - request: Describe the disputed request as worded
    treatment: physical-therapy
    decision: upheld
    reviewer_basis:
      guideline: mtus-chronic-pain-2016
      section: physical-medicine-treatment
identifiers:          # private: used only to de-identify, never published
  names: []
  numbers: []
  addresses: []
  other: []
extra: {{}}
---

## Clinical case summary

Summarise the case file here.

## Decision rationale

### Describe the disputed request as worded

Give the reasons. The request is not medically necessary.
"#
    )
}

pub fn run(a: NewArgs) -> Result<u8> {
    let config = crate::config::Config::load(&a.common.root)?;
    let re = regex::Regex::new(&config.case_number_pattern)?;
    if !re.is_match(&a.case_number) || a.case_number.contains(['/', '\\']) {
        bail!(
            "`{}` does not match the site's case number pattern {}",
            a.case_number,
            config.case_number_pattern
        );
    }
    let dir = a.common.root.join("content").join("determinations");
    let path = dir.join(format!("{}.md", a.case_number));
    if path.exists() {
        bail!("{} already exists", path.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(&path, template(&a.case_number, crate::model::Date::today()))
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "created {} (status: draft; preview with --drafts)",
        path.display()
    );
    Ok(crate::exit::OK)
}
