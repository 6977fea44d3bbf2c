//! The command line: one file per subcommand, shared flags here. `run` returns the
//! process exit code (see `crate::exit`).

pub mod build;
pub mod check;
pub mod explain;
pub mod import;
pub mod init;
pub mod new;
pub mod redact;
pub mod serve;
pub mod watch;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::diag::Format;

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "Build a searchable, de-identified static archive of medical-review determinations",
    after_help = "Examples:\n  casebook build                 build ./content into ./public\n  casebook check --format github  validate for CI\n  casebook explain CB040         what a rule checks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Flags shared by the commands that read a site.
#[derive(Args, Clone, Debug)]
pub struct Common {
    /// The site folder (holding casebook.yaml and content/)
    #[arg(long, default_value = ".", global = true)]
    pub root: PathBuf,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,
    /// Treat warnings as errors (exit 1)
    #[arg(long, global = true)]
    pub deny_warnings: bool,
    /// Include drafts (preview only; never for publication)
    #[arg(long, global = true)]
    pub drafts: bool,
    /// Override casebook.yaml's base_url
    #[arg(long, global = true)]
    pub base_url: Option<String>,
    /// Print only errors
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build the site into public/ (or --output DIR)
    #[command(after_help = "Example:\n  casebook build --root my-site --output /tmp/site")]
    Build(build::BuildArgs),
    /// Validate and de-identify everything; write nothing
    #[command(after_help = "Example:\n  casebook check --format json --deny-warnings")]
    Check(check::CheckArgs),
    /// Create a new site with the default theme, rule packs and examples
    #[command(
        after_help = "Example:\n  casebook init my-archive && cd my-archive && casebook build"
    )]
    Init(init::InitArgs),
    /// Create a draft determination from a template
    #[command(after_help = "Example:\n  casebook new CM17-0000001")]
    New(new::NewArgs),
    /// Explain what a rule checks, why, with an example
    #[command(after_help = "Example:\n  casebook explain CB040")]
    Explain(explain::ExplainArgs),
    /// Import published letters (text or PDF) as Markdown determinations
    #[command(
        after_help = "Example:\n  casebook import dwc letters/*.pdf --out content/determinations/2017"
    )]
    Import(import::ImportArgs),
    /// De-identify any text to stdout (`--format json`: the spans found)
    #[command(
        after_help = "Example:\n  casebook redact draft.txt\n  echo 'Seen by Dr. Roe on 3/6/14' | casebook redact --format json"
    )]
    Redact(redact::RedactArgs),
    /// Build, serve on 127.0.0.1:1111, watch and live-reload
    #[command(after_help = "Example:\n  casebook serve --drafts --open")]
    Serve(serve::ServeArgs),
    /// Build and rebuild on every change, without a server
    #[command(after_help = "Example:\n  casebook watch --poll")]
    Watch(watch::WatchArgs),
}

pub fn run() -> Result<u8> {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(a) => build::run(a),
        Command::Check(a) => check::run(a),
        Command::Init(a) => init::run(a),
        Command::New(a) => new::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Import(a) => import::run(a),
        Command::Redact(a) => redact::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Watch(a) => watch::run(a),
    }
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints diagnostics (to stdout for json/github so tools can read them, stderr for humans)
/// and returns whether they fail the run.
pub fn report(diags: &[crate::diag::Diagnostic], files: usize, common: &Common) -> bool {
    let summary = crate::diag::Summary::of(files, diags);
    let shown: Vec<_> = if common.quiet {
        diags.iter().filter(|d| d.is_error()).cloned().collect()
    } else {
        diags.to_vec()
    };
    let text = crate::diag::render(&shown, summary, common.format, color());
    match common.format {
        Format::Human => {
            eprint!("{text}");
            if !common.quiet || summary.errors > 0 {
                eprintln!("{}", crate::diag::summary_line(summary));
            }
            if summary.errors + summary.warnings > 0 && !common.quiet {
                // Point to the guides: each rule is explained, the format has its own page.
                let mut codes: Vec<&str> = diags
                    .iter()
                    .map(|d| d.rule)
                    .filter(|r| r.starts_with("CB"))
                    .collect();
                codes.dedup();
                if let Some(first) = codes.first() {
                    eprintln!(
                        "help: `casebook explain {first}` explains a rule; the format is in docs/writing.md, rule packs in docs/rule-packs.md"
                    );
                }
            }
        }
        _ => print!("{text}"),
    }
    summary.errors > 0 || (common.deny_warnings && summary.warnings > 0)
}
