//! Rows → DataFrames: the columns of the documents, hits and skipped
//! tables, and their names.

use crate::aggregate::{Period, epoch_days};
use crate::lexicon::Lexicon;
use crate::matcher::Matcher;
use crate::model::{DocResult, Hit, SCORE_KINDS, Skipped, Stance};
use crate::score;
use polars::prelude::*;

/// Category and sub-frame column names, and which categories are the poles.
pub struct TableNames {
    pub categories: Vec<String>,
    pub subframe_columns: Vec<String>,
    /// The categories share and balance compare; without them those
    /// columns are left out.
    pub poles: Option<crate::model::Poles>,
    /// The trained model's columns, when the run used one.
    pub model: ModelColumns,
}

/// The framings of the trained model a run used (none: no model), in the
/// model's order, and which of them are the poles of `model_share`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelColumns {
    pub framings: Vec<String>,
    pub poles: Option<[usize; 2]>,
}

/// What the trained model adds to the documents and trends tables: per
/// framing `model_sentences_<f>` (sentences labelled endorsed) and
/// `model_distanced_<f>`, in that order.
pub const MODEL_KINDS: [&str; 2] = ["model_sentences", "model_distanced"];

impl ModelColumns {
    pub fn of(shape: &crate::aggregate::Shape, framings: &[String]) -> ModelColumns {
        ModelColumns {
            framings: framings.to_vec(),
            poles: shape.model_poles,
        }
    }

    /// The count columns, as [`crate::aggregate::DocStats::model`] orders them.
    pub fn count_columns(&self) -> Vec<String> {
        MODEL_KINDS
            .iter()
            .flat_map(|k| self.framings.iter().map(move |f| format!("{k}_{f}")))
            .collect()
    }
}

impl TableNames {
    pub fn of(lexicon: &Lexicon) -> TableNames {
        TableNames {
            categories: lexicon.categories.iter().map(|c| c.name.clone()).collect(),
            subframe_columns: (0..lexicon.subframes.len())
                .map(|i| subframe_column(lexicon, i))
                .collect(),
            poles: lexicon.poles(),
            model: ModelColumns::default(),
        }
    }

    /// `negated_<cat>`, `distanced_<cat>`, `no_context_<cat>`: the counts
    /// set aside from rates, share and balance; then `sentences_<cat>`, the
    /// sentences with endorsed framing.
    pub fn set_aside_columns(&self) -> Vec<String> {
        SCORE_KINDS[1..]
            .iter()
            .flat_map(|p| self.categories.iter().map(move |c| format!("{p}_{c}")))
            .collect()
    }
}

/// `hits_<category>__<subframe>`.
pub fn subframe_column(lexicon: &Lexicon, i: usize) -> String {
    let s = &lexicon.subframes[i];
    format!("hits_{}__{}", lexicon.categories[s.category].name, s.name)
}

/// Metadata column names as they appear in tables: the extra metadata
/// `fields`, each prefixed `meta_` if it clashes with one of ours.
pub fn extra_column_names(fields: &[String], lexicon: &Lexicon) -> Vec<String> {
    let reserved = |name: &str| {
        matches!(
            name,
            "path"
                | "format"
                | "record"
                | "page_count"
                | "ocr_pages"
                | "ocr_confidence"
                | "warnings"
                | "date"
                | "date_precision"
                | "date_source"
                | "period"
                | "period_start"
                | "bytes"
                | "tokens"
                | "sentences"
                | "hits"
                | "share"
                | "balance"
                | "sentence_share"
                | "model_share"
                | "documents"
                | "coarse_dates"
        ) || SCORE_KINDS
            .iter()
            .chain(&MODEL_KINDS)
            .any(|p| name.starts_with(&format!("{p}_")))
            || name.starts_with("rate_")
            || lexicon.categories.iter().any(|c| c.name == name)
    };
    fields
        .iter()
        .map(|f| {
            if reserved(f) {
                format!("meta_{f}")
            } else {
                f.clone()
            }
        })
        .collect()
}

