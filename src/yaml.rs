//! The one place that parses YAML. serde_yaml is archived upstream (RUSTSEC-2024-0320);
//! keeping every call here means a maintained fork can replace it in one edit.

use serde::de::DeserializeOwned;

pub use serde_yaml::Value;

/// A YAML error with its 1-based position inside the parsed text, when known.
#[derive(Debug)]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Largest front matter or rule pack we parse: far above any real one, small enough that a
/// hostile file cannot make the parser allocate without bound.
pub const MAX_YAML_BYTES: usize = 1 << 20;

fn convert(e: serde_yaml::Error) -> YamlError {
    let loc = e.location();
    let mut message = e.to_string();
    // serde_yaml appends " at line N column M"; the diagnostic shows the position itself.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    YamlError {
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        message,
    }
}

fn guard(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError {
            line: None,
            column: None,
            message: format!(
                "YAML block of {} bytes exceeds the {} byte limit",
                text.len(),
                MAX_YAML_BYTES
            ),
        });
    }
    Ok(())
}

pub fn parse_value(text: &str) -> Result<Value, YamlError> {
    guard(text)?;
    if text.trim().is_empty() {
        return Ok(Value::Mapping(Default::default()));
    }
    serde_yaml::from_str(text).map_err(convert)
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    guard(text)?;
    serde_yaml::from_str(text).map_err(convert)
}

/// `T` from a value already parsed from `text` (no second parse), or, when that fails,
/// from `text` itself, whose error carries the position. A value converts where the
/// text does (the text's scalars are read by the type asked for; the value's were typed
/// at parse time, so it may refuse a quoted-looking number the text would accept, and
/// then the text decides).
pub fn from_value_or_str<T: DeserializeOwned>(value: Value, text: &str) -> Result<T, YamlError> {
    match serde_yaml::from_value(value) {
        Ok(t) => Ok(t),
        Err(_) => from_str(text),
    }
}

pub fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_positions_are_reported() {
        let e = parse_value("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line.is_some());
        assert!(!e.message.contains(" at line "));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        assert!(parse_value(&s).is_err());
        assert!(started.elapsed().as_secs() < 5);
    }
}
