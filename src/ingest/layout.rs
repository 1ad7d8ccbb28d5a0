//! PDF pages in reading order, from positioned glyphs: glyphs become
//! runs (pieces of one line), runs are ordered by recursive XY cuts
//! (columns left to right where a gutter runs down a whole block, blocks
//! top to bottom), lines are joined with a blank line where the spacing
//! says a paragraph ends, and running headers and footers repeated across
//! pages are found so they can be dropped.
//!
//! Geometry only: no PDF parsing here ([`super::pdf`] feeds the glyphs).

/// One glyph as drawn: left edge, baseline (from the top of the page),
/// advance width and font size, in points.
#[derive(Debug, Clone)]
pub struct Glyph {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub size: f64,
    pub text: String,
    /// Drawn upright (not rotated or on its side).
    pub upright: bool,
}

/// A page's glyphs in drawing order, and its size in points.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub width: f64,
    pub height: f64,
    pub glyphs: Vec<Glyph>,
}

/// A piece of one line: glyphs on one baseline without a wide gap.
#[derive(Debug, Clone)]
struct Run {
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
    text: String,
}

impl Run {
    fn top(&self) -> f64 {
        self.y - 0.8 * self.size
    }
    fn bottom(&self) -> f64 {
        self.y + 0.25 * self.size
    }
}

/// A line of a page in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub top: f64,
    pub bottom: f64,
    pub size: f64,
}

/// Glyphs → runs. A run ends where the baseline moves, the pen goes back,
/// or a gap is wider than a space can be; a gap of a tenth of the font
/// size or more inside a run is a space.
fn runs(glyphs: &[Glyph]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut space = false;
    for g in glyphs {
        let size = g.size.max(1.0);
        if g.text.chars().all(char::is_whitespace) {
            space = true;
            continue;
        }
        let same = out.last().is_some_and(|r| {
            (g.y - r.y).abs() <= 0.35 * size && g.x >= r.x1 - 0.5 * size && g.x - r.x1 <= 0.9 * size
        });
        if same {
            let r = out.last_mut().expect("checked above");
            if space || g.x - r.x1 >= 0.1 * size {
                r.text.push(' ');
            }
            r.text.push_str(&g.text);
            r.x1 = r.x1.max(g.x + g.width);
            r.size = r.size.max(size);
        } else {
            out.push(Run {
                x0: g.x,
                x1: g.x + g.width.max(0.0),
                y: g.y,
                size,
                text: g.text.clone(),
            });
        }
        space = false;
    }
    out.retain(|r| !r.text.trim().is_empty());
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 10.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Gaps between the merged `[from, to]` intervals, at least `min` wide:
/// the positions to cut at.
fn gaps(mut spans: Vec<(f64, f64)>, min: f64) -> Vec<f64> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut cuts = Vec::new();
    let mut end = f64::NEG_INFINITY;
    for (from, to) in spans {
        if end > f64::NEG_INFINITY && from - end >= min {
            cuts.push((end + from) / 2.0);
        }
        end = end.max(to);
    }
    cuts
}

