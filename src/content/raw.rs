//! Serde mirrors of the YAML exactly as ../shared/FORMAT.md writes it. Every field is
//! optional here so that conversion can report *all* missing fields at once; enumerations
//! are strings so that a bad value gets a message listing the allowed ones.

use serde::Deserialize;

use crate::yaml::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDetermination {
    pub case_number: Option<String>,
    pub determination_date: Option<String>,
    pub injury_date: Option<String>,
    pub assigned_date: Option<String>,
    pub ur_denial_date: Option<String>,
    pub application_received_date: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub jurisdiction: Option<String>,
    pub review_organization: Option<String>,
    pub reviewer: Option<RawReviewer>,
    pub patient: Option<RawPatient>,
    pub diagnoses: Option<Vec<String>>,
    pub items: Option<Vec<RawItem>>,
    pub identifiers: Option<RawIdentifiers>,
    pub extra: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReviewer {
    pub specialty: Option<String>,
    pub licensure: Option<Vec<String>>,
    pub board_certified: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPatient {
    pub age: Option<u32>,
    pub sex: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub request: Option<String>,
    pub original_request: Option<String>,
    pub authorized: Option<String>,
    pub treatment: Option<String>,
    pub body_region: Option<String>,
    pub quantity: Option<u32>,
    pub frequency: Option<RawFrequency>,
    pub decision: Option<String>,
    pub claims_administrator_basis: Option<RawCitation>,
    pub reviewer_basis: Option<RawCitation>,
    pub exception: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrequency {
    pub per_week: Option<u32>,
    pub weeks: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCitation {
    pub guideline: Option<String>,
    pub section: Option<String>,
    pub pages: Option<Value>,
    pub basis: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentifiers {
    pub names: Option<Vec<String>>,
    pub numbers: Option<Vec<Value>>,
    pub addresses: Option<Vec<String>>,
    pub other: Option<Vec<Value>>,
}

/// The key tree of the format, for the unknown-key pass ("did you mean").
pub enum Keys {
    /// A mapping with these keys; `None` children are leaves.
    Map(&'static [(&'static str, Option<&'static Keys>)]),
    /// A list whose elements have this shape.
    List(&'static Keys),
    /// Anything goes (`extra:`).
    Free,
}

const CITATION: Keys = Keys::Map(&[
    ("guideline", None),
    ("section", None),
    ("pages", None),
    ("basis", None),
    ("text", None),
]);
const FREQUENCY: Keys = Keys::Map(&[("per_week", None), ("weeks", None)]);
const ITEM: Keys = Keys::Map(&[
    ("request", None),
    ("original_request", None),
    ("authorized", None),
    ("treatment", None),
    ("body_region", None),
    ("quantity", None),
    ("frequency", Some(&FREQUENCY)),
    ("decision", None),
    ("claims_administrator_basis", Some(&CITATION)),
    ("reviewer_basis", Some(&CITATION)),
    ("exception", None),
]);
const ITEMS: Keys = Keys::List(&ITEM);
const REVIEWER: Keys = Keys::Map(&[
    ("specialty", None),
    ("licensure", None),
    ("board_certified", None),
]);
const PATIENT: Keys = Keys::Map(&[("age", None), ("sex", None)]);
const IDENTIFIERS: Keys = Keys::Map(&[
    ("names", None),
    ("numbers", None),
    ("addresses", None),
    ("other", None),
]);
const FREE: Keys = Keys::Free;

pub const DETERMINATION: Keys = Keys::Map(&[
    ("case_number", None),
    ("determination_date", None),
    ("injury_date", None),
    ("assigned_date", None),
    ("ur_denial_date", None),
    ("application_received_date", None),
    ("priority", None),
    ("status", None),
    ("jurisdiction", None),
    ("review_organization", None),
    ("reviewer", Some(&REVIEWER)),
    ("patient", Some(&PATIENT)),
    ("diagnoses", None),
    ("items", Some(&ITEMS)),
    ("identifiers", Some(&IDENTIFIERS)),
    ("extra", Some(&FREE)),
]);

/// An unknown key found in a YAML value: its path (for the locator), the key, and the
/// keys allowed at that place.
pub struct UnknownKey {
    pub path: String,
    pub key: String,
    pub allowed: Vec<&'static str>,
}

/// Walks `value` against `keys`, collecting every unknown key.
pub fn unknown_keys(value: &Value, keys: &Keys, path: &str, out: &mut Vec<UnknownKey>) {
    match (keys, value) {
        (Keys::Free, _) => {}
        (Keys::Map(fields), Value::Mapping(m)) => {
            for (k, v) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => crate::yaml::to_json(other).to_string(),
                };
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match fields.iter().find(|(name, _)| *name == key) {
                    Some((_, Some(sub))) => unknown_keys(v, sub, &child, out),
                    Some((_, None)) => {}
                    None => out.push(UnknownKey {
                        path: child,
                        key,
                        allowed: fields.iter().map(|(n, _)| *n).collect(),
                    }),
                }
            }
        }
        (Keys::List(elem), Value::Sequence(s)) => {
            for (i, v) in s.iter().enumerate() {
                unknown_keys(v, elem, &format!("{path}[{i}]"), out);
            }
        }
        // Wrong shapes are reported by deserialisation with a position.
        _ => {}
    }
}
