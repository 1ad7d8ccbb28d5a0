//! `framewatch report`: one self-contained HTML file from a run folder —
//! trend charts drawn as inline SVG (no scripts, fonts or URLs), the
//! entries that drive each category, the most behavioural and most
//! structural documents with passages, and the manifest.

use crate::error::Result;
use crate::ingest::reread;
use crate::model::Pole;
use crate::output::RunTables;
use crate::study::audit::html_escape as esc;
use crate::study::composition;
use crate::study::thousands;
use std::collections::{BTreeMap, HashMap};

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const BEHAVIOURAL_COLOUR: &str = "#E69F00";
const STRUCTURAL_COLOUR: &str = "#0072B2";
const PALETTE: &[&str] = &[
    "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#999999",
];

pub struct Series {
    pub name: String,
    pub colour: String,
    pub values: Vec<Option<f64>>,
    /// A 95% interval per point, drawn as a band, where the trends carry one.
    pub band: Option<Vec<(Option<f64>, Option<f64>)>>,
    /// What each point rests on (empty when not known): a point of a
    /// thin cell is drawn hollow, and hovering a point shows its n.
    pub support: Vec<Support>,
}

/// The documents and words behind a point, and whether they are few
/// (the trends table's `low_n` rule: fewer than `--min-docs` documents or
/// `--min-tokens` words).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Support {
    pub documents: f64,
    pub tokens: f64,
    pub low: bool,
}

impl Support {
    pub fn new(documents: f64, tokens: f64, min_docs: u64, min_tokens: u64) -> Support {
        Support {
            documents,
            tokens,
            low: documents < min_docs as f64 || tokens < min_tokens as f64,
        }
    }

    /// "3 documents, 12,345 words (low n)".
    pub fn describe(&self) -> String {
        format!(
            "{} document{}, {} words{}",
            self.documents,
            if self.documents == 1.0 { "" } else { "s" },
            thousands(self.tokens),
            if self.low { " (low n)" } else { "" }
        )
    }
}

/// The start of a table row for period `p`: greyed and tagged `low n`
/// when the period rests on few documents or words.
fn period_row(p: &str, n: &Support) -> String {
    if n.low {
        format!(
            "<tr class=\"low\"><td>{} <span class=\"lown\">low n</span></td>",
            esc(p)
        )
    } else {
        format!("<tr><td>{}</td>", esc(p))
    }
}

/// Sub-frame bars resting on fewer endorsed hits than this are drawn
/// faded: one hit makes a 100% bar.
pub const FEW_HITS: f64 = 10.0;

fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= n as f64)
        .unwrap_or(mag * 10.0);
    let mut t = (lo / step).floor() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push((t * 1e9).round() / 1e9);
        t += step;
    }
    out
}

fn fmt_tick(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else if (v * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A line chart: one line per series over ordinal x labels, with axes,
/// ticks, a y-axis title with units, a legend and optional reference line.
pub fn line_chart(
    title: &str,
    x: &[String],
    series: &[Series],
    y_title: &str,
    y_range: Option<(f64, f64)>,
    reference: Option<(f64, &str)>,
) -> String {
    // One series needs no legend: the title names it. Small multiples use
    // a narrower canvas so their text stays legible when scaled down.
    let single = series.len() == 1;
    let (w, h) = if single {
        (480.0, 260.0)
    } else {
        (760.0, 300.0)
    };
    let (ml, mr, mt, mb) = (64.0, if single { 44.0 } else { 150.0 }, 34.0, 64.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let all: Vec<f64> = series
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .flatten()
                .copied()
                .chain(s.band.iter().flatten().filter_map(|b| b.1))
        })
        .collect();
    let (lo, hi) = y_range.unwrap_or((
        0.0,
        all.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.08,
    ));
    let ticks = nice_ticks(lo, hi, 5);
    let hi = ticks.last().copied().unwrap_or(hi).max(hi);
    let xs = |i: usize| {
        ml + if x.len() <= 1 {
            pw / 2.0
        } else {
            pw * i as f64 / (x.len() - 1) as f64
        }
    };
    let ys = |v: f64| mt + ph - (v - lo) / (hi - lo) * ph;
    let class = if single { "chart small" } else { "chart" };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" class=\"{class}\">",
        esc(title)
    );
    s.push_str(&format!(
        "<text x=\"{ml}\" y=\"20\" class=\"title\">{}</text>",
        esc(title)
    ));
    for t in &ticks {
        let y = ys(*t);
        s.push_str(&format!("<line x1=\"{ml}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>", ml + pw, ml - 6.0, y + 4.0, fmt_tick(*t)));
    }
    s.push_str(&format!("<text transform=\"translate(16 {:.1}) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">{}</text>", mt + ph / 2.0, esc(y_title)));
    let every = x.len().div_ceil(14).max(1);
    for (i, label) in x.iter().enumerate() {
        if i % every != 0 && i + 1 != x.len() {
            continue;
        }
        s.push_str(&format!(
            "<text transform=\"translate({:.1} {:.1}) rotate(-45)\" class=\"tick\" text-anchor=\"end\">{}</text>",
            xs(i) + 4.0,
            mt + ph + 16.0,
            esc(label)
        ));
    }
    s.push_str(&format!("<line x1=\"{ml}\" x2=\"{ml}\" y1=\"{mt}\" y2=\"{:.1}\" class=\"axisline\"/><line x1=\"{ml}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"axisline\"/>", mt + ph, ml + pw, mt + ph, mt + ph));
    if let Some((v, label)) = reference {
        let y = ys(v);
        s.push_str(&format!("<line x1=\"{ml}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"ref\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>", ml + pw, ml + pw + 4.0, y + 4.0, esc(label)));
    }
    for se in series {
        // Bands: one polygon per run of points that have an interval.
        let Some(band) = &se.band else { continue };
        let mut i = 0;
        while i < band.len() {
            let start = i;
            while i < band.len() && band[i].0.is_some() && band[i].1.is_some() {
                i += 1;
            }
            if i > start {
                let upper: Vec<String> = (start..i)
                    .map(|k| format!("{:.1},{:.1}", xs(k), ys(band[k].1.unwrap_or(0.0))))
                    .collect();
                let lower: Vec<String> = (start..i)
                    .rev()
                    .map(|k| format!("{:.1},{:.1}", xs(k), ys(band[k].0.unwrap_or(0.0))))
                    .collect();
                s.push_str(&format!(
                    "<polygon points=\"{} {}\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>",
                    upper.join(" "),
                    lower.join(" "),
                    se.colour
                ));
            }
            i += 1;
        }
    }
    for (k, se) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen = false;
        for (i, v) in se.values.iter().enumerate() {
            match v {
                Some(v) => {
                    path.push_str(&format!(
                        "{}{:.1},{:.1} ",
                        if pen { "L" } else { "M" },
                        xs(i),
                        ys(*v)
                    ));
                    pen = true;
                }
                None => pen = false,
            }
        }
        let dash = if k % 2 == 1 {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        s.push_str(&format!(
            "<path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.2\"{dash}/>",
            se.colour
        ));
        for (i, v) in se.values.iter().enumerate() {
            if let Some(v) = v {
                let (shape, n) = match se.support.get(i) {
                    Some(n) if n.low => (
                        format!(
                            "r=\"3.4\" fill=\"#fff\" stroke=\"{}\" stroke-width=\"1.6\" class=\"low\"",
                            se.colour
                        ),
                        format!(" — {}", n.describe()),
                    ),
                    Some(n) => (
                        format!("r=\"2.6\" fill=\"{}\"", se.colour),
                        format!(" — {}", n.describe()),
                    ),
                    None => (format!("r=\"2.6\" fill=\"{}\"", se.colour), String::new()),
                };
                s.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" {shape}><title>{}: {}{}</title></circle>",
                    xs(i),
                    ys(*v),
                    esc(&x[i]),
                    fmt_tick(*v),
                    esc(&n)
                ));
            }
        }
        if single {
            continue;
        }
        let ly = mt + 14.0 + 20.0 * k as f64;
        s.push_str(&format!(
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"3\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" class=\"legend\">{}</text>",
            ml + pw + 14.0,
            ml + pw + 38.0,
            se.colour,
            ml + pw + 44.0,
            ly + 4.0,
            esc(&se.name)
        ));
    }
    if series.iter().any(|se| {
        se.support
            .iter()
            .zip(&se.values)
            .any(|(n, v)| n.low && v.is_some())
    }) {
        s.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.4\" fill=\"#fff\" stroke=\"#444\" stroke-width=\"1.6\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">low n: few documents or words</text>",
            w - 12.0,
            h - 10.0,
            w - 20.0,
            h - 6.0
        ));
    }
    s.push_str("</svg>");
    s
}

