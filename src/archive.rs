//! The archive stage: pages that span many determinations (home, listings by decision,
//! treatment, guideline, specialty and year, guideline pages, statistics, feed, sitemap,
//! open-data exports, search page), plus the per-determination pages. Every step is
//! linear in the number of determinations; pages are written as they are rendered.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use minijinja::Value;
use minijinja::value::Serde;
use rayon::prelude::*;
use serde::Serialize;

use crate::build::Checked;
use crate::config::Config;
use crate::output::Staging;
use crate::publish::PublicDetermination;
use crate::render::svg::{Bar, stacked_bars};
use crate::render::{Renderer, markdown};

/// Templates every theme must provide (checked before any page renders).
pub const TEMPLATES: &[&str] = &[
    "index.html",
    "determination.html",
    "listing.html",
    "facets.html",
    "guideline.html",
    "stats.html",
    "search.html",
    "404.html",
    "feed.xml",
];

fn ctx<T: Serialize>(v: T) -> Value {
    Value::from(Serde(v))
}

/// One determination page per published determination, rendered (unless memoised) and
/// written in parallel. Returns how many were rendered.
pub fn render_determinations(
    r: &Renderer,
    c: &Checked,
    out: &Staging,
    progress: bool,
    cache: Option<&crate::cache::Cache>,
) -> Result<usize> {
    // A page's key covers its source and the rule packs it depends on; the renderer's
    // covers templates and site data.
    let deps = r.fingerprint;
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    // A progress bar only on long builds and only when a person is watching (stderr is a terminal).
    let bar = (progress && c.published.len() >= 2_000).then(|| {
        let b = indicatif::ProgressBar::new(c.published.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "rendering {bar:40} {pos}/{len} determinations ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let result = c.published.par_iter().try_for_each(|d| -> Result<()> {
        if let Some(b) = &bar {
            b.inc(1);
        }
        if let Some(page) = cache.and_then(|m| m.page(&d.key, &deps)) {
            return out.write_hashed(
                &format!("{}index.html", d.path),
                page.html.as_bytes(),
                Some(page.hash),
            );
        }
        rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let html = determination_page(r, d)?;
        let rel = format!("{}index.html", d.path);
        match cache {
            Some(m) => {
                let page = crate::cache::Rendered::new(html);
                out.write_hashed(&rel, page.html.as_bytes(), Some(page.hash))?;
                m.set_page(&d.key, deps, page);
                Ok(())
            }
            None => out.write(&rel, html.as_bytes()),
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result.map(|()| rendered.into_inner())
}

/// A determination's page. It depends on the determination, the templates and the site
/// data alone (never on the rest of the archive), which lets `build::quick_page` write it
/// before the rebuild that updates everything else.
pub fn determination_page(r: &Renderer, d: &PublicDetermination) -> Result<String> {
    let body_html = markdown::to_html(&d.body_markdown);
    r.render(
        "determination.html",
        minijinja::context! { d => ctx(d), body_html => Value::from_safe_string(body_html) },
    )
}

/// A facet value: the determinations it lists (indices into the sorted list).
#[derive(Serialize, Clone)]
struct FacetValue {
    key: String,
    label: String,
    url: String,
    count: usize,
    upheld: usize,
    overturned: usize,
    #[serde(skip)]
    members: Vec<usize>,
}

#[derive(Serialize, Clone)]
struct Facet {
    name: &'static str,
    label: &'static str,
    singular: &'static str,
    url: String,
    values: Vec<FacetValue>,
}

/// Determinations newest first (by private decision date, then case number).
fn sorted(c: &Checked) -> Vec<&std::sync::Arc<PublicDetermination>> {
    let mut v: Vec<&std::sync::Arc<PublicDetermination>> = c.published.iter().collect();
    v.sort_by(|a, b| {
        b.sort_key
            .cmp(&a.sort_key)
            .then(a.case_number.cmp(&b.case_number))
    });
    v
}

fn facets(dets: &[&PublicDetermination], c: &Checked, base: &str) -> Vec<Facet> {
    type Acc = BTreeMap<String, FacetValue>;
    let mut decisions: Acc = BTreeMap::new();
    let mut treatments: Acc = BTreeMap::new();
    let mut guidelines: Acc = BTreeMap::new();
    let mut specialties: Acc = BTreeMap::new();
    let mut years: Acc = BTreeMap::new();
    fn add(
        acc: &mut Acc,
        key: &str,
        label: &str,
        prefix: &str,
        base: &str,
        i: usize,
        d: &PublicDetermination,
    ) {
        let v = acc.entry(key.to_string()).or_insert_with(|| FacetValue {
            key: key.to_string(),
            label: label.to_string(),
            url: format!("{base}{prefix}/{key}/"),
            count: 0,
            upheld: 0,
            overturned: 0,
            members: Vec::new(),
        });
        if v.members.last() != Some(&i) {
            v.members.push(i);
            v.count += 1;
            match d.outcome {
                "upheld" => v.upheld += 1,
                "overturned" => v.overturned += 1,
                _ => {}
            }
        }
    }
    for (i, d) in dets.iter().enumerate() {
        for it in &d.items {
            let dec = it.decision.as_str();
            add(
                &mut decisions,
                dec,
                if dec == "upheld" {
                    "Upheld"
                } else {
                    "Overturned"
                },
                "decisions",
                base,
                i,
                d,
            );
            let t = crate::publish::slug(it.treatment);
            add(
                &mut treatments,
                &t,
                it.treatment_title,
                "treatments",
                base,
                i,
                d,
            );
            for cit in
                std::iter::once(&it.reviewer_basis).chain(it.claims_administrator_basis.as_ref())
            {
                if let Some(g) = &cit.guideline
                    && c.packs.get(g).is_some()
                {
                    let title = cit.guideline_title.unwrap_or(g);
                    add(
                        &mut guidelines,
                        &crate::publish::slug(g),
                        title,
                        "guidelines",
                        base,
                        i,
                        d,
                    );
                }
            }
        }
        if !d.reviewer.specialty_slug.is_empty() {
            add(
                &mut specialties,
                d.reviewer.specialty_slug,
                d.reviewer.specialty,
                "specialties",
                base,
                i,
                d,
            );
        }
        add(
            &mut years,
            &d.year.to_string(),
            &d.year.to_string(),
            "years",
            base,
            i,
            d,
        );
    }
    // Every rule pack has a page, cited or not.
    for p in c.packs.by_id.values() {
        let key = crate::publish::slug(&p.id);
        guidelines.entry(key.clone()).or_insert_with(|| FacetValue {
            url: format!("{base}guidelines/{key}/"),
            key,
            label: p.title.clone(),
            count: 0,
            upheld: 0,
            overturned: 0,
            members: Vec::new(),
        });
    }
    let mk = |name, label, singular, acc: Acc, by_count: bool| {
        let mut values: Vec<FacetValue> = acc.into_values().collect();
        if by_count {
            values.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        }
        Facet {
            name,
            label,
            singular,
            url: format!("{base}{name}/"),
            values,
        }
    };
    let mut years_f = mk("years", "Years", "Year", years, false);
    years_f.values.reverse();
    vec![
        mk("decisions", "Decisions", "Decision", decisions, false),
        mk("treatments", "Treatments", "Treatment", treatments, true),
        mk("guidelines", "Guidelines", "Guideline", guidelines, true),
        mk("specialties", "Specialties", "Specialty", specialties, true),
        years_f,
    ]
}

#[derive(Serialize)]
struct Pagination {
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    links: Vec<(usize, String)>,
}

fn page_path(prefix: &str, page: usize) -> String {
    if page == 1 {
        prefix.to_string()
    } else {
        format!("{prefix}page/{page}/")
    }
}

/// What a listing page is rendered from, for the memo of `watch` and `serve`: the
/// renderer, the page's own data (`extra`, as JSON) and the determinations it shows.
struct ListingMemo<'a> {
    cache: &'a crate::cache::Cache,
    deps: crate::cache::Key,
}

/// Writes a paginated listing of `members` under `prefix` (e.g. `treatments/mri/`).
#[allow(clippy::too_many_arguments)]
fn listing(
    r: &Renderer,
    out: &Staging,
    config: &Config,
    dets: &[&PublicDetermination],
    values: &[Value],
    members: &[usize],
    prefix: &str,
    template: &str,
    extra: &Value,
    memo: Option<&ListingMemo>,
) -> Result<()> {
    // The page data other than the entries, once for all pages of the listing.
    let deps = memo.map(|m| {
        let json = serde_json::to_vec(extra).unwrap_or_default();
        crate::cache::key(&[&m.deps, template.as_bytes(), &json])
    });
    let size = config.page_size;
    let pages = members.len().div_ceil(size).max(1);
    let base = config.base_path();
    (1..=pages)
        .into_par_iter()
        .try_for_each(|page| -> Result<()> {
            let shown = members.iter().skip((page - 1) * size).take(size);
            let entries: Vec<&PublicDetermination> = shown.clone().map(|&i| dets[i]).collect();
            let url = |p: usize| format!("{base}{}", page_path(prefix, p));
            // A window of page links around the current one keeps pages small at any size.
            let lo = page.saturating_sub(3).max(1);
            let hi = (page + 3).min(pages);
            let mut links: Vec<(usize, String)> = (lo..=hi).map(|p| (p, url(p))).collect();
            if lo > 1 {
                links.insert(0, (1, url(1)));
            }
            if hi < pages {
                links.push((pages, url(pages)));
            }
            let pag = Pagination {
                page,
                pages,
                prev: (page > 1).then(|| url(page - 1)),
                next: (page < pages).then(|| url(page + 1)),
                links,
            };
            let rel = format!("{}index.html", page_path(prefix, page));
            let key = memo.zip(deps).map(|(_, deps)| {
                let mut parts: Vec<&[u8]> = vec![&deps, prefix.as_bytes()];
                let nums = [page as u64, pages as u64, members.len() as u64];
                let nums: Vec<u8> = nums.iter().flat_map(|n| n.to_le_bytes()).collect();
                parts.push(&nums);
                parts.extend(entries.iter().map(|d| &d.key[..]));
                crate::cache::key(&parts)
            });
            if let (Some(m), Some(k)) = (memo, &key)
                && let Some(p) = m.cache.listing(&rel, k)
            {
                return out.write_hashed(&rel, p.html.as_bytes(), Some(p.hash));
            }
            let html = r.render(
                template,
                minijinja::context! {
                    entries => Value::from(shown.map(|&i| values[i].clone()).collect::<Vec<_>>()),
                    total => members.len(),
                    pagination => ctx(&pag),
                    ..extra.clone()
                },
            )?;
            match (memo, key) {
                (Some(m), Some(k)) => {
                    let p = crate::cache::Rendered::new(html);
                    out.write_hashed(&rel, p.html.as_bytes(), Some(p.hash))?;
                    m.cache.set_listing(&rel, k, p);
                    Ok(())
                }
                _ => out.write(&rel, html.as_bytes()),
            }
        })
}

pub fn render_archive(
    r: &Renderer,
    c: &Checked,
    out: &Staging,
    cache: Option<&crate::cache::Cache>,
) -> Result<()> {
    let memo = cache.map(|cache| ListingMemo {
        cache,
        deps: r.fingerprint,
    });
    let memo = memo.as_ref();
    let config = &c.config;
    let base = config.base_path();
    let arcs = sorted(c);
    // Each determination as template data that converts the fields a template reads
    // when it reads them (`Lazy`): it appears on several listing pages (its decision,
    // treatments, guidelines, specialty, year), and holding every determination as a
    // converted value tree would hold the archive twice.
    let values: Vec<Value> = arcs
        .iter()
        .map(|d| crate::render::lazy::Lazy::value(std::sync::Arc::clone(d)))
        .collect();
    let dets: Vec<&PublicDetermination> = arcs.iter().map(|d| d.as_ref()).collect();
    let facets = facets(&dets, c, &base);
    let upheld = dets.iter().filter(|d| d.outcome == "upheld").count();
    let overturned = dets.iter().filter(|d| d.outcome == "overturned").count();
    let mixed = dets.len() - upheld - overturned;

    // Home.
    let by_year: Vec<Bar> = facets[4]
        .values
        .iter()
        .rev()
        .map(|v| Bar {
            label: v.label.clone(),
            url: v.url.clone(),
            upheld: v.upheld,
            overturned: v.overturned,
        })
        .collect();
    let latest: Vec<&PublicDetermination> = dets.iter().take(20).copied().collect();
    let facet_summaries: Vec<Facet> = facets
        .iter()
        .map(|f| Facet {
            values: f.values.iter().take(12).cloned().collect(),
            ..f.clone()
        })
        .collect();
    let html = r.render(
        "index.html",
        minijinja::context! {
            total => dets.len(), upheld => upheld, overturned => overturned, mixed => mixed,
            latest => ctx(&latest), facets => ctx(&facet_summaries),
            chart => Value::from_safe_string(stacked_bars("Outcomes by year", &by_year)),
        },
    )?;
    out.write("index.html", html.as_bytes())?;

    // Facet indexes and listings.
    for f in &facets {
        let html = r.render("facets.html", minijinja::context! { facet => ctx(f) })?;
        out.write(&format!("{}/index.html", f.name), html.as_bytes())?;
        // Listing pages get the facet without its values: a count changing elsewhere
        // does not change them.
        let header = Facet {
            values: Vec::new(),
            ..f.clone()
        };
        f.values.par_iter().try_for_each(|v| -> Result<()> {
            let f = &header;
            let prefix = format!("{}/{}/", f.name, v.key);
            if f.name == "guidelines" {
                let pack = c
                    .packs
                    .by_id
                    .values()
                    .find(|p| crate::publish::slug(&p.id) == v.key);
                let extra =
                    minijinja::context! { facet => ctx(f), value => ctx(v), pack => ctx(pack) };
                listing(
                    r,
                    out,
                    config,
                    &dets,
                    &values,
                    &v.members,
                    &prefix,
                    "guideline.html",
                    &extra,
                    memo,
                )
            } else {
                let extra = minijinja::context! { facet => ctx(f), value => ctx(v) };
                listing(
                    r,
                    out,
                    config,
                    &dets,
                    &values,
                    &v.members,
                    &prefix,
                    "listing.html",
                    &extra,
                    memo,
                )
            }
        })?;
    }

    // Statistics.
    let charts: Vec<_> = facets[1..]
        .iter()
        .map(|f| {
            let bars: Vec<Bar> = f
                .values
                .iter()
                .filter(|v| v.count > 0)
                .take(25)
                .map(|v| Bar {
                    label: v.label.clone(),
                    url: v.url.clone(),
                    upheld: v.upheld,
                    overturned: v.overturned,
                })
                .collect();
            let title = format!("Outcome by {}", f.singular.to_lowercase());
            minijinja::context! {
                title => title.clone(),
                facet => ctx(f),
                svg => Value::from_safe_string(stacked_bars(&title, &bars)),
                rows => ctx(f.values.iter().filter(|v| v.count > 0).collect::<Vec<_>>()),
            }
        })
        .collect();
    let html = r.render(
        "stats.html",
        minijinja::context! { charts => charts, total => dets.len(), upheld => upheld, overturned => overturned, mixed => mixed },
    )?;
    out.write("stats/index.html", html.as_bytes())?;

    // Search page (works without JavaScript as facet links).
    let html = r.render(
        "search.html",
        minijinja::context! { facets => ctx(&facet_summaries) },
    )?;
    out.write("search/index.html", html.as_bytes())?;

    // 404.
    out.write(
        "404.html",
        r.render("404.html", minijinja::context! {})?.as_bytes(),
    )?;

    // Feed: latest 50.
    let entries: Vec<_> = dets
        .iter()
        .take(50)
        .map(|d| feed_entry(d, config))
        .collect();
    let updated = entries
        .first()
        .map(|e| e.updated.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let feed = r.render(
        "feed.xml",
        minijinja::context! { entries => ctx(&entries), updated => updated, feed_url => config.absolute("feed.xml"), home_url => config.absolute("") },
    )?;
    out.write("feed.xml", feed.as_bytes())?;

    write_sitemap(out, config, &dets, &facets)?;
    Ok(())
}

/// Whether a site file is one of the aggregates: the open-data exports and the search
/// index, which every determination feeds (`watch` and `serve` update them after the
/// pages, see [`write_aggregates`]).
pub fn is_aggregate(rel: &str) -> bool {
    rel.starts_with("data/") || (rel.starts_with("search/") && rel != "search/index.html")
}

/// The open-data exports and the search index.
///
/// With `cache` (watch, serve), their per-determination parts are memoised: an edit
/// re-serialises one export record and re-tokenises one run of search documents.
pub fn write_aggregates(
    c: &Checked,
    out: &Staging,
    cache: Option<&crate::cache::Cache>,
    search: Option<crate::search::Builder>,
) -> Result<()> {
    // Independent: each takes a core (the leak gate scans the exports as they are written).
    fn timed(f: impl FnOnce() -> Result<()>) -> Result<std::time::Duration> {
        let t = std::time::Instant::now();
        f().map(|()| t.elapsed())
    }
    let (exports, search) = rayon::join(
        || {
            let dets: Vec<&PublicDetermination> =
                sorted(c).into_iter().map(|d| d.as_ref()).collect();
            timed(|| write_exports(out, &dets, cache))
        },
        || timed(|| write_search(c, out, cache, search).map(drop)),
    );
    let (exports, search) = (exports?, search?);
    if crate::build::timings_wanted() {
        eprintln!(
            "timings: exports {:.0} ms, search index {:.0} ms (side by side, leak gate included)",
            exports.as_secs_f64() * 1000.0,
            search.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct FeedEntry {
    id: String,
    url: String,
    title: String,
    updated: String,
    summary: String,
    outcome: &'static str,
}

fn feed_entry(d: &PublicDetermination, config: &Config) -> FeedEntry {
    // Under the default policy only the year is published, so entries carry 1 January.
    let updated = match &d.date {
        Some(date) => format!("{date}T00:00:00Z"),
        None => format!("{:04}-01-01T00:00:00Z", d.year),
    };
    FeedEntry {
        id: config.absolute(&d.path),
        url: config.absolute(&d.path),
        title: format!("{}: {} ({})", d.case_number, d.title, d.outcome),
        updated,
        summary: d.summary.clone(),
        outcome: d.outcome,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// sitemap.xml; past 50,000 URLs it becomes an index of sitemap-N.xml files.
fn write_sitemap(
    out: &Staging,
    config: &Config,
    dets: &[&PublicDetermination],
    facets: &[Facet],
) -> Result<()> {
    let mut urls: Vec<String> = vec![
        config.absolute(""),
        config.absolute("search/"),
        config.absolute("stats/"),
    ];
    for f in facets {
        urls.push(config.absolute(&format!("{}/", f.name)));
        for v in &f.values {
            urls.push(config.absolute(&format!("{}/{}/", f.name, v.key)));
        }
    }
    urls.extend(dets.iter().map(|d| config.absolute(&d.path)));
    const MAX: usize = 50_000;
    let one = |chunk: &[String]| {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for u in chunk {
            let _ = writeln!(s, "  <url><loc>{}</loc></url>", xml_escape(u));
        }
        s.push_str("</urlset>\n");
        s
    };
    if urls.len() <= MAX {
        return out.write("sitemap.xml", one(&urls).as_bytes());
    }
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in urls.chunks(MAX).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        out.write(&name, one(chunk).as_bytes())?;
        let _ = writeln!(
            index,
            "  <sitemap><loc>{}</loc></sitemap>",
            xml_escape(&config.absolute(&name))
        );
    }
    index.push_str("</sitemapindex>\n");
    out.write("sitemap.xml", index.as_bytes())
}

/// Open data: every published field, as JSON (one object per determination) and CSV (one
/// row per disputed item).
fn write_exports(
    out: &Staging,
    dets: &[&PublicDetermination],
    cache: Option<&crate::cache::Cache>,
) -> Result<()> {
    // Exports are in case-number order: stable for diffs between releases.
    let mut by_case: Vec<&PublicDetermination> = dets.to_vec();
    by_case.sort_by(|a, b| a.case_number.cmp(&b.case_number));
    let memo = cache.map(|c| {
        std::mem::take(
            &mut c
                .aggregates
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .records,
        )
    });
    let mut kept = Vec::new();
    let mut json = out.stream("data/determinations.json")?;
    let mut csv = out.stream("data/determinations.csv")?;
    json.write(b"[\n")?;
    csv.write(
        b"case_number,year,item,request,treatment,decision,reviewer_guideline,reviewer_section,reviewer_pages,reviewer_basis,specialty,age_band,sex,outcome\n",
    )?;
    // Serialised in parallel a run at a time and streamed out: memory holds one run of
    // records, not the exports (2.8 GB at a million determinations).
    for (run, dets) in by_case.chunks(4096).enumerate() {
        let records: Vec<std::sync::Arc<(String, String)>> = dets
            .par_iter()
            .map(|d| {
                if let Some(r) = memo.as_ref().and_then(|m| m.get(&d.key)) {
                    return Ok(r.clone());
                }
                let json = serde_json::to_string(d).context("serialising a determination")?;
                Ok(std::sync::Arc::new((json, csv_rows(d))))
            })
            .collect::<Result<_>>()?;
        let mut j = String::with_capacity(records.iter().map(|r| r.0.len() + 2).sum());
        let mut c = String::with_capacity(records.iter().map(|r| r.1.len()).sum());
        for (i, r) in records.iter().enumerate() {
            if run > 0 || i > 0 {
                j.push_str(",\n");
            }
            j.push_str(&r.0);
            c.push_str(&r.1);
        }
        json.write(j.as_bytes())?;
        csv.write(c.as_bytes())?;
        if cache.is_some() {
            kept.extend(dets.iter().map(|d| d.key).zip(records));
        }
    }
    drop(memo);
    json.write(b"\n]\n")?;
    json.finish()?;
    csv.finish()?;
    if let Some(c) = cache {
        c.aggregates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .records = kept.into_iter().collect();
    }
    Ok(())
}

/// A determination's rows of the CSV export, one per item.
fn csv_rows(d: &PublicDetermination) -> String {
    let mut csv = String::new();
    for (i, it) in d.items.iter().enumerate() {
        let rb = &it.reviewer_basis;
        let (year, n, decision) = (
            d.year.to_string(),
            (i + 1).to_string(),
            it.decision.to_string(),
        );
        let fields: [&str; 14] = [
            &d.case_number,
            &year,
            &n,
            &it.request,
            it.treatment,
            &decision,
            rb.guideline.unwrap_or_default(),
            rb.section.unwrap_or_default(),
            rb.pages.unwrap_or_default(),
            rb.basis,
            d.reviewer.specialty,
            d.patient.age_band,
            d.patient.sex,
            d.outcome,
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    csv
}

/// RFC 4180 quoting, plus a leading `'` on cells a spreadsheet would run as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The search index over the de-identified text only: every field comes from a
/// `PublicDetermination`.
/// Streams the documents into the index builder: no vector of search documents.
pub fn write_search(
    c: &Checked,
    out: &Staging,
    cache: Option<&crate::cache::Cache>,
    prebuilt: Option<crate::search::Builder>,
) -> Result<crate::search::IndexStats> {
    let base = c.config.base_path();
    let t = std::time::Instant::now();
    let params = crate::search::Params::default();
    let b = match (prebuilt, cache) {
        (Some(b), _) => b,
        (None, None) => {
            let mut b = crate::search::Builder::new(params);
            b.par_extend(c.published.par_iter().map(|d| search_doc(d, &base)));
            b
        }
        (None, Some(cache)) => search_by_runs(c, &base, params, cache),
    };
    let added = t.elapsed();
    let mut stats = None;
    let mut finished = std::time::Duration::ZERO;
    out.write_tree("search", |dir| {
        let t = std::time::Instant::now();
        stats = Some(b.finish(dir).context("writing the search index")?);
        finished = t.elapsed();
        Ok(())
    })?;
    if crate::build::timings_wanted() {
        eprintln!(
            "timings: search documents {:.0} ms, index written {:.0} ms, then scanned {:.0} ms",
            added.as_secs_f64() * 1000.0,
            finished.as_secs_f64() * 1000.0,
            (t.elapsed() - added - finished).as_secs_f64() * 1000.0
        );
    }
    Ok(stats.expect("the search index was written"))
}

/// Determinations per memoised run of search documents.
const SEARCH_RUN: usize = 128;

/// The search index builder of watch and serve: the documents in runs of
/// [`SEARCH_RUN`], each run's builder memoised by the keys of its determinations, then
/// merged in order (merging builders gives the index adding one by one gives).
fn search_by_runs(
    c: &Checked,
    base: &str,
    params: crate::search::Params,
    cache: &crate::cache::Cache,
) -> crate::search::Builder {
    let memo = std::mem::take(
        &mut cache
            .aggregates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .search_runs,
    );
    let runs: Vec<(crate::cache::Key, std::sync::Arc<crate::search::Builder>)> = c
        .published
        .par_chunks(SEARCH_RUN)
        .map(|run| {
            let mut parts: Vec<&[u8]> = vec![base.as_bytes()];
            parts.extend(run.iter().map(|d| &d.key[..]));
            let key = crate::cache::key(&parts);
            if let Some(b) = memo.get(&key) {
                return (key, b.clone());
            }
            let mut b = crate::search::Builder::new(params.clone());
            for d in run {
                b.add(search_doc(d, base));
            }
            (key, std::sync::Arc::new(b))
        })
        .collect();
    drop(memo);
    let mut all = crate::search::Builder::new(params);
    for (_, run) in &runs {
        all.merge(run.as_ref().clone());
    }
    cache
        .aggregates
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .search_runs = runs.into_iter().collect();
    all
}

pub fn search_doc(d: &PublicDetermination, base: &str) -> crate::search::SearchDoc {
    // (facet, slug, label): the labels the listings show ("" = the slug itself).
    let mut facets: Vec<(String, String, String)> = Vec::new();
    let mut push = |k: &str, v: String, label: &str| {
        if !v.is_empty() && !facets.iter().any(|(a, b, _)| a == k && *b == v) {
            facets.push((k.to_string(), v, label.to_string()));
        }
    };
    for it in &d.items {
        let dec = it.decision.to_string();
        let dec_label = if dec == "upheld" {
            "Upheld"
        } else {
            "Overturned"
        };
        push("decision", dec, dec_label);
        push(
            "treatment",
            crate::publish::slug(it.treatment),
            it.treatment_title,
        );
        if let Some(g) = &it.reviewer_basis.guideline {
            let title = it.reviewer_basis.guideline_title.unwrap_or(g);
            push("guideline", crate::publish::slug(g), title);
        }
        if let Some(r) = &it.body_region {
            let mut c = r.chars();
            let label: String = c
                .next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect());
            push("body_region", crate::publish::slug(r), &label);
        }
    }
    push(
        "specialty",
        d.reviewer.specialty_slug.to_string(),
        d.reviewer.specialty,
    );
    push("year", d.year.to_string(), "");
    push("age_band", d.patient.age_band.to_string(), "");
    push("sex", d.patient.sex.to_string(), "");
    crate::search::SearchDoc {
        case_number: d.case_number.clone(),
        url: format!("{base}{}", d.path),
        title: d.title.clone(),
        requests: d.items.iter().map(|i| i.request.clone()).collect(),
        text: markdown::plain_text(&d.body_markdown),
        year: d.year,
        facets,
    }
}

/// Theme static files, then the site's `static/` (the site wins).
pub fn copy_static(root: &Path, config: &Config, out: &Staging) -> Result<()> {
    let theme = crate::theme::Theme::new(root, &config.theme);
    let mut files: BTreeMap<std::path::PathBuf, Vec<u8>> = BTreeMap::new();
    for (p, b) in theme
        .static_files()
        .context("reading the theme's static files")?
    {
        files.insert(p, b);
    }
    let site_static = root.join("static");
    if site_static.is_dir() {
        let mut v = Vec::new();
        crate::theme::collect_dir(&site_static, &mut v).context("reading static/")?;
        for (p, b) in v {
            files.insert(p, b);
        }
    }
    for (p, b) in files {
        out.write(&p.to_string_lossy().replace('\\', "/"), &b)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quoting_and_formula_guard() {
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(super::csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(super::csv_field("-5"), "-5");
    }
}
