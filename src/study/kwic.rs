//! Concordance (key word in context) lines: each hit with the words to its
//! left and right, filtered, sorted and sampled reproducibly. Returns data;
//! the CLI prints or writes it.

use crate::aggregate::Period;
use crate::analyze::line_col;
use crate::error::Result;
use crate::ingest::Corpus;
use crate::model::{DocMeta, HitStatus, Skipped, Stance};
use crate::pipeline::{Job, Outcome, Source};
use crate::study::classify::Model;
use crate::tagger::{Tagger, View};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What [`lines`] returns: the lines, the periods of the documents read,
/// the documents that could not be read, and what discovery found.
pub type Lines = (
    Vec<Line>,
    std::collections::BTreeSet<String>,
    Vec<Skipped>,
    Corpus,
);

/// One concordance line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub doc_id: String,
    pub path: String,
    pub date: Option<String>,
    pub period: String,
    pub source: Option<String>,
    pub category: String,
    pub subframe: String,
    pub entry: String,
    pub stance: Stance,
    pub stance_rule: String,
    pub status: HitStatus,
    /// Context with line breaks and runs of whitespace folded to one space.
    pub left: String,
    pub keyword: String,
    pub right: String,
    pub byte_start: u32,
    pub byte_end: u32,
    pub sentence: u32,
    /// 1-based line and column (in characters) of the hit in the document.
    pub line: u32,
    pub column: u32,
    /// 1-based page of the hit (PDF documents).
    pub page: Option<u32>,
    /// Position of the document in the input, and of the hit in it.
    pub order: (usize, u32),
    /// With a trained model that classifies the hit's category: its label
    /// of the hit's sentence for that framing, and the probability of
    /// endorsed.
    pub model: Option<(&'static str, f64)>,
}

/// Which hits become lines.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub categories: Vec<String>,
    pub subframes: Vec<String>,
    pub entries: Vec<String>,
    pub stances: Vec<Stance>,
    pub periods: Vec<String>,
    /// Metadata equality tests: (field, value).
    pub fields: Vec<(String, String)>,
    /// Include hits rejected by a context rule.
    pub include_rejected: bool,
    /// Include context-category hits.
    pub include_context: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Input order, then text order.
    Position,
    Date,
    Source,
    /// By the words right of the match, nearest first.
    Right,
    /// By the words left of the match, nearest first.
    Left,
}

fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn field_value<'a>(meta: &'a DocMeta, extra_fields: &[String], name: &str) -> Option<&'a str> {
    match name {
        "doc_id" => Some(meta.doc_id.as_str()),
        "source" => meta.source.as_deref(),
        "kind" => meta.kind.as_deref(),
        "title" => meta.title.as_deref(),
        "path" => Some(meta.path.as_str()),
        other => extra_fields
            .iter()
            .position(|f| f == other)
            .and_then(|i| meta.extra.get(i))
            .and_then(|v| v.as_deref()),
    }
}