/// What a stacked bar chart's heights are.
#[derive(Debug, Clone, Copy)]
enum Stack {
    /// Each part's share of the bar's total (sub-frames of a category's
    /// hits); bars whose total is under [`FEW_HITS`] are faded, and each
    /// bar's total is written above it.
    Shares,
    /// Counts (documents per group), on a count axis.
    Counts,
}

/// Stacked bars per period: each part's share of the whole, or counts.
fn stacked_chart(
    title: &str,
    x: &[String],
    parts: &[(String, Vec<f64>)],
    stack: Stack,
    y_title: &str,
) -> String {
    let (w, h) = (760.0, 310.0);
    let (ml, mr, mt, mb) = (64.0, 210.0, 44.0, 64.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let n = x.len().max(1);
    let bw = pw / n as f64;
    let totals: Vec<f64> = (0..x.len())
        .map(|i| parts.iter().map(|p| p.1[i]).sum())
        .collect();
    let top = match stack {
        Stack::Shares => 1.0,
        Stack::Counts => {
            let hi = totals.iter().copied().fold(0.0, f64::max).max(1.0);
            nice_ticks(0.0, hi, 5).last().copied().unwrap_or(hi).max(hi)
        }
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" class=\"chart\">",
        esc(title)
    );
    s.push_str(&format!(
        "<text x=\"{ml}\" y=\"20\" class=\"title\">{}</text>",
        esc(title)
    ));
    let ticks = match stack {
        Stack::Shares => vec![0.0, 0.25, 0.5, 0.75, 1.0],
        Stack::Counts => nice_ticks(0.0, top, 5),
    };
    for t in ticks {
        let y = mt + ph - t / top * ph;
        let label = match stack {
            Stack::Shares => format!("{:.0}%", t * 100.0),
            Stack::Counts => fmt_tick(t),
        };
        s.push_str(&format!("<line x1=\"{ml}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{label}</text>", ml + pw, ml - 6.0, y + 4.0));
    }
    s.push_str(&format!("<text transform=\"translate(16 {:.1}) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">{}</text>", mt + ph / 2.0, esc(y_title)));
    let every = x.len().div_ceil(14).max(1);
    let mut faded = false;
    for (i, &total) in totals.iter().enumerate() {
        let few = matches!(stack, Stack::Shares) && total > 0.0 && total < FEW_HITS;
        faded |= few;
        let opacity = if few { " fill-opacity=\"0.35\"" } else { "" };
        let mut y = mt + ph;
        for (k, (name, v)) in parts.iter().enumerate() {
            if total <= 0.0 || v[i] <= 0.0 {
                continue;
            }
            let hgt = match stack {
                Stack::Shares => v[i] / total * ph,
                Stack::Counts => v[i] / top * ph,
            };
            y -= hgt;
            let share = match stack {
                Stack::Shares => format!(" ({:.0}%)", v[i] / total * 100.0),
                Stack::Counts => String::new(),
            };
            s.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{hgt:.1}\" fill=\"{}\"{opacity}><title>{} {}: {} of {}{share}{}</title></rect>",
                ml + bw * i as f64 + 1.0,
                (bw - 2.0).max(1.0),
                PALETTE[k % PALETTE.len()],
                esc(&x[i]),
                esc(name),
                v[i],
                total,
                if few { " — few hits, read with care" } else { "" }
            ));
        }
        if matches!(stack, Stack::Shares) && total > 0.0 && bw >= 14.0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick{}\" text-anchor=\"middle\">{total}</text>",
                ml + bw * (i as f64 + 0.5),
                mt - 4.0,
                if few { " few" } else { "" }
            ));
        }
        if i % every == 0 || i + 1 == x.len() {
            s.push_str(&format!("<text transform=\"translate({:.1} {:.1}) rotate(-45)\" class=\"tick\" text-anchor=\"end\">{}</text>", ml + bw * (i as f64 + 0.5) + 4.0, mt + ph + 16.0, esc(&x[i])));
        }
    }
    for (k, (name, _)) in parts.iter().enumerate() {
        let ly = mt + 10.0 + 18.0 * k as f64;
        s.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"legend\">{}</text>",
            ml + pw + 14.0,
            ly - 8.0,
            PALETTE[k % PALETTE.len()],
            ml + pw + 32.0,
            ly + 2.0,
            esc(name)
        ));
    }
    if matches!(stack, Stack::Shares) {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">above bars: endorsed hits{}</text>",
            w - 8.0,
            h - 6.0,
            if faded {
                format!("; faded: under {FEW_HITS} hits")
            } else {
                String::new()
            }
        ));
    }
    s.push_str("</svg>");
    s
}

