//! Collocates: the words that keep company with a node (a word, a phrase
//! or a lexicon entry) within a window of words that never crosses a
//! sentence end, counted through the one read-and-tag path with the
//! analysis the matcher sees. Returns data; the CLI prints it.
//!
//! For a node seen `f_x` times in `N` words, a collocate seen `f_y` times
//! of which `f_xy` inside the node's windows (`W` words in all, each
//! position counted once where windows overlap, the node's own words
//! left out):
//!
//! - **logDice** (Rychlý 2008): `14 + log2(2 f_xy / (f_x + f_y))`.
//! - **MI3**: `log2(f_xy^3 N / (f_x f_y))`.
//! - **G2**: the signed log-likelihood of the collocate inside the windows
//!   against the rest of the text, [`super::keyness::g2`]`(f_xy, f_y -
//!   f_xy, W, N - W)` (the window-based table of CQPweb).

use super::keyness::{DocTerms, Unit, doc_terms, g2, log_dice, mi3};
use crate::aggregate::Period;
use crate::analyze::{Analysis, line_col};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::model::{DocMeta, HitStatus, Skipped, TokenKind};
use crate::pipeline::{Job, Outcome, Source};
use crate::tagger::{Tagger, View};
use std::collections::{BTreeMap, HashMap};

/// What the node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Consecutive words (norms, or stems with [`Unit::Stem`]).
    Words(Vec<String>),
    /// The counted hits of these lexicon entries (by index).
    Entries(Vec<u32>),
}

impl Node {
    /// With `entry`, the counted hits of the lexicon entry written `text`
    /// (in any sub-frame); else `text` read as words by the lexicon's
    /// analyzer.
    pub fn parse(tagger: &Tagger, text: &str, unit: Unit, entry: bool) -> Result<Node> {
        let lex = &tagger.lexicon;
        if entry {
            let entries: Vec<u32> = lex
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.text == text)
                .map(|(i, _)| i as u32)
                .collect();
            if entries.is_empty() {
                return Err(Error::usage(
                    format!("--node \"{text}\" --entry: no such entry in lexicon {}", lex.name),
                    Some("write the entry as the lexicon file does, or leave out --entry to look for the words".into()),
                ));
            }
            return Ok(Node::Entries(entries));
        }
        let mut a = Analysis::default();
        tagger.analyzer.analyze(text, &mut a);
        let words: Vec<String> = a
            .tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| term_of(tagger, a.norm_of(t), unit))
            .collect();
        if words.is_empty() {
            return Err(Error::usage(
                format!("--node \"{text}\": no words in it"),
                Some("give a word, a phrase or a lexicon entry as written".into()),
            ));
        }
        Ok(Node::Words(words))
    }
}

fn term_of(tagger: &Tagger, norm: &str, unit: Unit) -> String {
    match unit {
        Unit::Stem => tagger.analyzer.stem(norm).into_owned(),
        _ => norm.to_string(),
    }
}

/// Window size in words: left and right of the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub left: usize,
    pub right: usize,
}

/// One concordance line of the node with a chosen collocate in its window.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcLine {
    pub doc_id: String,
    pub period: String,
    pub line: u32,
    pub column: u32,
    pub left: String,
    pub node: String,
    pub right: String,
}

/// What one document gives: its words, node occurrences, all its terms,
/// the terms inside the node's windows, and the window size in words.
#[derive(Debug, Default)]
pub struct DocColl {
    words: u64,
    node: u64,
    terms: DocTerms,
    window: DocTerms,
    window_words: u64,
    lines: Vec<ConcLine>,
}

/// What to look for in each document.
pub struct Ask<'a> {
    pub node: &'a Node,
    pub window: Window,
    pub unit: Unit,
    /// Collect concordance lines of the node with this collocate.
    pub lines_for: Option<&'a str>,
}

fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The node's windows in one document, in the worker that analysed it.
fn doc_coll(tagger: &Tagger, v: &View<'_>, ask: &Ask<'_>) -> DocColl {
    let a = v.analysis;
    let words: Vec<usize> = a
        .tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TokenKind::Word)
        .map(|(i, _)| i)
        .collect();
    let terms_at: Vec<String> = words
        .iter()
        .map(|&i| term_of(tagger, a.norm_of(&a.tokens[i]), ask.unit))
        .collect();
    // Node occurrences as word ranges [s, e).
    let spans: Vec<(usize, usize)> = match ask.node {
        Node::Entries(ids) => v
            .hits
            .iter()
            .filter(|h| h.status == HitStatus::Counted && ids.contains(&h.entry))
            .map(|h| (h.word_start as usize, h.word_end as usize))
            .collect(),
        Node::Words(seq) => (0..words.len().saturating_sub(seq.len() - 1))
            .filter(|&s| {
                let sent = a.tokens[words[s]].sentence;
                seq.iter()
                    .enumerate()
                    .all(|(k, w)| terms_at[s + k] == *w && a.tokens[words[s + k]].sentence == sent)
            })
            .map(|s| (s, s + seq.len()))
            .collect(),
    };
    let sentence = |w: usize| a.tokens[words[w]].sentence;
    let mut in_window = vec![false; words.len()];
    let mut in_node = vec![false; words.len()];
    let mut lines = Vec::new();
    for &(s, e) in &spans {
        in_node[s..e].iter_mut().for_each(|x| *x = true);
        let sent = sentence(s);
        let mut lo = s;
        while lo > 0 && s - lo < ask.window.left && sentence(lo - 1) == sent {
            lo -= 1;
        }
        let mut hi = e;
        while hi < words.len() && hi - e < ask.window.right && sentence(hi) == sent {
            hi += 1;
        }
        in_window[lo..s].iter_mut().for_each(|x| *x = true);
        in_window[e..hi].iter_mut().for_each(|x| *x = true);
        if let Some(c) = ask.lines_for {
            if (lo..s).chain(e..hi).any(|w| terms_at[w] == c) {
                let at = |w: usize| &a.tokens[words[w]];
                let (ns, ne) = (at(s).start as usize, at(e - 1).end as usize);
                let ls = if lo < s { at(lo).start as usize } else { ns };
                let re = if hi > e { at(hi - 1).end as usize } else { ne };
                let (line, column) = line_col(v.text, ns);
                lines.push(ConcLine {
                    doc_id: v.meta.doc_id.clone(),
                    period: String::new(),
                    line: line as u32,
                    column: column as u32,
                    left: fold_space(&v.text[ls..ns]),
                    node: fold_space(&v.text[ns..ne]),
                    right: fold_space(&v.text[ne..re]),
                });
            }
        }
    }
    let mut window: HashMap<&str, u64> = HashMap::new();
    let mut window_words = 0;
    for w in 0..words.len() {
        if in_window[w] && !in_node[w] {
            window_words += 1;
            *window.entry(terms_at[w].as_str()).or_default() += 1;
        }
    }
    let mut window: DocTerms = window
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect();
    window.sort_unstable();
    DocColl {
        words: words.len() as u64,
        node: spans.len() as u64,
        terms: doc_terms(tagger, v, ask.unit),
        window,
        window_words,
        lines,
    }
}

/// The counts of one period (or of the whole run).
#[derive(Debug, Clone, Default)]
struct Tally {
    words: u64,
    node: u64,
    window_words: u64,
    /// Per term: frequency, frequency inside windows, documents with it
    /// inside a window.
    terms: BTreeMap<String, (u64, u64, u64)>,
}

/// One collocate of the node in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The period, or "all" without `--by`.
    pub period: String,
    pub collocate: String,
    /// Co-occurrences: the collocate inside the node's windows.
    pub freq: u64,
    /// Documents where it is inside a window.
    pub docs: u64,
    pub node_freq: u64,
    pub collocate_freq: u64,
    /// Words in the period.
    pub words: u64,
    pub log_dice: f64,
    pub mi3: f64,
    pub g2: f64,
}

/// The collocates, per period, and what was read.
pub struct Collocates {
    pub rows: Vec<Row>,
    /// Per period: words and node occurrences.
    pub periods: Vec<(String, u64, u64)>,
    pub lines: Vec<ConcLine>,
    pub skipped: Vec<Skipped>,
    pub found: Corpus,
}

