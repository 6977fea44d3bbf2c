//! Integration tests: drive the real `casebook` binary on fixture sites in temp folders.

mod build;
mod docs;
mod hostile;
mod rules;
mod serve;
mod util;
mod watch;