pub fn hits_frame(
    lexicon: &Lexicon,
    matcher: &Matcher,
    docs: &[DocResult],
) -> PolarsResult<DataFrame> {
    let rows: Vec<(&DocResult, usize, &Hit)> = docs
        .iter()
        .flat_map(|d| d.hits.iter().enumerate().map(move |(i, h)| (d, i, h)))
        .collect();
    let n = rows.len();
    let entry = |h: &Hit| &lexicon.entries[h.entry as usize];
    let sub = |h: &Hit| &lexicon.subframes[entry(h).subframe];
    let text = |name: &str, f: &dyn Fn(&DocResult, &Hit) -> Option<String>| {
        Column::new(
            name.into(),
            rows.iter().map(|(d, _, h)| f(d, h)).collect::<Vec<_>>(),
        )
    };
    let num = |name: &str, f: &dyn Fn(&Hit) -> u32| {
        Column::new(
            name.into(),
            rows.iter().map(|(_, _, h)| f(h)).collect::<Vec<_>>(),
        )
    };
    DataFrame::new(
        n,
        vec![
            text("doc_id", &|d, _| Some(d.meta.doc_id.clone())),
            Column::new(
                "hit".into(),
                rows.iter().map(|(_, i, _)| *i as u32).collect::<Vec<_>>(),
            ),
            text("category", &|_, h| {
                Some(lexicon.categories[sub(h).category].name.clone())
            }),
            text("subframe", &|_, h| Some(sub(h).name.clone())),
            text("entry", &|_, h| Some(entry(h).text.clone())),
            text("entry_id", &|_, h| entry(h).id.clone()),
            num("entry_line", &|h| entry(h).line),
            Column::new(
                "weight".into(),
                rows.iter()
                    .map(|(_, _, h)| entry(h).weight)
                    .collect::<Vec<_>>(),
            ),
            text("match", &|_, h| {
                Some(matcher.match_kind(h.entry).as_str().to_string())
            }),
            text("surface", &|_, h| Some(h.surface.clone())),
            text("stance", &|_, h| Some(h.stance.as_str().to_string())),
            text("stance_rule", &|_, h| {
                (!h.stance_rule.is_empty()).then(|| h.stance_rule.clone())
            }),
            text("status", &|_, h| Some(h.status.as_str().to_string())),
            num("word_start", &|h| h.word_start),
            num("word_end", &|h| h.word_end),
            num("byte_start", &|h| h.byte_start),
            num("byte_end", &|h| h.byte_end),
            num("sentence", &|h| h.sentence),
            num("paragraph", &|h| h.paragraph),
            Column::new(
                "page".into(),
                rows.iter()
                    .map(|(d, _, h)| d.page_of(h.byte_start))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "ocr".into(),
                rows.iter()
                    .map(|(d, _, h)| d.on_ocr_page(h.byte_start))
                    .collect::<Vec<_>>(),
            ),
            text("lexicon_version", &|_, _| Some(lexicon.version.clone())),
            text("lexicon_sha256", &|_, _| Some(lexicon.sha256.clone())),
        ],
    )
}