/// Read the documents of `source` that `keep` accepts and gather the
/// node's collocates, per period of `by` (all together without), keeping
/// collocates seen at least `min_freq` times in windows, sorted by
/// logDice (then frequency, then term) within each period.
pub fn collocates(
    job: &Job<'_>,
    source: Source,
    keep: impl Fn(&DocMeta) -> bool + Send,
    ask: &Ask<'_>,
    by: Option<Period>,
    min_freq: u64,
) -> Result<Collocates> {
    let tagger = job.tagger;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut lines = Vec::new();
    let inspect = |v: &View<'_>| doc_coll(tagger, v, ask);
    let found = job.run(source, keep, &inspect, |outcomes| {
        for o in outcomes {
            match o {
                Outcome::Skipped(s) => skipped.push(s),
                Outcome::Tagged(d, c) => {
                    let period = by.map_or_else(|| "all".to_string(), |p| p.label(d.meta.date));
                    let t = tallies.entry(period.clone()).or_default();
                    t.words += c.words;
                    t.node += c.node;
                    t.window_words += c.window_words;
                    for (term, n) in c.terms {
                        t.terms.entry(term).or_default().0 += n;
                    }
                    for (term, n) in c.window {
                        let e = t.terms.entry(term).or_default();
                        e.1 += n;
                        e.2 += 1;
                    }
                    lines.extend(c.lines.into_iter().map(|mut l| {
                        l.period = period.clone();
                        l
                    }));
                }
            }
        }
        Ok(())
    })?;
    let mut rows = Vec::new();
    let mut periods = Vec::new();
    for (period, t) in tallies {
        periods.push((period.clone(), t.words, t.node));
        let (n, fx, w) = (t.words as f64, t.node as f64, t.window_words as f64);
        let mut these: Vec<Row> = t
            .terms
            .into_iter()
            .filter(|(_, (_, fxy, _))| *fxy >= min_freq.max(1))
            .map(|(term, (fy, fxy, docs))| {
                let (fy, fxyf) = (fy as f64, fxy as f64);
                Row {
                    period: period.clone(),
                    collocate: term,
                    freq: fxy,
                    docs,
                    node_freq: t.node,
                    collocate_freq: fy as u64,
                    words: t.words,
                    log_dice: log_dice(fxyf, fx, fy),
                    mi3: mi3(fxyf, fx, fy, n),
                    g2: g2(fxyf, fy - fxyf, w, n - w),
                }
            })
            .collect();
        these.sort_by(|a, b| {
            b.log_dice
                .total_cmp(&a.log_dice)
                .then(b.freq.cmp(&a.freq))
                .then_with(|| a.collocate.cmp(&b.collocate))
        });
        rows.extend(these);
    }
    Ok(Collocates {
        rows,
        periods,
        lines,
        skipped,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::model::Origin;

    fn tagger() -> Tagger {
        let (l, a) = Lexicon::parse(
            "t",
            "[lexicon]\nname=\"t\"\nversion=\"1\"\nlanguage=\"english\"\n[categories.behavioural.b]\nentries=[\"welfare dependency\"]\n[categories.structural.s]\nentries=[\"low pay\"]\n",
        )
        .unwrap();
        Tagger::new(l, a)
    }

    fn run(t: &Tagger, texts: &[&'static str], node: &str, window: Window) -> Collocates {
        let reading = crate::pipeline::Reading::default();
        let job = Job::new(t, &reading);
        let docs = texts
            .iter()
            .enumerate()
            .map(|(i, s)| DocMeta::bare(format!("d{i}"), format!("d{i}"), Origin::Embedded(s)))
            .collect();
        let node = Node::parse(t, node, Unit::Word, node == "welfare dependency").unwrap();
        let ask = Ask {
            node: &node,
            window,
            unit: Unit::Word,
            lines_for: Some("reform"),
        };
        collocates(&job, Source::Docs(docs), |_| true, &ask, None, 1).unwrap()
    }

    fn row<'a>(c: &'a Collocates, term: &str) -> Option<&'a Row> {
        c.rows.iter().find(|r| r.collocate == term)
    }

    #[test]
    fn windows_stop_at_sentence_ends_and_count_positions_once() {
        let t = tagger();
        let c = run(
            &t,
            &[
                "Welfare reform now. Reform welfare reform.",
                "The war ended. Welfare.",
            ],
            "welfare",
            Window { left: 2, right: 2 },
        );
        assert_eq!(c.periods, [("all".to_string(), 10, 3)]);
        // "reform" inside windows: after the first welfare; before and
        // after the second; never across "now. Reform" (the first
        // sentence's window is "reform now").
        let r = row(&c, "reform").unwrap();
        assert_eq!(
            (r.freq, r.docs, r.collocate_freq, r.node_freq),
            (3, 1, 3, 3)
        );
        assert_eq!(row(&c, "now").unwrap().freq, 1);
        assert!(
            row(&c, "ended").is_none(),
            "the window crossed a sentence end"
        );
        // logDice 14 + log2(6 / 6) = 14.
        assert_eq!(r.log_dice, 14.0);
        assert_eq!(c.lines.len(), 2);
        assert_eq!(
            (
                c.lines[1].left.as_str(),
                c.lines[1].node.as_str(),
                c.lines[1].right.as_str()
            ),
            ("Reform", "welfare", "reform")
        );
    }

    #[test]
    fn an_entry_node_is_its_hits() {
        let t = tagger();
        let c = run(
            &t,
            &["Welfare dependency grows, they said of welfare."],
            "welfare dependency",
            Window { left: 3, right: 3 },
        );
        assert_eq!(c.periods[0].2, 1);
        assert_eq!(row(&c, "grows").unwrap().freq, 1);
        // The second "welfare" is outside the window and not the node.
        assert!(row(&c, "welfare").is_none());
    }
}
