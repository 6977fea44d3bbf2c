//! Page lists as guidelines and letters write them: "98-99", "46, 99", "46 & 99", "1-127".

/// Inclusive page ranges, in the order written.
pub type Pages = Vec<(u32, u32)>;

/// Parses a page list; `None` when any part is not a page or range (or a range runs backwards).
pub fn parse(s: &str) -> Option<Pages> {
    let mut out = Vec::new();
    for part in s.split([',', '&', ';']).flat_map(|p| p.split(" and ")) {
        let part = part
            .trim()
            .trim_start_matches("pp.")
            .trim_start_matches("p.")
            .trim();
        if part.is_empty() {
            continue;
        }
        let (a, b) = match part.split_once(['-', '–']) {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let n: u32 = part.parse().ok()?;
                (n, n)
            }
        };
        if a == 0 || b < a {
            return None;
        }
        out.push((a, b));
    }
    (!out.is_empty()).then_some(out)
}

/// Whether every page of `inner` lies within some range of `outer`.
pub fn within(inner: &Pages, outer: &Pages) -> bool {
    inner
        .iter()
        .all(|&(a, b)| (a..=b).all(|p| outer.iter().any(|&(x, y)| p >= x && p <= y)))
}

/// Pages of `inner` that are not in `outer` (at most a few, for messages).
pub fn outside(inner: &Pages, outer: &Pages) -> Vec<u32> {
    inner
        .iter()
        .flat_map(|&(a, b)| a..=b.min(a + 10_000))
        .filter(|p| !outer.iter().any(|&(x, y)| *p >= x && *p <= y))
        .take(5)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(parse("98-99"), Some(vec![(98, 99)]));
        assert_eq!(parse("46, 99"), Some(vec![(46, 46), (99, 99)]));
        assert_eq!(parse("46 & 99"), Some(vec![(46, 46), (99, 99)]));
        assert_eq!(parse("pp. 181-182"), Some(vec![(181, 182)]));
        assert_eq!(parse("99-98"), None);
        assert_eq!(parse("abc"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn containment() {
        let pack = parse("1-127").unwrap();
        assert!(within(&parse("98-99").unwrap(), &pack));
        assert!(!within(&parse("126-130").unwrap(), &pack));
        assert_eq!(outside(&parse("126-129").unwrap(), &pack), vec![128, 129]);
    }
}