const STYLE: &str = r#"
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; background: #fafafa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead { color: #555; margin: 0 0 16px; }
.chart { width: 100%; height: auto; background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 8px 0; }
.chart .title { font: 600 14px system-ui, sans-serif; } .chart .tick { font: 11px system-ui, sans-serif; fill: #444; }
.chart .axis { font: 12px system-ui, sans-serif; fill: #333; } .chart .legend { font: 12px system-ui, sans-serif; }
.chart .grid { stroke: #e6e6e6; } .chart .axisline { stroke: #888; } .chart .ref { stroke: #666; stroke-dasharray: 3 3; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 8px; }
main > .chart.small { max-width: 620px; display: block; }
td:first-child, th:first-child { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; vertical-align: top; overflow-wrap: anywhere; }
th { overflow-wrap: normal; }
td.doc { white-space: normal; min-width: 12em; max-width: 22em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; overflow-wrap: normal; }
mark.b { background: rgba(230,159,0,.35); } mark.s { background: rgba(0,114,178,.22); }
blockquote { margin: 4px 0 4px 12px; color: #333; font-family: Georgia, serif; }
code { font-size: 12px; }
th.n { text-align: right; } table.compact { width: auto; min-width: 50%; }
tr.low td { color: #777; } .lown { font-size: 11px; color: #8a5a00; background: #fff3d6; border-radius: 3px; padding: 0 4px; }
.warn { background: #fff8e1; border-left: 3px solid #E69F00; padding: 4px 12px; margin: 8px 0; }
.chart .few { font-style: italic; fill: #999; }
"#;

fn sum_by<K: Ord + Clone>(keys: &[K], values: &[Option<f64>]) -> BTreeMap<K, f64> {
    let mut m = BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        *m.entry(k.clone()).or_insert(0.0) += v.unwrap_or(0.0);
    }
    m
}

/// The chart styles, shared by the page and by the PNG export.
const CHART_CSS: &str = "text { font-family: sans-serif; } .title { font-weight: 600; font-size: 14px; } .tick { font-size: 11px; fill: #444; } .axis { font-size: 12px; fill: #333; } .legend { font-size: 12px; } .grid { stroke: #e6e6e6; } .axisline { stroke: #888; } .ref { stroke: #666; stroke-dasharray: 3 3; } .few { font-style: italic; fill: #999; }";

/// A rendered report: the page, and each chart as a standalone SVG
/// (`name`, `svg`) for PNG export.
pub struct Report {
    pub html: String,
    pub charts: Vec<(String, String)>,
}

fn slug(s: &str) -> String {
    crate::lexicon::interop::sanitize(s)
}

/// Rasterise a chart SVG to PNG at `scale`, with the chart styles and the
/// system's sans-serif font.
pub fn svg_to_png(svg: &str, scale: f32) -> std::result::Result<Vec<u8>, String> {
    let mut opt = resvg::usvg::Options {
        style_sheet: Some(CHART_CSS.to_string()),
        ..Default::default()
    };
    opt.fontdb_mut().load_system_fonts();
    // Map the generic sans-serif family to a face this system has.
    let family = [
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
        "FreeSans",
        "Arial",
    ]
    .into_iter()
    .find(|f| {
        opt.fontdb
            .faces()
            .any(|face| face.families.iter().any(|(name, _)| name == f))
    })
    .or_else(|| {
        opt.fontdb
            .faces()
            .next()
            .and_then(|f| f.families.first())
            .map(|(n, _)| n.as_str())
    })
    .map(String::from)
    .ok_or(
        "no system fonts found: install a font package (e.g. fonts-dejavu-core) for chart text",
    )?;
    opt.fontdb_mut().set_sans_serif_family(family.clone());
    opt.font_family = family;
    let tree = resvg::usvg::Tree::from_str(svg, &opt).map_err(|e| e.to_string())?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or("chart has no size")?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("cannot allocate the image")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// Render a run folder as one HTML page.
pub fn render(run: &RunTables, run_label: &str) -> Result<Report> {
    render_with(run, run_label, &Linguistics::default())
}

/// The corpus linguist's view of a run for the report, computed by the
/// caller (the documents must be read again): key words between two
/// periods and the collocates of the entries with the most hits.
#[derive(Debug, Clone, Default)]
pub struct Linguistics {
    pub keyness: Option<KeynessSection>,
    /// Per entry: its collocates, and the command that shows a
    /// collocate's lines without the collocate (`... --lines`).
    pub collocates: Vec<(String, Vec<super::collocates::Row>, String)>,
}

/// Key words of `target` against `reference`.
#[derive(Debug, Clone)]
pub struct KeynessSection {
    pub target: String,
    pub reference: String,
    pub sizes: [(u64, u64); 2],
    pub rows: Vec<super::keyness::Row>,
}

/// The dated periods of a run in order (by start), as the report shows them.
pub fn dated_periods(run: &RunTables) -> Vec<String> {
    Page::new(run).dated
}

/// The `n` entries with the most counted framing hits in the run
/// (ties by entry).
pub fn top_entries(run: &RunTables, n: usize) -> Vec<String> {
    let h = &run.hits;
    let hits = Hits::of(h);
    let mut count: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..h.height() {
        let (Some(c), Some(e)) = (&hits.category[i], &hits.entry[i]) else {
            continue;
        };
        if Pole::of(c).is_some() && hits.counts(i) {
            *count.entry(e.clone()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, u64)> = count.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().take(n).map(|(e, _)| e).collect()
}

/// [`render`] with the keyness and collocate sections.
pub fn render_with(run: &RunTables, run_label: &str, ling: &Linguistics) -> Result<Report> {
    let mut page = Page::new(run);
    let m = &run.manifest;
    page.html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>framewatch report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(run_label)
    );
    page.html.push_str(&format!(
        "<h1>Framing of poverty: {}</h1>\n<p class=\"lead\">{} documents, {} words, by {}; lexicon {} {} (sha256 <code>{}</code>). Counts are endorsed hits: negated and distanced uses are reported separately.</p>\n",
        esc(run_label),
        thousands(m.counts.documents_read as f64),
        thousands(m.counts.tokens as f64),
        page.by,
        esc(&m.lexicon.name),
        esc(&m.lexicon.version),
        esc(&m.lexicon.sha256[..12.min(m.lexicon.sha256.len())])
    ));
    page.trends();
    page.composition(ling);
    page.groups();
    page.subframes();
    page.drivers();
    page.linguistics(ling);
    page.documents();
    page.provenance();
    page.html.push_str("</main>\n</body>\n</html>\n");
    Ok(Report {
        html: page.html,
        charts: page.charts,
    })
}

/// The colour of a pole in every chart.
fn colour(pole: Pole) -> &'static str {
    match pole {
        Pole::Behavioural => BEHAVIOURAL_COLOUR,
        Pole::Structural => STRUCTURAL_COLOUR,
    }
}

/// Behavioural share B/(B+S) of each pair (none where B+S = 0).
fn shares(b: &[f64], s: &[f64]) -> Vec<Option<f64>> {
    b.iter()
        .zip(s)
        .map(|(b, s)| (b + s > 0.0).then(|| b / (b + s)))
        .collect()
}

/// A pole's initial, upper-cased, for table headings ("B", "S").
fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().collect())
}

/// `hits_<category>`.
fn hits_column(category: &str) -> String {
    format!("hits_{category}")
}

/// A report being written: the run, its periods, and the page so far.
struct Page<'a> {
    run: &'a RunTables,
    html: String,
    charts: Vec<(String, String)>,
    by: &'static str,
    /// Each trends row's period.
    periods: Vec<String>,
    /// Periods in the trends table's order (by start, undated last).
    order: Vec<String>,
    /// The dated periods, and where each is among them.
    dated: Vec<String>,
    idx: HashMap<String, usize>,
    /// The categories share and balance compared (first, second pole),
    /// or none when the run left share and balance out.
    poles: Option<[String; 2]>,
    /// The categories of the run, from the trends table's columns.
    categories: Vec<String>,
}

impl<'a> Page<'a> {
    fn new(run: &'a RunTables) -> Page<'a> {
        let periods: Vec<String> = run
            .trends
            .strs("period")
            .into_iter()
            .map(|p| p.unwrap_or_default())
            .collect();
        let mut order: Vec<String> = Vec::new();
        for p in &periods {
            if !order.contains(p) {
                order.push(p.clone());
            }
        }
        let dated: Vec<String> = order.iter().filter(|p| *p != "undated").cloned().collect();
        let idx = dated
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        let poles = match run.manifest.lexicon.poles.as_deref() {
            Some([a, b]) => Some([a.clone(), b.clone()]),
            Some(_) => None,
            None if run.trends.has("share") || run.trends.has("model_share") => {
                Some(Pole::BOTH.map(|p| p.name().to_string()))
            }
            None => None,
        };
        let categories = run
            .trends
            .names()
            .iter()
            .filter_map(|c| c.strip_prefix("hits_"))
            .filter(|c| !c.contains("__"))
            .map(String::from)
            .collect();
        Page {
            run,
            html: String::new(),
            charts: Vec::new(),
            by: run.manifest.options.by.as_str(),
            periods,
            order,
            dated,
            idx,
            poles,
            categories,
        }
    }

    /// The name of a pole's category (only called when the run has poles).
    fn pole(&self, pole: Pole) -> &str {
        let [a, b] = self.poles.as_ref().expect("called with poles");
        match pole {
            Pole::Behavioural => a,
            Pole::Structural => b,
        }
    }

    /// The categories charted: the poles, or every category without them.
    fn charted(&self) -> Vec<String> {
        match &self.poles {
            Some(p) => p.to_vec(),
            None => self.categories.clone(),
        }
    }

    /// The line saying why share and balance are not shown.
    fn no_poles(&mut self) {
        self.html.push_str("<p>Share and balance are left out: the run's lexicon declares no poles (set <code>[lexicon] poles</code> or give <code>--poles A,B</code> to compare two categories).</p>\n");
    }

    /// The chart of endorsed hits per 10,000 words by period.
    fn rates_chart(&mut self, series: &[Series]) {
        let rates = line_chart(
            &format!("Endorsed hits per 10,000 words, by {}", self.by),
            &self.dated,
            series,
            "hits per 10,000 words",
            None,
            None,
        );
        self.chart("rates".into(), rates);
    }

    /// Rates of every category over time, for a run without poles.
    fn category_rates(&mut self) {
        let tokens = self.per_period("tokens");
        let support = self.support();
        self.html.push_str("<h2>Framing over time</h2>\n");
        let series: Vec<Series> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| Series {
                name: c.clone(),
                colour: PALETTE[i % PALETTE.len()].into(),
                values: per_10k(&self.per_period(&hits_column(c)), &tokens),
                band: None,
                support: support.clone(),
            })
            .collect();
        self.rates_chart(&series);
        self.low_note(&support);
        self.no_poles();
    }

    fn chart(&mut self, name: String, svg: String) {
        self.html.push_str(&svg);
        self.charts.push((name, svg));
    }

    fn groups_given(&self) -> &[String] {
        &self.run.manifest.options.group
    }

    /// A trends column summed per dated period.
    fn per_period(&self, col: &str) -> Vec<f64> {
        let mut v = vec![0.0; self.dated.len()];
        for (p, x) in self.periods.iter().zip(self.run.trends.nums(col)) {
            if let Some(&i) = self.idx.get(p) {
                v[i] += x.unwrap_or(0.0);
            }
        }
        v
    }

    /// What each dated period's point rests on, all groups together.
    fn support(&self) -> Vec<Support> {
        let o = &self.run.manifest.options;
        self.per_period("documents")
            .into_iter()
            .zip(self.per_period("tokens"))
            .map(|(d, t)| Support::new(d, t, o.min_docs, o.min_tokens))
            .collect()
    }

    /// What period `p` (dated or not) rests on, all groups together.
    fn size_of(&self, p: &str) -> Support {
        let t = &self.run.trends;
        let (mut d, mut w) = (0.0, 0.0);
        for ((q, x), y) in self
            .periods
            .iter()
            .zip(t.nums("documents"))
            .zip(t.nums("tokens"))
        {
            if q == p {
                d += x.unwrap_or(0.0);
                w += y.unwrap_or(0.0);
            }
        }
        let o = &self.run.manifest.options;
        Support::new(d, w, o.min_docs, o.min_tokens)
    }

    /// Without group columns each dated period is one trends row, and its
    /// bootstrap interval (if the run computed one) can be drawn.
    fn band(&self, lo: &str, hi: &str) -> Option<Vec<(Option<f64>, Option<f64>)>> {
        let t = &self.run.trends;
        if !self.groups_given().is_empty() || !t.has(lo) {
            return None;
        }
        let (l, h) = (t.nums(lo), t.nums(hi));
        let mut v = vec![(None, None); self.dated.len()];
        for (i, p) in self.periods.iter().enumerate() {
            if let Some(&k) = self.idx.get(p) {
                v[k] = (l[i], h[i]);
            }
        }
        v.iter().any(|x| x.0.is_some()).then_some(v)
    }

    /// Rates and share over time, with their intervals.
    fn trends(&mut self) {
        if self.poles.is_none() {
            self.category_rates();
            return self.undated();
        }
        let by = self.by;
        let tokens = self.per_period("tokens");
        let [hb, hs] = Pole::BOTH.map(|p| self.per_period(&hits_column(self.pole(p))));
        let [nb, ns] = Pole::BOTH.map(|p| self.pole(p).to_string());
        let upper = |s: &str| {
            let mut c = s.chars();
            c.next()
                .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        };
        let share = shares(&hb, &hs);
        let support = self.support();
        self.html.push_str(&format!(
            "<h2>{} and {ns} framing over time</h2>\n",
            upper(&nb)
        ));
        let series: Vec<Series> = Pole::BOTH
            .into_iter()
            .zip([&hb, &hs])
            .map(|(pole, hits)| {
                let name = self.pole(pole);
                Series {
                    name: name.into(),
                    colour: colour(pole).into(),
                    values: per_10k(hits, &tokens),
                    band: self.band(&format!("rate_{name}_lo"), &format!("rate_{name}_hi")),
                    support: support.clone(),
                }
            })
            .collect();
        self.rates_chart(&series);
        let [ib, is] = [&nb, &ns].map(|n| initial(n));
        // `run --measure model` wrote no lexicon share.
        let mut lines = Vec::new();
        if self.run.trends.has("share") {
            lines.push(Series {
                name: "lexicon".into(),
                colour: "#000000".into(),
                values: share,
                band: self.band("share_lo", "share_hi"),
                support: support.clone(),
            });
        }
        // With a trained model: its share of the sentences it labels
        // endorsed, beside the lexicon's.
        let model = [&nb, &ns].map(|p| format!("model_sentences_{p}"));
        if model.iter().all(|c| self.run.trends.has(c)) {
            let [mb, ms] = model.map(|c| self.per_period(&c));
            lines.push(Series {
                name: "model".into(),
                colour: "#009E73".into(),
                values: shares(&mb, &ms),
                band: self.band("model_share_lo", "model_share_hi"),
                support: support.clone(),
            });
        }
        let share = line_chart(
            &format!("{} share {ib}/({ib}+{is}), by {by}", upper(&nb)),
            &self.dated,
            &lines,
            &format!("{nb} share of endorsed framing"),
            Some((0.0, 1.0)),
            Some((0.5, "even")),
        );
        self.chart("share".into(), share);
        if lines.len() > 1 {
            self.html.push_str("<p>Two measures of one quantity: the lexicon (black) counts endorsed hits of its entries; the trained model (green) labels whole sentences and counts those it labels endorsed (see the README's validity figures for how each does against hand coding). Where they part, read the passages.</p>\n");
        }
        self.low_note(&support);
        let m = &self.run.manifest;
        let has_intervals = self.run.trends.has("share_lo");
        if self.groups_given().is_empty() && has_intervals {
            self.html.push_str(&format!(
                "<p>Shaded bands are document-bootstrap 95% intervals ({} resamples, seed {}).</p>\n",
                m.options.bootstrap, m.options.seed
            ));
        } else if !self.groups_given().is_empty() && has_intervals {
            self.html.push_str(
                "<p>Intervals are computed per group; the group panels below show them as bands.</p>\n",
            );
        }
        self.undated();
    }

    /// The line saying what hollow points are, when a chart has one.
    fn low_note(&mut self, support: &[Support]) {
        if support.iter().any(|n| n.low) {
            let o = &self.run.manifest.options;
            self.html.push_str(&format!(
                "<p>Hollow points rest on fewer than {} documents or {} words (the trends table's <code>low_n</code>; <code>run --min-docs/--min-tokens</code>): read them with care. Hover a point for its documents and words.</p>\n",
                o.min_docs,
                thousands(o.min_tokens as f64)
            ));
        }
    }

    /// Documents per period and group, and a warning where the make-up
    /// of neighbouring periods (or the key-word periods) shifts sharply.
    fn composition(&mut self, ling: &Linguistics) {
        let by = composition::breakdown(self.run, "period");
        let counts = composition::counts(self.run, "period", by.as_deref());
        let support = self.support();
        let mut totals: BTreeMap<String, u64> = BTreeMap::new();
        for groups in counts.values() {
            for (g, n) in groups {
                *totals.entry(g.clone()).or_default() += n;
            }
        }
        let mut groups: Vec<(String, u64)> = totals.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        const SHOWN: usize = 8;
        let shown: Vec<String> = groups.iter().take(SHOWN).map(|g| g.0.clone()).collect();
        let other = groups.len() > SHOWN;
        let of = |p: &str, g: &str| -> u64 {
            counts.get(p).and_then(|m| m.get(g)).copied().unwrap_or(0)
        };
        let rest = |p: &str| -> u64 {
            counts.get(p).map_or(0, |m| {
                m.iter()
                    .filter(|(g, _)| !shown.contains(g))
                    .map(|(_, n)| n)
                    .sum()
            })
        };
        self.html.push_str(&format!(
            "<h2 id=\"composition\">Composition: documents per {}{}</h2>\n",
            self.by,
            by.as_deref()
                .map_or(String::new(), |g| format!(" and {}", esc(g)))
        ));
        if by.is_some() {
            let mut parts: Vec<(String, Vec<f64>)> = shown
                .iter()
                .map(|g| {
                    (
                        g.clone(),
                        self.dated.iter().map(|p| of(p, g) as f64).collect(),
                    )
                })
                .collect();
            if other {
                parts.push((
                    format!("{} others", groups.len() - SHOWN),
                    self.dated.iter().map(|p| rest(p) as f64).collect(),
                ));
            }
            let svg = stacked_chart(
                &format!(
                    "Documents per {}, by {}",
                    self.by,
                    by.as_deref().unwrap_or("")
                ),
                &self.dated,
                &parts,
                Stack::Counts,
                "documents",
            );
            self.chart("composition".into(), svg);
        }
        // The table: every period, its documents and words, and per group.
        let mut head = format!(
            "<table class=\"compact\"><tr><th>{}</th><th class=\"n\">documents</th><th class=\"n\">words</th>",
            self.by
        );
        if by.is_some() {
            for g in &shown {
                head.push_str(&format!("<th class=\"n\">{}</th>", esc(g)));
            }
            if other {
                head.push_str("<th class=\"n\">others</th>");
            }
        }
        self.html.push_str(&head);
        self.html.push_str("</tr>\n");
        for (k, p) in self.dated.iter().enumerate() {
            let n = support[k];
            let mut row = format!(
                "{}<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                period_row(p, &n),
                n.documents,
                thousands(n.tokens)
            );
            if by.is_some() {
                for g in &shown {
                    row.push_str(&format!("<td class=\"n\">{}</td>", of(p, g)));
                }
                if other {
                    row.push_str(&format!("<td class=\"n\">{}</td>", rest(p)));
                }
            }
            self.html.push_str(&row);
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table>\n");
        // Sharp shifts between neighbouring periods, and between the two
        // selections the key words compare when those are periods.
        let empty = BTreeMap::new();
        let side = |p: &str| counts.get(p).unwrap_or(&empty);
        let mut pairs: Vec<(String, String)> = self
            .dated
            .windows(2)
            .map(|w| (w[0].clone(), w[1].clone()))
            .collect();
        if let Some(k) = &ling.keyness {
            let (r, t) = (k.reference.clone(), k.target.clone());
            if counts.contains_key(&r)
                && counts.contains_key(&t)
                && !pairs.contains(&(r.clone(), t.clone()))
            {
                pairs.push((r, t));
            }
        }
        let warnings: Vec<String> = pairs
            .iter()
            .filter_map(|(a, b)| {
                let why = composition::shifts(a, side(a), b, side(b));
                (!why.is_empty()).then(|| {
                    format!(
                        "<li><b>{} → {}</b>: {}</li>",
                        esc(a),
                        esc(b),
                        esc(&why.join("; "))
                    )
                })
            })
            .collect();
        if !warnings.is_empty() {
            self.html.push_str(&format!(
                "<div class=\"warn\"><p><b>Composition shifts sharply</b> between these periods, so part of a change in the charts may be a change in who is counted rather than in how they write (sharp: one period holds more than {} times the other's documents, a group is present in only one, or a group's share of documents moves by more than {} points; <code>framewatch drivers</code> warns the same way):</p><ul>\n{}\n</ul></div>\n",
                composition::DOCUMENT_FACTOR,
                composition::SHARE_POINTS,
                warnings.join("\n")
            ));
        }
    }

    /// The line on undated documents, if any.
    fn undated(&mut self) {
        let undated = self.run.manifest.counts.undated;
        if undated > 0 {
            self.html.push_str(&format!("<p>{undated} undated documents are not plotted; they are counted in the <code>undated</code> rows of the trends table.</p>\n"));
        }
    }

    /// One share panel per value of the first group column (largest
    /// groups first).
    fn groups(&mut self) {
        let Some(g) = self.groups_given().first().cloned() else {
            return;
        };
        if self.poles.is_none() {
            return;
        }
        let t = &self.run.trends;
        let gcol: Vec<String> = t
            .strs(&g)
            .into_iter()
            .map(|v| v.unwrap_or_else(|| "(none)".into()))
            .collect();
        let docs = sum_by(&gcol, &t.nums("documents"));
        let mut names: Vec<(&String, &f64)> = docs.iter().collect();
        names.sort_by(|a, b| {
            b.1.partial_cmp(a.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.0.cmp(b.0))
        });
        self.html.push_str(&format!(
            "<h2>By {}</h2>\n<div class=\"panels\">\n",
            esc(&g)
        ));
        let [cb, cs] = Pole::BOTH.map(|p| t.nums(&hits_column(self.pole(p))));
        let first = self.pole(Pole::Behavioural).to_string();
        let (slo, shi) = (t.nums("share_lo"), t.nums("share_hi"));
        let has_band = t.has("share_lo") && self.groups_given().len() == 1;
        let n = self.dated.len();
        let (td, tt) = (t.nums("documents"), t.nums("tokens"));
        let o = &self.run.manifest.options;
        for (name, _) in names.iter().take(12) {
            let (mut b, mut s, mut band) = (vec![0.0; n], vec![0.0; n], vec![(None, None); n]);
            let mut size = vec![(0.0, 0.0); n];
            for i in 0..t.height() {
                if &&gcol[i] == name {
                    if let Some(&k) = self.idx.get(&self.periods[i]) {
                        b[k] += cb[i].unwrap_or(0.0);
                        s[k] += cs[i].unwrap_or(0.0);
                        band[k] = (slo[i], shi[i]);
                        size[k].0 += td[i].unwrap_or(0.0);
                        size[k].1 += tt[i].unwrap_or(0.0);
                    }
                }
            }
            let support = size
                .iter()
                .map(|(d, t)| Support::new(*d, *t, o.min_docs, o.min_tokens))
                .collect();
            let sh = shares(&b, &s);
            let svg = line_chart(
                &format!("{name}: {first} share"),
                &self.dated,
                &[Series {
                    name: "share".into(),
                    colour: "#000000".into(),
                    values: sh,
                    band: has_band.then_some(band),
                    support,
                }],
                "share",
                Some((0.0, 1.0)),
                Some((0.5, "even")),
            );
            self.chart(format!("share-{}-{}", slug(&g), slug(name)), svg);
        }
        self.html.push_str("</div>\n");
        if names.len() > 12 {
            self.html.push_str(&format!(
                "<p>{} smaller groups not shown.</p>\n",
                names.len() - 12
            ));
        }
    }

    /// Each pole's sub-frames as shares of its endorsed hits.
    fn subframes(&mut self) {
        self.html
            .push_str("<h2 id=\"subframes\">Sub-frames over time</h2>\n");
        for cat in self.charted() {
            let prefix = format!("hits_{cat}__");
            let parts: Vec<(String, Vec<f64>)> = self
                .run
                .trends
                .names()
                .iter()
                .filter_map(|c| {
                    c.strip_prefix(&prefix)
                        .map(|s| (s.to_string(), self.per_period(c)))
                })
                .filter(|(_, v)| v.iter().sum::<f64>() > 0.0)
                .collect();
            if !parts.is_empty() {
                let svg = stacked_chart(
                    &format!("{cat}: sub-frames' share of endorsed hits, by {}", self.by),
                    &self.dated,
                    &parts,
                    Stack::Shares,
                    "share of endorsed hits",
                );
                self.chart(format!("subframes-{cat}"), svg);
            }
        }
        self.html.push_str(&format!("<p>The number above a bar is the endorsed hits it rests on; bars of fewer than {FEW_HITS} hits are faded, since one hit makes a 100% bar.</p>\n"));
    }

    /// The entries with the most endorsed hits per period and pole.
    fn drivers(&mut self) {
        let charted = self.charted();
        let (d, h) = (&self.run.documents, &self.run.hits);
        let doc_period: HashMap<String, String> = d
            .strs("doc_id")
            .into_iter()
            .zip(d.strs("period"))
            .filter_map(|(d, p)| Some((d?, p?)))
            .collect();
        let hits = Hits::of(h);
        let mut drivers: BTreeMap<(String, String), HashMap<String, u64>> = BTreeMap::new();
        for i in 0..h.height() {
            let (Some(d), Some(c), Some(e)) = (&hits.doc[i], &hits.category[i], &hits.entry[i])
            else {
                continue;
            };
            if !charted.contains(c) || !hits.counts(i) {
                continue;
            }
            let p = doc_period.get(d).cloned().unwrap_or_default();
            *drivers
                .entry((p, c.clone()))
                .or_default()
                .entry(e.clone())
                .or_insert(0) += 1;
        }
        self.html.push_str(
            "<h2>What drives each category</h2>\n<table><tr><th>period</th><th class=\"n\">documents</th>",
        );
        for c in &charted {
            self.html
                .push_str(&format!("<th>{}: top entries</th>", esc(c)));
        }
        self.html.push_str("</tr>\n");
        for p in &self.order {
            let top = |cat: &String| -> String {
                let Some(m) = drivers.get(&(p.clone(), cat.clone())) else {
                    return "–".into();
                };
                let mut v: Vec<(&String, &u64)> = m.iter().collect();
                v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                v.iter()
                    .take(4)
                    .map(|(e, n)| format!("{} ({n})", esc(e)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let cells: String = charted
                .iter()
                .map(|c| format!("<td>{}</td>", top(c)))
                .collect();
            let n = self.size_of(p);
            self.html.push_str(&format!(
                "{}<td class=\"n\" title=\"{}\">{}</td>{cells}</tr>\n",
                period_row(p, &n),
                esc(&n.describe()),
                n.documents
            ));
        }
        self.html.push_str("</table>\n");
    }

    /// Key words between two periods, and the company the top entries keep.
    fn linguistics(&mut self, ling: &Linguistics) {
        if let Some(k) = &ling.keyness {
            self.html.push_str(&format!(
                "<h2>Key words: {} against {}</h2>\n<p>{}: {} documents, {} words; {}: {} documents, {} words. Signed log-likelihood G2 (Rayson &amp; Garside 2000), Log Ratio (Hardie 2014, log2 of the ratio of relative frequencies, a zero counted as 0.5), documents holding the word; <code>framewatch keyness</code> gives every word.</p>\n",
                esc(&k.target),
                esc(&k.reference),
                esc(&k.target),
                thousands(k.sizes[0].0 as f64),
                thousands(k.sizes[0].1 as f64),
                esc(&k.reference),
                thousands(k.sizes[1].0 as f64),
                thousands(k.sizes[1].1 as f64)
            ));
            let table = |rows: Vec<&super::keyness::Row>| -> String {
                let mut t = String::from(
                    "<table><tr><th>word</th><th>target</th><th>docs</th><th>reference</th><th>docs</th><th>G2</th><th>Log Ratio</th></tr>\n",
                );
                for r in rows {
                    t.push_str(&format!(
                        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{:+.2}</td></tr>\n",
                        esc(&r.term), r.target_freq, r.target_docs, r.reference_freq, r.reference_docs, r.g2, r.log_ratio
                    ));
                }
                t + "</table>\n"
            };
            let over: Vec<_> = k.rows.iter().filter(|r| r.g2 > 0.0).take(15).collect();
            let under: Vec<_> = k
                .rows
                .iter()
                .rev()
                .filter(|r| r.g2 < 0.0)
                .take(15)
                .collect();
            self.html.push_str(&format!("<div class=\"panels\"><div><h3>More in {}</h3>\n{}</div><div><h3>More in {}</h3>\n{}</div></div>\n", esc(&k.target), table(over), esc(&k.reference), table(under)));
        }
        if ling.collocates.is_empty() {
            return;
        }
        self.html.push_str("<h2>The company the top entries keep</h2>\n<p>Words within five words of each entry's counted hits, inside the sentence, by logDice (Rychlý 2008). Open a row for the command that prints its concordance lines.</p>\n<div class=\"panels\">\n");
        for (entry, rows, lines) in &ling.collocates {
            self.html.push_str(&format!("<div><h3>{}</h3>\n<table><tr><th>collocate</th><th>freq</th><th>docs</th><th>logDice</th><th>MI3</th></tr>\n", esc(entry)));
            if rows.is_empty() {
                self.html
                    .push_str("<tr><td colspan=\"5\">no word seen twice near it</td></tr>\n");
            }
            for r in rows.iter().take(10) {
                self.html.push_str(&format!(
                    "<tr><td><details><summary>{}</summary><code>{} {}</code></details></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td></tr>\n",
                    esc(&r.collocate), esc(lines), esc(&r.collocate), r.freq, r.docs, r.log_dice, r.mi3
                ));
            }
            self.html.push_str("</table></div>\n");
        }
        self.html.push_str("</div>\n");
    }

    /// The most behavioural and most structural documents, with passages.
    fn documents(&mut self) {
        if self.poles.is_none() {
            return;
        }
        let [nb, ns] = Pole::BOTH.map(|p| self.pole(p).to_string());
        let d = &self.run.documents;
        let (ids, titles) = (d.strs("doc_id"), d.strs("title"));
        let sh = d.nums("share");
        let [db, ds] = [&nb, &ns].map(|n| d.nums(&hits_column(n)));
        let mut ranked: Vec<usize> = (0..d.height())
            .filter(|&i| sh[i].is_some() && db[i].unwrap_or(0.0) + ds[i].unwrap_or(0.0) >= 3.0)
            .collect();
        ranked.sort_by(|&a, &b| {
            sh[b]
                .partial_cmp(&sh[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(ids[a].cmp(&ids[b]))
        });
        let passages = Passages::of(self.run);
        self.html.push_str(&format!("<h2>Most {nb} and most {ns} documents</h2>\n<p>Documents with at least 3 endorsed framing hits, ranked by {nb} share.</p>\n"));
        let (ib, is) = (initial(&nb), initial(&ns));
        for (label, list, pole, cat) in [
            (
                format!("Most {nb}"),
                ranked.iter().take(5).copied().collect::<Vec<_>>(),
                Pole::Behavioural,
                &nb,
            ),
            (
                format!("Most {ns}"),
                ranked.iter().rev().take(5).copied().collect(),
                Pole::Structural,
                &ns,
            ),
        ] {
            self.html.push_str(&format!("<h3>{label}</h3>\n<table><tr><th>document</th><th>share</th><th>{ib}</th><th>{is}</th><th>passages</th></tr>\n"));
            for i in list {
                self.html.push_str(&format!(
                    "<tr><td class=\"doc\"><b>{}</b><br>{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                    esc(ids[i].as_deref().unwrap_or("")),
                    esc(titles[i].as_deref().unwrap_or("")),
                    sh[i].unwrap_or(0.0),
                    db[i].unwrap_or(0.0),
                    ds[i].unwrap_or(0.0),
                    passages.of_doc(i, pole, cat)
                ));
            }
            self.html.push_str("</table>\n");
        }
    }

    /// The manifest and the skipped documents.
    fn provenance(&mut self) {
        let m = &self.run.manifest;
        self.html.push_str("<h2>Provenance</h2>\n<table>\n");
        let row =
            |k: &str, v: String| format!("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(&v));
        self.html
            .push_str(&row("framewatch", m.framewatch_version.clone()));
        self.html.push_str(&row(
            "lexicon",
            format!(
                "{} {} · {} · sha256 {}",
                m.lexicon.name, m.lexicon.version, m.lexicon.origin, m.lexicon.sha256
            ),
        ));
        self.html.push_str("</table>\n");
        // Options and counts one per row, keys in the manifest's order.
        for (title, v) in [
            ("Options", serde_json::to_value(&m.options)),
            ("Counts", serde_json::to_value(&m.counts)),
        ] {
            let Ok(serde_json::Value::Object(fields)) = v else {
                continue;
            };
            self.html
                .push_str(&format!("<h3>{title}</h3>\n<table class=\"kv\">\n"));
            for (k, v) in flat_fields("", &fields) {
                self.html.push_str(&row(&k, v));
            }
            self.html.push_str("</table>\n");
        }
        let sk = &self.run.skipped;
        if sk.height() > 0 {
            self.html.push_str(&format!("<h3>Skipped documents ({})</h3>\n<table><tr><th>path</th><th>reason</th><th>detail</th></tr>\n", sk.height()));
            let (p, r, dt) = (sk.strs("path"), sk.strs("reason"), sk.strs("detail"));
            for i in 0..sk.height() {
                self.html.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    esc(p[i].as_deref().unwrap_or("")),
                    esc(r[i].as_deref().unwrap_or("")),
                    esc(dt[i].as_deref().unwrap_or(""))
                ));
            }
            self.html.push_str("</table>\n");
        }
    }
}

/// A JSON object's fields as (key, readable value) rows, nested objects
/// as `outer.inner` keys, lists joined by commas, null as `–`.
fn flat_fields(
    prefix: &str,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    use serde_json::Value;
    let mut out = Vec::new();
    for (k, v) in fields {
        let key = format!("{prefix}{k}");
        let shown = match v {
            Value::Object(inner) => {
                out.extend(flat_fields(&format!("{key}."), inner));
                continue;
            }
            Value::Null => "–".to_string(),
            Value::String(s) => s.clone(),
            Value::Array(a) if a.is_empty() => "–".to_string(),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), String::from))
                .collect::<Vec<_>>()
                .join(", "),
            v => v.to_string(),
        };
        out.push((key, shown));
    }
    out
}

/// The hits table's columns the report reads.
struct Hits {
    doc: Vec<Option<String>>,
    category: Vec<Option<String>>,
    entry: Vec<Option<String>>,
    stance: Vec<Option<String>>,
    status: Vec<Option<String>>,
    byte_start: Vec<Option<f64>>,
    byte_end: Vec<Option<f64>>,
}

impl Hits {
    fn of(h: &crate::output::Table) -> Hits {
        Hits {
            doc: h.strs("doc_id"),
            category: h.strs("category"),
            entry: h.strs("entry"),
            stance: h.strs("stance"),
            status: h.strs("status"),
            byte_start: h.nums("byte_start"),
            byte_end: h.nums("byte_end"),
        }
    }

    /// Whether hit `i` is endorsed and counted: in rates, share, balance.
    fn counts(&self, i: usize) -> bool {
        self.stance[i].as_deref() == Some("endorsed")
            && self.status[i].as_deref() == Some("counted")
    }
}

/// Passages of documents around their hits, from the documents' text
/// read again.
struct Passages {
    hits: Hits,
    ids: Vec<Option<String>>,
    paths: Vec<Option<String>>,
}

impl Passages {
    fn of(run: &RunTables) -> Passages {
        Passages {
            hits: Hits::of(&run.hits),
            ids: run.documents.strs("doc_id"),
            paths: run.documents.strs("path"),
        }
    }

    /// Up to two passages of document `i` around its endorsed hits of
    /// `pole`, the hit marked.
    fn of_doc(&self, i: usize, pole: Pole, cat: &str) -> String {
        let h = &self.hits;
        let Some(id) = &self.ids[i] else {
            return String::new();
        };
        let Some(text) = self.paths[i].as_deref().and_then(reread) else {
            return "<p><i>document text not available</i></p>".into();
        };
        let mut out = String::new();
        let mut n = 0;
        // A hit inside a passage already shown, or a passage whose words
        // were already shown (a repeated sentence), is not shown again.
        let mut shown_to = 0usize;
        let mut shown: Vec<String> = Vec::new();
        for k in 0..h.doc.len() {
            if h.doc[k].as_ref() != Some(id)
                || h.category[k].as_deref() != Some(cat)
                || !h.counts(k)
            {
                continue;
            }
            let (Some(s), Some(e)) = (h.byte_start[k], h.byte_end[k]) else {
                continue;
            };
            let (s, e) = (s as usize, e as usize);
            if e > text.len()
                || !text.is_char_boundary(s)
                || !text.is_char_boundary(e)
                || (n > 0 && s < shown_to)
            {
                continue;
            }
            let mut a = s.saturating_sub(120);
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            let mut z = (e + 120).min(text.len());
            while !text.is_char_boundary(z) {
                z += 1;
            }
            let class = match pole {
                Pole::Behavioural => "b",
                Pole::Structural => "s",
            };
            let words = text[a..z].split_whitespace().collect::<Vec<_>>().join(" ");
            if shown.contains(&words) {
                continue;
            }
            shown.push(words);
            shown_to = z;
            out.push_str(&format!(
                "<blockquote>…{}<mark class=\"{class}\">{}</mark>{}…</blockquote>",
                esc(&text[a..s]),
                esc(&text[s..e]),
                esc(&text[e..z])
            ));
            n += 1;
            if n == 2 {
                break;
            }
        }
        out
    }
}

/// Hits per 10,000 words per period; none where a period has no words.
fn per_10k(hits: &[f64], tokens: &[f64]) -> Vec<Option<f64>> {
    hits.iter()
        .zip(tokens)
        .map(|(h, t)| (*t > 0.0).then(|| h * 10_000.0 / t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_is_low_under_either_threshold_and_says_so() {
        assert!(Support::new(4.0, 50_000.0, 5, 2000).low);
        assert!(Support::new(9.0, 1999.0, 5, 2000).low);
        let n = Support::new(5.0, 12_345.0, 5, 2000);
        assert!(!n.low);
        assert_eq!(n.describe(), "5 documents, 12,345 words");
        assert_eq!(
            Support::new(1.0, 900.0, 5, 2000).describe(),
            "1 document, 900 words (low n)"
        );
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }

    #[test]
    fn low_points_are_hollow_with_their_n_and_a_note() {
        let x = vec!["1990s".to_string(), "2000s".to_string()];
        let series = |support: Vec<Support>| Series {
            name: "share".into(),
            colour: "#000000".into(),
            values: vec![Some(0.25), Some(0.5)],
            band: None,
            support,
        };
        let svg = line_chart(
            "t",
            &x,
            &[series(vec![
                Support::new(2.0, 900.0, 5, 2000),
                Support::new(8.0, 9000.0, 5, 2000),
            ])],
            "share",
            Some((0.0, 1.0)),
            None,
        );
        assert_eq!(svg.matches("class=\"low\"").count(), 1);
        assert!(
            svg.contains(
                "class=\"low\"><title>1990s: 0.25 — 2 documents, 900 words (low n)</title>"
            )
        );
        assert!(svg.contains("<title>2000s: 0.5 — 8 documents, 9,000 words</title>"));
        assert!(svg.contains("low n: few documents or words"));
        // Nothing thin, no note; no support known, no n.
        let svg = line_chart("t", &x, &[series(Vec::new())], "share", None, None);
        assert!(!svg.contains("low n") && svg.contains("<title>1990s: 0.25</title>"));
    }

    #[test]
    fn subframe_bars_on_few_hits_are_faded_and_counted() {
        let x = vec!["a".to_string(), "b".to_string()];
        let parts = vec![
            ("blame".to_string(), vec![1.0, 20.0]),
            ("dependency".to_string(), vec![0.0, 10.0]),
        ];
        let svg = stacked_chart("t", &x, &parts, Stack::Shares, "share");
        // One hit makes a faded 100% bar; 30 hits a solid one.
        assert!(svg.contains(
            "fill-opacity=\"0.35\"><title>a blame: 1 of 1 (100%) — few hits, read with care</title>"
        ));
        assert!(svg.contains("\"><title>b blame: 20 of 30 (67%)</title>"));
        assert!(svg.contains("class=\"tick few\" text-anchor=\"middle\">1</text>"));
        assert!(svg.contains("class=\"tick\" text-anchor=\"middle\">30</text>"));
        assert!(svg.contains("faded: under 10 hits"));
        let counts = stacked_chart("t", &x, &parts, Stack::Counts, "documents");
        assert!(!counts.contains("fill-opacity") && !counts.contains("above bars"));
    }
}
