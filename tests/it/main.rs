//! Integration tests: drive the real `casebook` binary on fixture sites in temp folders.

mod abuse;
mod build;
mod deid;
mod docs;
mod fs_errors;
mod hostile;
mod import;
mod rules;
mod serve;
mod util;
mod watch;
