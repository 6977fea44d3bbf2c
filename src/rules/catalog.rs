//! Every rule casebook checks: its code, severity and documentation. `casebook explain`
//! prints these, and docs/rules.md is generated from the same text.

use crate::diag::Severity;

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What it checks.
    pub checks: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A failing example and its fix.
    pub example: &'static str,
}

use Severity::{Error as E, Warning as W};

pub const RULES: &[Rule] = &[
    Rule {
        code: "CB001",
        name: "yaml-syntax",
        severity: E,
        checks: "The front matter (or a rule pack) is well-formed YAML.",
        why: "Nothing else can be checked until the YAML parses; the position points at the first character the parser could not read.",
        example: "reviewer:\n  specialty: [Occupational Medicine   # unclosed list\nfix: close the bracket, or drop it: `specialty: Occupational Medicine`",
    },
    Rule {
        code: "CB002",
        name: "front-matter",
        severity: E,
        checks: "The file starts with a `---` line, YAML front matter, and a closing `---` line.",
        why: "The front matter carries the case number, dates and decisions; a file without it is not a determination.",
        example: "# Clinical case summary   <- first line of the file\nfix: put `---`, the front matter fields, and `---` above the body",
    },
    Rule {
        code: "CB003",
        name: "unknown-key",
        severity: E,
        checks: "Every front-matter key is one of the format's fields; site-specific fields live under `extra:`.",
        why: "A misspelt key (`case_numbr`) would otherwise be silently ignored and its value lost.",
        example: "case_numbr: CM16-0213037\nfix: case_number: CM16-0213037",
    },
    Rule {
        code: "CB004",
        name: "missing-field",
        severity: E,
        checks: "Required fields are present: case_number, determination_date, reviewer.specialty, items, and per item request, treatment, decision and reviewer_basis.",
        why: "A published determination without its decision or basis cannot be searched or trusted.",
        example: "items:\n  - request: MRI of the lumbar spine\n    treatment: mri\n    reviewer_basis: { guideline: acoem-low-back-2004 }\nfix: add `decision: upheld` (or `overturned`)",
    },
    Rule {
        code: "CB005",
        name: "wrong-type",
        severity: E,
        checks: "Each field has the expected type (text, whole number, list, mapping).",
        why: "Quantities and ages are compared against guideline limits and published in bands; text there cannot be used.",
        example: "quantity: eight\nfix: quantity: 8",
    },
    Rule {
        code: "CB006",
        name: "invalid-value",
        severity: E,
        checks: "Enumerated fields take one of their allowed values (decision, status, priority, sex, basis) and page lists are page lists.",
        why: "Facets and statistics group by these values; a typo would create a phantom category.",
        example: "decision: uphold\nfix: decision: upheld",
    },
    Rule {
        code: "CB007",
        name: "unreadable-file",
        severity: E,
        checks: "Every content file can be read and is UTF-8 text of a sane size.",
        why: "A file that cannot be read cannot be validated or de-identified; it stops the build with exit code 2.",
        example: "content/determinations/a.md saved as Latin-1\nfix: save it as UTF-8",
    },
    Rule {
        code: "CB010",
        name: "case-number-pattern",
        severity: E,
        checks: "The case number matches the site's `case_number_pattern` (default ^CM\\d{2}-\\d{7}$).",
        why: "The case number is the archive key and the page URL; a malformed one breaks links and lookups.",
        example: "case_number: CM16-213037\nfix: case_number: CM16-0213037",
    },
    Rule {
        code: "CB011",
        name: "duplicate-case-number",
        severity: E,
        checks: "No two determinations share a case number; both files are named.",
        why: "Two files would publish to the same URL and one would silently replace the other.",
        example: "content/determinations/a.md and b.md both say case_number: CM16-0213037\nfix: correct the case number of the copy, or delete it",
    },
    Rule {
        code: "CB020",
        name: "invalid-date",
        severity: E,
        checks: "Dates are real calendar dates written YYYY-MM-DD.",
        why: "Dates order the archive and are generalised to years on publication; 2016-02-30 is neither.",
        example: "determination_date: 2016-02-30\nfix: determination_date: 2016-02-29",
    },
    Rule {
        code: "CB021",
        name: "date-order",
        severity: E,
        checks: "Dates follow the review's order: injury ≤ UR denial ≤ application received ≤ assigned ≤ determination.",
        why: "A review cannot be decided before it was assigned; out-of-order dates are transcription errors.",
        example: "ur_denial_date: 2016-11-03\nassigned_date: 2016-10-09\nfix: assigned_date: 2016-11-09",
    },
    Rule {
        code: "CB022",
        name: "future-date",
        severity: E,
        checks: "No date lies in the future (today, or SOURCE_DATE_EPOCH when set).",
        why: "Published determinations were decided in the past; a future date is a typo in the year.",
        example: "determination_date: 2061-12-09\nfix: determination_date: 2016-12-09",
    },
    Rule {
        code: "CB030",
        name: "unknown-guideline",
        severity: E,
        checks: "A citation's `guideline` names a rule pack in content/guidelines/.",
        why: "Citations are resolved to the guideline's title and checked against its sections and pages.",
        example: "reviewer_basis: { guideline: mtus-chronic-pain }\nfix: reviewer_basis: { guideline: mtus-chronic-pain-2016 }",
    },
    Rule {
        code: "CB031",
        name: "unknown-section",
        severity: E,
        checks: "A citation's `section` exists in the cited rule pack.",
        why: "Readers follow the citation to the guideline section; a wrong id points nowhere.",
        example: "section: physical-medicne\nfix: section: physical-medicine",
    },
    Rule {
        code: "CB032",
        name: "page-out-of-range",
        severity: E,
        checks: "Cited pages exist in the guideline (within the pack's `pages`).",
        why: "Page numbers differ between editions; a page past the end usually means the wrong edition is cited.",
        example: "guideline: mtus-chronic-pain-2009 (pages 1-127), pages: \"198-199\"\nfix: pages: \"98-99\"",
    },
    Rule {
        code: "CB033",
        name: "page-outside-section",
        severity: W,
        checks: "Cited pages fall within the cited section's pages.",
        why: "A page outside the section suggests the section or the page is mistyped.",
        example: "section: physical-medicine (pages 98-99), pages: \"46\"\nfix: cite the section on page 46, or correct the page",
    },
    Rule {
        code: "CB034",
        name: "unknown-treatment",
        severity: E,
        checks: "An item's `treatment` is a treatment id of some rule pack.",
        why: "Treatments are the archive's main facet and the key to limits; an unknown id cannot be checked or browsed.",
        example: "treatment: physio\nfix: treatment: physical-therapy",
    },
    Rule {
        code: "CB035",
        name: "section-does-not-govern",
        severity: W,
        checks: "The cited section governs the item's treatment in that rule pack.",
        why: "Citing the MRI section for a physical therapy request is usually a copy-paste slip.",
        example: "treatment: physical-therapy, section: special-studies\nfix: section: physical-medicine-treatment",
    },
    Rule {
        code: "CB040",
        name: "exception-required",
        severity: E,
        checks: "An overturned item whose quantity or frequency exceeds every applicable limit of its treatment states an `exception`.",
        why: "Departing from the guideline's limits is allowed but must be justified in the record.",
        example: "quantity: 24 (limit 10 visits), decision: overturned\nfix: exception: \"Documented functional improvement after the first 10 visits supports extension.\"",
    },
    Rule {
        code: "CB041",
        name: "needless-exception",
        severity: W,
        checks: "An `exception` is only given when the decision departs from the limits.",
        why: "An exception on a request within the limits is misleading to readers of the archive.",
        example: "quantity: 6 (limit 10), exception: \"...\"\nfix: remove `exception:`",
    },
    Rule {
        code: "CB050",
        name: "missing-body-section",
        severity: E,
        checks: "The body has `## Clinical case summary` and `## Decision rationale`.",
        why: "Every published determination shows the case and the reasons; readers and search rely on both.",
        example: "## Summary\nfix: ## Clinical case summary",
    },
    Rule {
        code: "CB051",
        name: "missing-item-rationale",
        severity: E,
        checks: "Every item has a `###` heading under `## Decision rationale`, worded as its request.",
        why: "Each decision must come with its own reasons.",
        example: "items: [request: MRI of the lumbar spine] but no `### MRI of the lumbar spine`\nfix: add the heading and the rationale",
    },
    Rule {
        code: "CB052",
        name: "outcome-disagrees",
        severity: E,
        checks: "The outcome sentence of an item's rationale agrees with its decision: upheld → \"not medically necessary\", overturned → \"medically necessary\".",
        why: "A rationale that concludes the opposite of the recorded decision publishes a wrong outcome.",
        example: "decision: overturned ... \"The request is not medically necessary.\"\nfix: decision: upheld (or correct the sentence)",
    },
    Rule {
        code: "CB053",
        name: "no-outcome-sentence",
        severity: W,
        checks: "An item's rationale ends with an outcome sentence (\"... is (not) medically necessary\").",
        why: "The outcome sentence is how readers and CB052 confirm the decision.",
        example: "### MRI\nThe guideline supports imaging.\nfix: add \"The request for MRI is medically necessary.\"",
    },
    Rule {
        code: "CB060",
        name: "duplicate-pack-id",
        severity: E,
        checks: "Rule pack ids and section ids within a pack are unique.",
        why: "Citations resolve by id; two packs with one id make every citation ambiguous.",
        example: "two files with id: mtus-chronic-pain-2016\nfix: give each edition its own id",
    },
    Rule {
        code: "CB061",
        name: "pack-unknown-section",
        severity: E,
        checks: "A rule pack's treatment lists only sections defined in that pack.",
        why: "Section checks (CB035) would otherwise accept nothing.",
        example: "sections: [physical-medicne]\nfix: sections: [physical-medicine]",
    },
    Rule {
        code: "CB062",
        name: "pack-section-pages",
        severity: E,
        checks: "A rule pack's section pages lie within the guideline's pages.",
        why: "Page checks (CB032, CB033) rely on consistent pack pages.",
        example: "pages: 1-127, section pages: 198-199\nfix: section pages: 98-99",
    },
    Rule {
        code: "CB070",
        name: "undeclared-identifier",
        severity: W,
        checks: "Identifiers found in the text that the author did not declare under `identifiers:` (they are redacted either way).",
        why: "Declaring them makes redaction complete in every variant (possessives, initials) and lets the leak gate prove they never reach the output.",
        example: "body mentions Dr. Roe, identifiers.names is empty\nfix: identifiers: { names: [Dr. Jane Roe] }",
    },
];