/// Baselines of `idx`, grouped: runs whose baselines are within 0.5 of
/// the font size share a band. Returned top to bottom.
fn bands(runs: &[Run], idx: &[usize]) -> Vec<Vec<usize>> {
    let mut order = idx.to_vec();
    order.sort_by(|&a, &b| runs[a].y.total_cmp(&runs[b].y).then(a.cmp(&b)));
    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match out.last_mut() {
            Some(band) if (runs[i].y - runs[band[0]].y).abs() <= 0.5 * runs[i].size => band.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Deepest XY cut; below it a block is read band by band. Bounds the
/// stack and the time a hostile page (thousands of lines) can take.
const MAX_DEPTH: usize = 48;

/// Recursive XY cut: a gutter running down the whole block splits it into
/// columns (read left to right); otherwise the widest horizontal gap
/// splits it into blocks (top to bottom); a block with neither is read
/// band by band.
fn cut(runs: &[Run], idx: Vec<usize>, depth: usize, out: &mut Vec<Vec<usize>>) {
    if depth >= MAX_DEPTH {
        out.extend(bands(runs, &idx));
        return;
    }
    if idx.len() > 1 {
        let size = median(idx.iter().map(|&i| runs[i].size).collect());
        let lines = bands(runs, &idx);
        if lines.len() >= 3 {
            let cols = gaps(
                idx.iter().map(|&i| (runs[i].x0, runs[i].x1)).collect(),
                size,
            );
            if !cols.is_empty() {
                let mut parts = vec![Vec::new(); cols.len() + 1];
                for &i in &idx {
                    let mid = (runs[i].x0 + runs[i].x1) / 2.0;
                    parts[cols.partition_point(|&c| c < mid)].push(i);
                }
                for p in parts.into_iter().filter(|p| !p.is_empty()) {
                    cut(runs, p, depth + 1, out);
                }
                return;
            }
        }
        let mut spans: Vec<(f64, f64)> = idx
            .iter()
            .map(|&i| (runs[i].top(), runs[i].bottom()))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Option<(f64, f64)> = None; // (gap, position)
        let mut end = f64::NEG_INFINITY;
        for (from, to) in spans {
            if end > f64::NEG_INFINITY && from > end {
                let gap = from - end;
                if best.is_none_or(|(g, _)| gap > g) {
                    best = Some((gap, (end + from) / 2.0));
                }
            }
            end = end.max(to);
        }
        if let Some((_, at)) = best {
            let (above, below): (Vec<usize>, Vec<usize>) =
                idx.iter().partition(|&&i| runs[i].y < at);
            if !above.is_empty() && !below.is_empty() {
                cut(runs, above, depth + 1, out);
                cut(runs, below, depth + 1, out);
                return;
            }
        }
        for band in lines {
            out.push(band);
        }
        return;
    }
    out.push(idx);
}

/// A page's lines in reading order. Rotated glyphs on a page that is
/// mostly upright (margin stamps, sideways labels) are left out.
pub fn lines(page: &Page) -> Vec<Line> {
    let upright = page.glyphs.iter().filter(|g| g.upright).count();
    let runs = if upright * 5 >= page.glyphs.len() * 4 && upright < page.glyphs.len() {
        let kept: Vec<Glyph> = page.glyphs.iter().filter(|g| g.upright).cloned().collect();
        runs(&kept)
    } else {
        runs(&page.glyphs)
    };
    let mut blocks = Vec::new();
    cut(&runs, (0..runs.len()).collect(), 0, &mut blocks);
    let mut out = Vec::new();
    for block in blocks {
        for band in bands(&runs, &block) {
            let mut band = band;
            band.sort_by(|&a, &b| runs[a].x0.total_cmp(&runs[b].x0));
            let mut text = String::new();
            let mut end = f64::NEG_INFINITY;
            for &i in &band {
                let r = &runs[i];
                if !text.is_empty() && r.x0 - end >= 0.1 * r.size {
                    text.push(' ');
                }
                text.push_str(&r.text);
                end = r.x1;
            }
            out.push(Line {
                text: text.trim().to_string(),
                top: band.iter().map(|&i| runs[i].top()).fold(f64::MAX, f64::min),
                bottom: band
                    .iter()
                    .map(|&i| runs[i].bottom())
                    .fold(f64::MIN, f64::max),
                size: median(band.iter().map(|&i| runs[i].size).collect()),
            });
        }
    }
    out
}

/// Lines → text: a line break between lines, a blank line where the gap
/// above a line is more than 0.45 of its font size (a paragraph's end).
/// A line above the previous one starts a new column: a line break.
pub fn text(lines: &[&Line]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Line> = None;
    for l in lines {
        if let Some(p) = prev {
            let gap = l.top - p.bottom;
            out.push_str(if gap > 0.45 * l.size.min(p.size) {
                "\n\n"
            } else {
                "\n"
            });
        }
        out.push_str(&l.text);
        prev = Some(l);
    }
    out
}

/// A line as compared across pages: lower case, digits as `#`, spaces
/// collapsed (page numbers and dates in running heads change).
fn furniture_key(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            w.chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines at the top or bottom of a page looked at for running heads.
const EDGE_LINES: usize = 2;
/// How far from the top or bottom edge a running head may sit, as a
/// share of the page height.
const MARGIN: f64 = 0.12;

/// Which lines of each page (`(page height, lines)`) are running headers
/// or footers: among the two topmost and two bottommost lines of a page,
/// in its top or bottom eighth, those repeated (digits aside) at the edge
/// of at least two pages and a third of all pages. A bare page number
/// ("12", "- 12 -", "Page 3 of 9") counts as one.
pub fn furniture(pages: &[(f64, Vec<Line>)]) -> Vec<Vec<bool>> {
    let edges = |height: f64, lines: &[Line]| -> Vec<usize> {
        let mut by_top: Vec<usize> = (0..lines.len()).collect();
        by_top.sort_by(|&a, &b| lines[a].top.total_cmp(&lines[b].top));
        let top = by_top
            .iter()
            .take(EDGE_LINES)
            .filter(|&&i| lines[i].top < MARGIN * height);
        let bottom = by_top
            .iter()
            .rev()
            .take(EDGE_LINES)
            .filter(|&&i| lines[i].bottom > (1.0 - MARGIN) * height);
        let mut e: Vec<usize> = top.chain(bottom).copied().collect();
        e.sort_unstable();
        e.dedup();
        e
    };
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for (height, lines) in pages {
        let mut keys: Vec<String> = edges(*height, lines)
            .into_iter()
            .map(|i| furniture_key(&lines[i].text))
            .collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            *counts.entry(k).or_default() += 1;
        }
    }
    let need = 2.max(pages.len().div_ceil(3));
    pages
        .iter()
        .map(|(height, lines)| {
            let e = edges(*height, lines);
            (0..lines.len())
                .map(|i| {
                    e.contains(&i) && {
                        let k = furniture_key(&lines[i].text);
                        !k.is_empty() && counts.get(&k).is_some_and(|&c| c >= need)
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs for `words` set on a baseline at `y` from `x`, 10 pt, each
    /// character 5 pt wide, one space between words.
    fn line_at(x: f64, y: f64, words: &str) -> Vec<Glyph> {
        let mut out = Vec::new();
        let mut pen = x;
        for c in words.chars() {
            out.push(Glyph {
                x: pen,
                y,
                width: 5.0,
                size: 10.0,
                text: c.to_string(),
                upright: true,
            });
            pen += 5.0;
        }
        out
    }

    fn page(lines: &[(f64, f64, &str)]) -> Page {
        Page {
            width: 600.0,
            height: 800.0,
            glyphs: lines
                .iter()
                .flat_map(|&(x, y, w)| line_at(x, y, w))
                .collect(),
        }
    }

    fn read(p: &Page) -> String {
        let l = lines(p);
        text(&l.iter().collect::<Vec<_>>())
    }

    #[test]
    fn two_columns_on_shared_baselines_are_read_column_by_column() {
        // A full-width title, then two columns drawn line by line across
        // the page (the order a naive reader splices them in).
        let p = page(&[
            (
                50.0,
                40.0,
                "Benefit cuts and the cost of living: what the new figures show",
            ),
            (50.0, 80.0, "Left one starts"),
            (320.0, 80.0, "Right one starts"),
            (50.0, 92.0, "left goes on"),
            (320.0, 92.0, "right goes on"),
            (50.0, 104.0, "left ends."),
            (320.0, 104.0, "right ends."),
        ]);
        assert_eq!(
            read(&p),
            "Benefit cuts and the cost of living: what the new figures show\n\nLeft one starts\nleft goes on\nleft ends.\nRight one starts\nright goes on\nright ends."
        );
    }

    #[test]
    fn a_page_of_thousands_of_lines_is_read_in_order_within_bounds() {
        let rows: Vec<(f64, f64, String)> = (0..5000)
            .map(|i| (50.0, 10.0 + 12.0 * i as f64, format!("line {i}")))
            .collect();
        let p = page(
            &rows
                .iter()
                .map(|(x, y, t)| (*x, *y, t.as_str()))
                .collect::<Vec<_>>(),
        );
        let l = lines(&p);
        assert_eq!(l.len(), 5000);
        assert!(l.windows(2).all(|w| w[0].top < w[1].top));
    }

    #[test]
    fn one_column_keeps_its_paragraphs() {
        let p = page(&[
            (50.0, 40.0, "First line"),
            (50.0, 52.0, "second line."),
            (50.0, 75.0, "New paragraph."),
        ]);
        assert_eq!(read(&p), "First line\nsecond line.\n\nNew paragraph.");
    }

    #[test]
    fn running_heads_and_page_numbers_are_furniture() {
        let pages: Vec<(f64, Vec<Line>)> = (1..=3)
            .map(|n| {
                let body = format!("Body text of page {n} that differs");
                let p = page(&[
                    (50.0, 20.0, "Annual Report 2023"),
                    (50.0, 200.0, body.as_str()),
                    (50.0, 212.0, "more body"),
                    (300.0, 780.0, &n.to_string()),
                ]);
                (p.height, lines(&p))
            })
            .collect();
        let f = furniture(&pages);
        for ((_, lines), marks) in pages.iter().zip(&f) {
            let kept: Vec<&str> = lines
                .iter()
                .zip(marks)
                .filter(|(_, m)| !**m)
                .map(|(l, _)| l.text.as_str())
                .collect();
            assert_eq!(kept.len(), 2, "{kept:?}");
            assert!(kept[0].starts_with("Body text"));
        }
        // "more body" repeats on every page, but in the middle of the page.
        assert!(pages[0].1.iter().any(|l| l.text == "more body"));
    }
}