/// The documents table's rows for `docs`, with `extra_names` metadata
/// columns (the documents' `extra` values, in order).
pub fn documents_frame(
    extra_names: &[String],
    lexicon: &Lexicon,
    model: &ModelColumns,
    by: Period,
    docs: &[DocResult],
) -> PolarsResult<DataFrame> {
    let n = docs.len();
    let mut cols: Vec<Column> = Vec::new();
    let text_col = |name: &str, f: &dyn Fn(&DocResult) -> Option<String>| {
        Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>())
    };
    let nums = |name: String, f: &dyn Fn(&DocResult) -> u64| {
        Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>())
    };
    cols.push(text_col("doc_id", &|d| Some(d.meta.doc_id.clone())));
    cols.push(text_col("path", &|d| Some(d.meta.path.clone())));
    cols.push(text_col("format", &|d| {
        (!d.meta.format.is_empty()).then(|| d.meta.format.to_string())
    }));
    cols.push(Column::new(
        "record".into(),
        docs.iter().map(|d| d.meta.record).collect::<Vec<_>>(),
    ));
    let dates: Vec<Option<i32>> = docs
        .iter()
        .map(|d| d.meta.date.map(|x| epoch_days(x.date)))
        .collect();
    cols.push(Column::new("date".into(), dates).cast(&DataType::Date)?);
    cols.push(text_col("date_precision", &|d| {
        d.meta.date.map(|x| x.precision.as_str().to_string())
    }));
    cols.push(text_col("date_source", &|d| {
        (!d.meta.date_source.is_empty()).then(|| d.meta.date_source.to_string())
    }));
    cols.push(text_col("period", &|d| Some(by.label(d.meta.date))));
    let starts: Vec<Option<i32>> = docs
        .iter()
        .map(|d| d.meta.date.map(|x| epoch_days(by.bucket(x.date).1)))
        .collect();
    cols.push(Column::new("period_start".into(), starts).cast(&DataType::Date)?);
    cols.push(text_col("source", &|d| d.meta.source.clone()));
    cols.push(text_col("kind", &|d| d.meta.kind.clone()));
    cols.push(text_col("title", &|d| d.meta.title.clone()));
    cols.push(text_col("author", &|d| d.meta.author.clone()));
    cols.push(text_col("url", &|d| d.meta.url.clone()));
    for (i, name) in extra_names.iter().enumerate() {
        cols.push(text_col(name, &|d| d.meta.extra.get(i).cloned().flatten()));
    }
    cols.push(nums("bytes".into(), &|d| d.bytes));
    cols.push(Column::new(
        "page_count".into(),
        docs.iter()
            .map(|d| (!d.page_starts.is_empty()).then_some(d.page_starts.len() as u32))
            .collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "ocr_pages".into(),
        docs.iter()
            .map(|d| (!d.page_starts.is_empty()).then_some(d.ocr_pages.len() as u32))
            .collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "ocr_confidence".into(),
        docs.iter().map(|d| d.ocr_confidence).collect::<Vec<_>>(),
    ));
    cols.push(text_col("warnings", &|d| {
        (!d.warnings.is_empty()).then(|| d.warnings.join("; "))
    }));
    cols.push(nums("tokens".into(), &|d| d.words));
    cols.push(nums("sentences".into(), &|d| d.sentences));
    cols.push(nums("hits".into(), &|d| d.score.counted));
    for (ci, c) in lexicon.categories.iter().enumerate() {
        cols.push(nums(format!("hits_{}", c.name), &|d| {
            d.score.categories[ci][0]
        }));
    }
    for (ci, c) in lexicon.categories.iter().enumerate() {
        cols.push(Column::new(
            format!("rate_{}", c.name).into(),
            docs.iter().map(|d| d.score.rates[ci]).collect::<Vec<_>>(),
        ));
    }
    if lexicon.poles().is_some() {
        cols.push(Column::new(
            "share".into(),
            docs.iter().map(|d| d.score.share).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "balance".into(),
            docs.iter().map(|d| d.score.balance).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "sentence_share".into(),
            docs.iter()
                .map(|d| d.score.sentence_share)
                .collect::<Vec<_>>(),
        ));
    }
    for (k, prefix) in SCORE_KINDS.iter().enumerate().skip(1) {
        for (ci, c) in lexicon.categories.iter().enumerate() {
            cols.push(nums(format!("{prefix}_{}", c.name), &|d| {
                d.score.categories[ci][k]
            }));
        }
    }
    for si in 0..lexicon.subframes.len() {
        cols.push(nums(subframe_column(lexicon, si), &|d| {
            d.subframe_hits[si][Stance::Endorsed as usize]
        }));
    }
    let counted = |d: &DocResult, f: usize, k: usize| d.model.get(f).map_or(0, |m| m[k]);
    for (k, kind) in MODEL_KINDS.iter().enumerate() {
        for (f, name) in model.framings.iter().enumerate() {
            cols.push(nums(format!("{kind}_{name}"), &|d| counted(d, f, k)));
        }
    }
    if let Some([b, s]) = model.poles {
        cols.push(Column::new(
            "model_share".into(),
            docs.iter()
                .map(|d| score::share(counted(d, b, 0), counted(d, s, 0)))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(n, cols)
}

/// `df` (documents or trends) without the lexicon's measures when the run
/// measures with the model only (`run --measure model`): rates, share,
/// balance, sentence share and their intervals go; the lexicon's counts,
/// the model's evidence, stay.
pub fn keep_measures(df: DataFrame, measure: super::Measure) -> DataFrame {
    if measure.lexicon() {
        return df;
    }
    let lexicon_measure = |name: &str| {
        let base = name
            .strip_suffix("_lo")
            .or_else(|| name.strip_suffix("_hi"))
            .unwrap_or(name);
        name.starts_with("rate_") || matches!(base, "share" | "balance" | "sentence_share")
    };
    let drop: Vec<String> = df
        .get_column_names()
        .into_iter()
        .filter(|c| lexicon_measure(c))
        .map(|c| c.to_string())
        .collect();
    df.drop_many(drop)
}

/// The sentences table's rows for `docs`: one per sentence as the trained
/// model labels it, per framing `<f>` (endorsed, distanced or none),
/// `p_<f>` (probability of endorsed) and `why_<f>` (the features that
/// weighed most towards a label other than none).
pub fn sentences_frame(model: &ModelColumns, docs: &[DocResult]) -> PolarsResult<DataFrame> {
    let rows: Vec<(&DocResult, &crate::model::SentenceLabel)> = docs
        .iter()
        .flat_map(|d| d.labels.iter().map(move |l| (d, l)))
        .collect();
    let num = |name: &str, f: &dyn Fn(&crate::model::SentenceLabel) -> u32| {
        Column::new(
            name.into(),
            rows.iter().map(|(_, l)| f(l)).collect::<Vec<_>>(),
        )
    };
    let mut cols = vec![
        Column::new(
            "doc_id".into(),
            rows.iter()
                .map(|(d, _)| d.meta.doc_id.as_str())
                .collect::<Vec<_>>(),
        ),
        num("sentence", &|l| l.sentence),
        num("byte_start", &|l| l.byte_start),
        num("byte_end", &|l| l.byte_end),
        Column::new(
            "page".into(),
            rows.iter()
                .map(|(d, l)| d.page_of(l.byte_start))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "text".into(),
            rows.iter()
                .map(|(_, l)| l.text.as_deref())
                .collect::<Vec<_>>(),
        ),
    ];
    for (f, name) in model.framings.iter().enumerate() {
        fn at(l: &crate::model::SentenceLabel, f: usize) -> Option<&(u8, f64, String)> {
            l.framings.get(f)
        }
        cols.push(Column::new(
            name.as_str().into(),
            rows.iter()
                .map(|(_, l)| crate::study::classify::CLASSES[at(l, f).map_or(0, |x| x.0 as usize)])
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("p_{name}").into(),
            rows.iter()
                .map(|(_, l)| at(l, f).map_or(0.0, |x| x.1))
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("why_{name}").into(),
            rows.iter()
                .map(|(_, l)| at(l, f).map(|x| x.2.as_str()).filter(|why| !why.is_empty()))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(rows.len(), cols)
}

/// A skipped row as written and read back: path, doc_id, reason,
/// detail, duplicate_of (the order [`Skipped`] sorts by).
pub type SkippedRow = (String, Option<String>, String, String, Option<String>);

pub fn skipped_row(s: &Skipped) -> SkippedRow {
    (
        s.path.clone(),
        s.doc_id.clone(),
        s.reason.to_string(),
        s.detail.clone(),
        s.duplicate_of.clone(),
    )
}

pub fn skipped_frame(skipped: &[SkippedRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        skipped.len(),
        vec![
            Column::new(
                "path".into(),
                skipped.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "doc_id".into(),
                skipped.iter().map(|s| s.1.as_deref()).collect::<Vec<_>>(),
            ),
            Column::new(
                "reason".into(),
                skipped.iter().map(|s| s.2.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "detail".into(),
                skipped.iter().map(|s| s.3.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "duplicate_of".into(),
                skipped.iter().map(|s| s.4.as_deref()).collect::<Vec<_>>(),
            ),
        ],
    )
}