/// Read and tag the documents of `source` that `keep` accepts, through
/// the pipeline of `job`, and build concordance lines with `window` words
/// each side. Returns the lines in input order, the periods of every
/// document read (before the period filter, to name the valid ones), the
/// documents that could not be read, and what discovery found.
pub fn lines(
    job: &Job<'_>,
    source: Source,
    keep: impl Fn(&DocMeta) -> bool + Send,
    by: Period,
    filter: &Filter,
    window: usize,
    model: Option<&Model>,
) -> Result<Lines> {
    let tagger = job.tagger;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut periods = std::collections::BTreeSet::new();
    let mut di = 0usize;
    let fields = job.fields.clone();
    let inspect = |v: &View<'_>| {
        let mut lines = doc_lines(tagger, v, filter, window);
        if let (Some(m), false) = (model, lines.is_empty()) {
            label_lines(tagger, m, v, &mut lines);
        }
        lines
    };
    let found = job.run(source, keep, &inspect, |outcomes| {
        let fields = fields.get();
        for o in outcomes {
            match o {
                Outcome::Skipped(s) => skipped.push(s),
                Outcome::Tagged(d, lines) => {
                    periods.insert(by.label(d.meta.date));
                    if selected(&d.meta, &fields, by, filter) {
                        out.extend(lines.into_iter().map(|mut l| {
                            l.order.0 = di;
                            l.period = by.label(d.meta.date);
                            l
                        }));
                        di += 1;
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok((out, periods, skipped, found))
}

/// Whether a document (as read) passes the period and metadata filters;
/// `fields` names its extra metadata values.
fn selected(meta: &DocMeta, fields: &[String], by: Period, filter: &Filter) -> bool {
    let wanted = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    wanted(&filter.periods, &by.label(meta.date))
        && filter
            .fields
            .iter()
            .all(|(f, v)| field_value(meta, fields, f) == Some(v.as_str()))
}

/// The lines of one document's hits that pass the hit filters (in the
/// worker that tagged it, while its text is at hand).
fn doc_lines(tagger: &Tagger, v: &View<'_>, filter: &Filter, window: usize) -> Vec<Line> {
    let lex = &tagger.lexicon;
    let wanted = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    let (meta, text, a) = (v.meta, v.text, v.analysis);
    let words = v.scratch.word_tokens();
    let mut out = Vec::new();
    for (hi, h) in v.hits.iter().enumerate() {
        let e = &lex.entries[h.entry as usize];
        let sub = &lex.subframes[e.subframe];
        let cat = &lex.categories[sub.category].name;
        if !filter.include_context
            && Some(sub.category) == lex.context_category
            && filter.categories.iter().all(|c| c != cat)
        {
            continue;
        }
        if (h.status != HitStatus::Counted && !filter.include_rejected)
            || !wanted(&filter.categories, cat)
            || !(filter.subframes.is_empty()
                || filter
                    .subframes
                    .iter()
                    .any(|s| *s == sub.name || *s == lex.subframe_path(e.subframe)))
            || !wanted(&filter.entries, &e.text)
            || !(filter.stances.is_empty() || filter.stances.contains(&h.stance))
        {
            continue;
        }
        let left_word = (h.word_start as usize).saturating_sub(window);
        let right_word = (h.word_end as usize + window).min(words.len());
        let left_start = if left_word < h.word_start as usize {
            a.tokens[words[left_word] as usize].start as usize
        } else {
            h.byte_start as usize
        };
        let right_end = if right_word > h.word_end as usize {
            a.tokens[words[right_word - 1] as usize].end as usize
        } else {
            h.byte_end as usize
        };
        let (line, column) = line_col(text, h.byte_start as usize);
        let (line, column) = (line as u32, column as u32);
        out.push(Line {
            doc_id: meta.doc_id.clone(),
            path: meta.path.clone(),
            date: meta.date.map(|d| d.date.to_string()),
            period: String::new(),
            source: meta.source.clone(),
            category: cat.clone(),
            subframe: sub.name.clone(),
            entry: e.text.clone(),
            stance: h.stance,
            stance_rule: h.stance_rule.clone(),
            status: h.status,
            left: fold_space(&text[left_start..h.byte_start as usize]),
            keyword: fold_space(&h.surface),
            right: fold_space(&text[h.byte_end as usize..right_end]),
            byte_start: h.byte_start,
            byte_end: h.byte_end,
            sentence: h.sentence,
            line,
            column,
            page: crate::model::page_of(v.page_starts, h.byte_start),
            order: (0, hi as u32),
            model: None,
        });
    }
    out
}

/// The model's label of each line's sentence, for the line's category.
fn label_lines(tagger: &Tagger, model: &Model, v: &View<'_>, lines: &mut [Line]) {
    let predictions = crate::study::measure::predict_sentences(tagger, model, v);
    for l in lines {
        l.model = crate::study::measure::label_of(model, &predictions, &l.category, l.sentence);
    }
}

/// Sort lines; ties keep input order.
pub fn sort(lines: &mut [Line], key: SortKey) {
    let lower = |s: &str| s.to_lowercase();
    match key {
        SortKey::Position => lines.sort_by_key(|l| l.order),
        SortKey::Date => lines.sort_by(|a, b| {
            (a.date.is_none(), &a.date, a.order).cmp(&(b.date.is_none(), &b.date, b.order))
        }),
        SortKey::Source => lines.sort_by(|a, b| {
            (a.source.is_none(), &a.source, a.order).cmp(&(b.source.is_none(), &b.source, b.order))
        }),
        SortKey::Right => lines.sort_by_cached_key(|l| (lower(&l.right), l.order)),
        SortKey::Left => lines.sort_by_cached_key(|l| {
            let words: Vec<String> = l.left.split(' ').rev().map(lower).collect();
            (words, l.order)
        }),
    }
}

/// Keep a uniform random sample of `n` lines, reproducible from `seed`
/// (ChaCha8), in their original order.
pub fn sample(lines: Vec<Line>, n: usize, seed: u64) -> Vec<Line> {
    if n >= lines.len() {
        return lines;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picked: Vec<usize> = rand::seq::index::sample(&mut rng, lines.len(), n).into_vec();
    picked.sort_unstable();
    let mut keep = vec![false; lines.len()];
    for i in picked {
        keep[i] = true;
    }
    lines
        .into_iter()
        .zip(keep)
        .filter_map(|(l, k)| k.then_some(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::model::Origin;

    fn doc(id: &str, text: &'static str, source: &str) -> DocMeta {
        let mut d = DocMeta::bare(id, id, Origin::Embedded(text));
        d.source = Some(source.into());
        d
    }

    fn lines(
        t: &Tagger,
        docs: &[DocMeta],
        by: Period,
        filter: &Filter,
        window: usize,
    ) -> (Vec<Line>, Vec<Skipped>) {
        let reading = crate::pipeline::Reading::default();
        let job = Job::new(t, &reading);
        let source = Source::Docs(docs.to_vec());
        let (lines, _, skipped, _) =
            super::lines(&job, source, |_| true, by, filter, window, None).unwrap();
        (lines, skipped)
    }

    fn tagger() -> Tagger {
        let (l, a) = Lexicon::parse(
            "t",
            "[lexicon]\nname=\"t\"\nversion=\"1\"\nlanguage=\"english\"\n[categories.behavioural.b]\nentries=[\"lazy\",\"scroung*\"]\n[categories.structural.s]\nentries=[\"low pay\"]\n",
        )
        .unwrap();
        Tagger::new(l, a)
    }

    #[test]
    fn lines_have_context_windows_and_positions() {
        let docs = vec![doc(
            "d1",
            "One two three lazy four five six.\nThen low\npay came; not scroungers.",
            "A",
        )];
        let (lines, skipped) = lines(&tagger(), &docs, Period::Year, &Filter::default(), 2);
        assert!(skipped.is_empty());
        let view: Vec<(&str, &str, &str, u32, u32)> = lines
            .iter()
            .map(|l| {
                (
                    l.left.as_str(),
                    l.keyword.as_str(),
                    l.right.as_str(),
                    l.line,
                    l.column,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("two three", "lazy", "four five", 1, 15),
                ("six. Then", "low pay", "came; not", 2, 6),
                ("came; not", "scroungers", "", 3, 15),
            ]
        );
        assert_eq!(lines[2].stance, Stance::Negated);
    }

    #[test]
    fn filters_sorts_and_samples() {
        let docs = vec![
            doc("d1", "Zebra lazy. Apple lazy. Mango low pay.", "B"),
            doc("d2", "Kiwi lazy.", "A"),
        ];
        let t = tagger();
        let f = Filter {
            categories: vec!["behavioural".into()],
            ..Filter::default()
        };
        let (mut l, _) = lines(&t, &docs, Period::Year, &f, 3);
        assert_eq!(l.len(), 3);
        sort(&mut l, SortKey::Left);
        assert_eq!(
            l.iter().map(|x| x.left.as_str()).collect::<Vec<_>>(),
            ["Zebra lazy. Apple", "Kiwi", "Zebra"]
        );
        sort(&mut l, SortKey::Source);
        assert_eq!(l[0].doc_id, "d2");
        let a = sample(l.clone(), 2, 7);
        assert_eq!(a, sample(l.clone(), 2, 7));
        assert_eq!(a.len(), 2);
        let f = Filter {
            fields: vec![("source".into(), "A".into())],
            ..Filter::default()
        };
        assert_eq!(lines(&t, &docs, Period::Year, &f, 3).0.len(), 1);
    }
}
