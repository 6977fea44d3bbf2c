//! Validation against the site's rules and the guideline rule packs. Pure: takes parsed
//! determinations and packs, returns diagnostics.

pub mod catalog;
pub mod checks;
pub mod pack;
pub mod pages;

pub use checks::{CaseAt, check_file, duplicate_cases};
pub use pack::{Packs, RulePack, load_packs};
