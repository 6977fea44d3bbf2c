//! The checked content model: what validation produces and later stages consume.
//! Raw YAML mirrors live in `content::raw`; nothing here needs re-checking.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::content::locate::Locator;
use crate::deid::Declared;

/// A calendar date (proleptic Gregorian), validated on construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        (1..=12)
            .contains(&month)
            .then_some(())
            .filter(|_| day >= 1 && day <= days_in_month(year, month))
            .map(|_| Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` strictly.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = &s[r];
            t.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| t.parse().ok())
                .flatten()
        };
        Date::new(
            digits(0..4)? as i32,
            digits(5..7)? as u8,
            digits(8..10)? as u8,
        )
    }

    /// Days since 1970-01-01 (for "not in the future" and ordering arithmetic).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    pub fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Date {
            year: (y + i64::from(m <= 2)) as i32,
            month: m,
            day: d,
        }
    }

    /// Today (UTC), or the date of `SOURCE_DATE_EPOCH` when set (reproducible builds).
    pub fn today() -> Date {
        let secs = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
            });
        Date::from_days_since_epoch(secs.div_euclid(86_400))
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

macro_rules! keyword_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [&'static str] = &[$($text),+];
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

keyword_enum!(
    /// The reviewer's decision on one disputed item.
    Decision { Upheld = "upheld", Overturned = "overturned" }
);
keyword_enum!(Status { Published = "published", Draft = "draft" });
keyword_enum!(Priority { Standard = "standard", Expedited = "expedited" });
keyword_enum!(Sex { Male = "male", Female = "female", Other = "other", Unknown = "unknown" });

impl Decision {
    /// What the decision means, in the letters' words.
    pub fn meaning(self) -> &'static str {
        match self {
            Decision::Upheld => "denial upheld: not medically necessary",
            Decision::Overturned => "denial overturned: medically necessary",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Frequency {
    pub per_week: u32,
    pub weeks: u32,
}

/// Where a decision's basis comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "kebab-case")]
pub enum Citation {
    Guideline {
        guideline: String,
        section: Option<String>,
        pages: Option<String>,
        text: Option<String>,
    },
    OutsideGuidelines {
        text: Option<String>,
    },
    None {
        text: Option<String>,
    },
}

impl Citation {
    pub fn guideline(&self) -> Option<&str> {
        match self {
            Citation::Guideline { guideline, .. } => Some(guideline),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub request: String,
    pub original_request: Option<String>,
    pub authorized: Option<String>,
    pub treatment: String,
    pub body_region: Option<String>,
    pub quantity: Option<u32>,
    pub frequency: Option<Frequency>,
    pub decision: Decision,
    pub claims_administrator_basis: Option<Citation>,
    pub reviewer_basis: Citation,
    pub exception: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewer {
    pub specialty: String,
    pub licensure: Vec<String>,
    pub board_certified: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patient {
    pub age: Option<u32>,
    pub sex: Sex,
}

/// Where a determination came from, for diagnostics and incremental rebuilds.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// Path relative to the site root, with `/` separators (e.g. `content/determinations/a.md`).
    pub path: PathBuf,
    /// File line of the first front-matter line.
    pub front_line: usize,
    /// File line of the first body line.
    pub body_line: usize,
    pub locator: Locator,
    /// Content key of the file (path, bytes, configuration) for the build cache.
    pub key: crate::cache::Key,
}

impl Origin {
    /// File line and column of a front-matter key path (value column), or the fence line.
    pub fn pos(&self, path: &str) -> (usize, usize, usize) {
        match self.locator.find(path) {
            Some(p) => (
                self.front_line + p.line - 1,
                p.value_col,
                p.value_len.max(1),
            ),
            None => (self.front_line.saturating_sub(1).max(1), 1, 3),
        }
    }
}

/// A checked determination. Holds private identifiers: never rendered directly; the
/// de-identification stage turns it into a `PublicDetermination`.
#[derive(Clone, Debug)]
pub struct Determination {
    pub origin: Origin,
    pub case_number: String,
    pub determination_date: Date,
    pub injury_date: Option<Date>,
    pub assigned_date: Option<Date>,
    pub ur_denial_date: Option<Date>,
    pub application_received_date: Option<Date>,
    pub priority: Option<Priority>,
    pub status: Status,
    pub jurisdiction: String,
    pub review_organization: String,
    pub reviewer: Reviewer,
    pub patient: Patient,
    pub diagnoses: Vec<String>,
    pub items: Vec<Item>,
    pub identifiers: Declared,
    pub extra: serde_json::Value,
    /// The Markdown body as written.
    pub body: String,
}

/// An age band for publication: exact ages are quasi-identifiers at small counts.
pub fn age_band(age: Option<u32>) -> &'static str {
    match age {
        None => "unknown",
        Some(0..=17) => "0-17",
        Some(18..=30) => "18-30",
        Some(31..=40) => "31-40",
        Some(41..=50) => "41-50",
        Some(51..=64) => "51-64",
        Some(65..=89) => "65-89",
        Some(_) => "90 or older",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_calendar() {
        assert!(Date::parse("2016-02-29").is_some());
        assert!(Date::parse("2015-02-29").is_none());
        assert!(Date::parse("2015-13-01").is_none());
        assert!(Date::parse("2015-1-01").is_none());
        assert!(Date::parse("2015-04-31").is_none());
        assert_eq!(Date::parse("2014-12-10").unwrap().to_string(), "2014-12-10");
    }

    #[test]
    fn epoch_days_round_trip() {
        for s in ["1970-01-01", "2000-02-29", "2016-12-31", "1969-07-20"] {
            let d = Date::parse(s).unwrap();
            assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
        }
        assert_eq!(Date::parse("1970-01-02").unwrap().days_since_epoch(), 1);
    }

    #[test]
    fn age_bands() {
        assert_eq!(age_band(Some(45)), "41-50");
        assert_eq!(age_band(Some(90)), "90 or older");
        assert_eq!(age_band(None), "unknown");
    }
}