pub fn find(code: &str) -> Option<&'static Rule> {
    let code = code.trim().to_ascii_uppercase();
    RULES
        .iter()
        .find(|r| r.code == code || r.name.eq_ignore_ascii_case(&code))
}

/// The text `casebook explain` prints.
pub fn explain(r: &Rule) -> String {
    let sev = match r.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "{} ({}) — {}\n\nWhat it checks\n  {}\n\nWhy\n  {}\n\nExample\n{}\n",
        r.code,
        r.name,
        sev,
        r.checks,
        r.why,
        r.example
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Markdown for docs/rules.md (generated from the same text as `explain`).
pub fn markdown() -> String {
    let mut s =
        String::from("# Rules\n\nGenerated from `casebook explain`; do not edit by hand.\n\n");
    for r in RULES {
        let sev = if r.severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        s.push_str(&format!(
            "## {} {} ({sev})\n\n**What it checks.** {}\n\n**Why.** {}\n\n```text\n{}\n```\n\n",
            r.code, r.name, r.checks, r.why, r.example
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_sorted() {
        let codes: Vec<_> = super::RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }
}

#[cfg(test)]
mod docs_tests {
    /// docs/rules.md is generated from the same text `casebook explain` prints, so the two
    /// never drift. `UPDATE_GOLDEN=1 cargo test` rewrites it.
    #[test]
    fn docs_rules_md_matches_catalog() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let want = super::markdown();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let got = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            got == want,
            "docs/rules.md is stale: run UPDATE_GOLDEN=1 cargo test docs_rules_md"
        );
    }
}
