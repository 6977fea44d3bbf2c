//! Bar charts as SVG, rendered at build time so the statistics need no JavaScript. Each
//! bar links to its facet listing; the same numbers are printed in a table beside it.

use std::fmt::Write as _;

/// One bar: a label, a link, and the counts it stacks.
pub struct Bar {
    pub label: String,
    pub url: String,
    pub upheld: usize,
    pub overturned: usize,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A horizontal stacked bar chart (upheld | overturned), one row per bar.
pub fn stacked_bars(title: &str, bars: &[Bar]) -> String {
    let row = 26;
    let label_w = 230;
    let bar_w = 420;
    let h = 30 + bars.len() * row + 10;
    let w = label_w + bar_w + 70;
    let max = bars
        .iter()
        .map(|b| b.upheld + b.overturned)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-labelledby=\"chart-{id}\"><title id=\"chart-{id}\">{t}</title>",
        id = crate::publish::slug(title),
        t = esc(title)
    );
    let _ = write!(
        s,
        "<g class=\"legend\" font-size=\"12\"><rect x=\"{label_w}\" y=\"6\" width=\"12\" height=\"12\" class=\"upheld\"/><text x=\"{}\" y=\"16\">Upheld</text><rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" class=\"overturned\"/><text x=\"{}\" y=\"16\">Overturned</text></g>",
        label_w + 16,
        label_w + 90,
        label_w + 106
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 30 + i * row;
        let total = b.upheld + b.overturned;
        let wu = b.upheld * bar_w / max;
        let wo = b.overturned * bar_w / max;
        let label: String = if b.label.chars().count() > 34 {
            format!("{}…", b.label.chars().take(33).collect::<String>())
        } else {
            b.label.clone()
        };
        let _ = write!(
            s,
            "<a href=\"{url}\"><g class=\"bar\"><title>{full}: {u} upheld, {o} overturned</title><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"12\">{label}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{wu}\" height=\"18\" class=\"upheld\"/><rect x=\"{ox}\" y=\"{y}\" width=\"{wo}\" height=\"18\" class=\"overturned\"/><text x=\"{nx}\" y=\"{ty}\" font-size=\"12\">{total}</text></g></a>",
            url = esc(&b.url),
            full = esc(&b.label),
            u = b.upheld,
            o = b.overturned,
            lx = label_w - 8,
            ty = y + 13,
            label = esc(&label),
            ox = label_w + wu,
            nx = label_w + wu + wo + 6,
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_escapes_labels_and_links_bars() {
        let svg = stacked_bars(
            "By treatment",
            &[Bar {
                label: "<script>".into(),
                url: "/treatments/x/".into(),
                upheld: 3,
                overturned: 1,
            }],
        );
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("href=\"/treatments/x/\""));
    }
}
