//! Datasets on disk: the `documents`, `hits`, `trends` and `skipped`
//! tables (Parquet or CSV) and `manifest.json`. The home of polars' writers.
//!
//! Every file is written under a temporary name and renamed into place
//! when complete. Hits are streamed batch by batch; the other tables are
//! small and written at the end, sorted.

use crate::aggregate::{self, Period, TrendSpec, epoch_days};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::lexicon::Lexicon;
use crate::model::{DocResult, Hit, Skipped, Stance};
use crate::pipeline::Tagger;
use crate::score;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Bump when a table's columns change meaning or shape.
pub const SCHEMA_VERSION: u32 = 3;

/// Per-category count columns: endorsed (`hits_`), then the hits set
/// aside from rates, share and balance.
pub const STANCE_PREFIXES: [&str; 4] = ["hits", "negated", "distanced", "no_context"];

/// Output table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

fn pe(path: &Path) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::output(path, e)
}

/// A table written batch by batch.
enum Sink {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<BufWriter<File>>>),
    Csv(polars::io::csv::write::BatchedWriter<BufWriter<File>>),
}

impl Sink {
    fn create(path: &Path, format: Format, schema: &Schema) -> Result<Sink> {
        let file = BufWriter::new(File::create(path).map_err(|e| Error::output(path, e))?);
        Ok(match format {
            Format::Parquet => Sink::Parquet(Box::new(
                ParquetWriter::new(file).batched(schema).map_err(pe(path))?,
            )),
            Format::Csv => Sink::Csv(
                CsvWriter::new(file)
                    .include_header(true)
                    .batched(schema)
                    .map_err(pe(path))?,
            ),
        })
    }

    fn write(&mut self, df: &DataFrame, path: &Path) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        match self {
            Sink::Parquet(w) => w.write_batch(df),
            Sink::Csv(w) => w.write_batch(df),
        }
        .map_err(pe(path))
    }

    fn finish(mut self, path: &Path) -> Result<()> {
        match &mut self {
            Sink::Parquet(w) => w.finish().map(|_| ()),
            Sink::Csv(w) => w.finish(),
        }
        .map_err(pe(path))
    }
}

/// The per-document columns trends are computed from, kept while the
/// documents table itself is streamed to disk.
#[derive(Default)]
struct TrendRows {
    period: Vec<String>,
    period_start: Vec<Option<i32>>,
    groups: Vec<Vec<Option<String>>>,
    coarse: Vec<u32>,
    tokens: Vec<u64>,
    /// Per document: endorsed, negated, distanced and no-context hits per category.
    categories: Vec<[Vec<u64>; 4]>,
    subframes: Vec<Vec<u64>>,
}

/// Writes one run's outputs into a folder.
pub struct RunWriter {
    dir: PathBuf,
    format: Format,
    by: Period,
    /// For each `--group` column: where its value comes from.
    group_fields: Vec<GroupField>,
    /// The trends column name of each `--group` (extra metadata columns
    /// that clash with ours are prefixed `meta_`, as in `documents`).
    group_columns: Vec<String>,
    extra_names: Vec<String>,
    hits: Sink,
    hits_tmp: PathBuf,
    docs: Sink,
    docs_tmp: PathBuf,
    trend_rows: TrendRows,
    skipped: Vec<Skipped>,
    pub totals: Totals,
}

/// Running totals over the documents read.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub documents: usize,
    /// Documents read with a warning.
    pub warned: usize,
    pub undated: usize,
    pub coarse_dates: usize,
    pub tokens: u64,
    pub hits: u64,
    /// Endorsed, counted hits per category, in lexicon order.
    pub categories: Vec<u64>,
    pub negated: u64,
    pub distanced: u64,
    pub no_context: u64,
}

#[derive(Debug, Clone, Copy)]
enum GroupField {
    Source,
    Kind,
    Title,
    Author,
    Url,
    Format,
    DocId,
    DateSource,
    Extra(usize),
}

impl GroupField {
    fn value(self, d: &DocResult) -> Option<String> {
        match self {
            GroupField::Source => d.meta.source.clone(),
            GroupField::Kind => d.meta.kind.clone(),
            GroupField::Title => d.meta.title.clone(),
            GroupField::Author => d.meta.author.clone(),
            GroupField::Url => d.meta.url.clone(),
            GroupField::Format => (!d.meta.format.is_empty()).then(|| d.meta.format.to_string()),
            GroupField::DocId => Some(d.meta.doc_id.clone()),
            GroupField::DateSource => {
                (!d.meta.date_source.is_empty()).then(|| d.meta.date_source.to_string())
            }
            GroupField::Extra(i) => d.meta.extra.get(i).cloned().flatten(),
        }
    }
}

fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

fn write_df(df: &mut DataFrame, path: &Path, format: Format) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::output(path, e))?;
    let w = BufWriter::new(file);
    match format {
        Format::Parquet => {
            ParquetWriter::new(w).finish(df).map_err(pe(path))?;
        }
        Format::Csv => {
            CsvWriter::new(w)
                .include_header(true)
                .finish(df)
                .map_err(pe(path))?;
        }
    }
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::output(to, e))
}

impl RunWriter {
    pub fn create(
        dir: &Path,
        corpus: &Corpus,
        tagger: &Tagger,
        options: &RunOptions,
    ) -> Result<RunWriter> {
        let lexicon = &tagger.lexicon;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::output(dir, format!("cannot create output folder: {e}")))?;
        let format = options.format;
        let ext = format.ext();
        let group_fields = options
            .group
            .iter()
            .map(|g| match g.as_str() {
                "source" => Ok(GroupField::Source),
                "kind" => Ok(GroupField::Kind),
                "title" => Ok(GroupField::Title),
                "author" => Ok(GroupField::Author),
                "url" => Ok(GroupField::Url),
                "format" => Ok(GroupField::Format),
                "doc_id" => Ok(GroupField::DocId),
                "date_source" => Ok(GroupField::DateSource),
                other => corpus
                    .extra_fields
                    .iter()
                    .position(|f| f == other)
                    .map(GroupField::Extra)
                    .ok_or_else(|| {
                        Error::usage(
                            format!("--group \"{other}\": no such metadata column"),
                            None,
                        )
                    }),
            })
            .collect::<Result<Vec<_>>>()?;
        let extra_names = extra_column_names(corpus, lexicon);
        let group_columns: Vec<String> = group_fields
            .iter()
            .zip(&options.group)
            .map(|(f, g)| match f {
                GroupField::Extra(i) => extra_names[*i].clone(),
                _ => g.clone(),
            })
            .collect();
        // An empty batch gives the documents table its schema.
        let empty = documents_frame(&extra_names, lexicon, options.by, &[]).map_err(pe(dir))?;
        let hits_tmp = tmp_path(dir, &format!("hits.{ext}"));
        let docs_tmp = tmp_path(dir, &format!("documents.{ext}"));
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            format,
            by: options.by,
            group_fields,
            group_columns,
            hits: Sink::create(
                &hits_tmp,
                format,
                hits_frame(lexicon, tagger, &[]).map_err(pe(dir))?.schema(),
            )?,
            docs: Sink::create(&docs_tmp, format, empty.schema())?,
            extra_names,
            hits_tmp,
            docs_tmp,
            trend_rows: TrendRows {
                groups: vec![Vec::new(); options.group.len()],
                ..TrendRows::default()
            },
            skipped: Vec::new(),
            totals: Totals {
                categories: vec![0; lexicon.categories.len()],
                ..Totals::default()
            },
        })
    }

    /// Stream a batch of documents and their hits to disk, keeping only
    /// what trends need.
    pub fn add_docs(
        &mut self,
        lexicon: &Lexicon,
        tagger: &Tagger,
        docs: Vec<DocResult>,
    ) -> Result<()> {
        let hits = hits_frame(lexicon, tagger, &docs).map_err(pe(&self.hits_tmp))?;
        self.hits.write(&hits, &self.hits_tmp)?;
        let frame = documents_frame(&self.extra_names, lexicon, self.by, &docs)
            .map_err(pe(&self.docs_tmp))?;
        self.docs.write(&frame, &self.docs_tmp)?;

        let rows = &mut self.trend_rows;
        for d in &docs {
            let cats = score::category_counts(lexicon, &d.subframe_hits, Stance::Endorsed);
            let coarse = d.meta.date.is_some_and(|x| self.by.finer_than(x.precision));
            rows.period.push(self.by.label(d.meta.date));
            rows.period_start
                .push(d.meta.date.map(|x| epoch_days(self.by.bucket(x.date).1)));
            for (g, field) in self.group_fields.iter().enumerate() {
                rows.groups[g].push(field.value(d));
            }
            rows.coarse.push(coarse as u32);
            rows.tokens.push(d.words);
            self.totals.documents += 1;
            self.totals.warned += !d.warnings.is_empty() as usize;
            self.totals.undated += d.meta.date.is_none() as usize;
            self.totals.coarse_dates += coarse as usize;
            self.totals.tokens += d.words;
            self.totals.hits += d.hits.len() as u64;
            for (t, c) in self.totals.categories.iter_mut().zip(&cats) {
                *t += c;
            }
            self.totals.negated += d
                .subframe_hits
                .iter()
                .map(|s| s[Stance::Negated as usize])
                .sum::<u64>();
            self.totals.distanced += d
                .subframe_hits
                .iter()
                .map(|s| s[Stance::Distanced as usize])
                .sum::<u64>();
            self.totals.no_context += d.no_context.iter().sum::<u64>();
            rows.categories.push([
                cats,
                score::category_counts(lexicon, &d.subframe_hits, Stance::Negated),
                score::category_counts(lexicon, &d.subframe_hits, Stance::Distanced),
                score::category_totals(lexicon, &d.no_context),
            ]);
            rows.subframes.push(
                d.subframe_hits
                    .iter()
                    .map(|s| s[Stance::Endorsed as usize])
                    .collect(),
            );
        }
        Ok(())
    }

    pub fn add_skipped(&mut self, s: Skipped) {
        self.skipped.push(s);
    }

    /// Finish the streamed tables, write trends, skipped and the manifest.
    pub fn finish(
        mut self,
        corpus: &Corpus,
        lexicon: &Lexicon,
        options: &RunOptions,
    ) -> Result<Manifest> {
        let ext = self.format.ext();
        self.hits.finish(&self.hits_tmp)?;
        self.docs.finish(&self.docs_tmp)?;

        let (b, s) = score::poles(lexicon);
        let cat_names: Vec<String> = lexicon.categories.iter().map(|c| c.name.clone()).collect();
        let sub_cols: Vec<String> = (0..lexicon.subframes.len())
            .map(|i| subframe_column(lexicon, i))
            .collect();
        let rows = std::mem::take(&mut self.trend_rows);
        let n = rows.period.len();
        // Bootstrap intervals per cell (period × groups), from the documents.
        let mut cells: BTreeMap<Vec<Option<String>>, Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            let mut key = vec![Some(rows.period[i].clone())];
            key.extend(rows.groups.iter().map(|g| g[i].clone()));
            cells.entry(key).or_default().push(i);
        }
        let endorsed = |c: usize| {
            rows.categories
                .iter()
                .map(|v| v[0][c])
                .collect::<Vec<u64>>()
        };
        let (eb, es) = (endorsed(b), endorsed(s));
        let intervals: BTreeMap<Vec<Option<String>>, aggregate::Intervals> = cells
            .iter()
            .map(|(key, docs)| {
                let seed = aggregate::cell_seed(options.seed, key);
                (
                    key.clone(),
                    aggregate::bootstrap(docs, &rows.tokens, &eb, &es, options.bootstrap, seed),
                )
            })
            .collect();
        let mut cols = vec![
            Column::new("period".into(), rows.period),
            Column::new("period_start".into(), rows.period_start)
                .cast(&DataType::Date)
                .map_err(pe(&self.dir))?,
        ];
        for (g, values) in self.group_columns.iter().zip(rows.groups) {
            cols.push(Column::new(g.as_str().into(), values));
        }
        cols.push(Column::new("documents".into(), vec![1u32; n]));
        cols.push(Column::new("coarse_dates".into(), rows.coarse));
        cols.push(Column::new("tokens".into(), rows.tokens));
        for (k, prefix) in STANCE_PREFIXES.iter().enumerate() {
            for (ci, c) in cat_names.iter().enumerate() {
                cols.push(Column::new(
                    format!("{prefix}_{c}").into(),
                    rows.categories.iter().map(|v| v[k][ci]).collect::<Vec<_>>(),
                ));
            }
        }
        for (si, c) in sub_cols.iter().enumerate() {
            cols.push(Column::new(
                c.as_str().into(),
                rows.subframes.iter().map(|v| v[si]).collect::<Vec<_>>(),
            ));
        }
        let per_doc = DataFrame::new(n, cols).map_err(pe(&self.dir))?;
        let stance_cols: Vec<String> = STANCE_PREFIXES[1..]
            .iter()
            .flat_map(|p| cat_names.iter().map(move |c| format!("{p}_{c}")))
            .collect();
        let spec = TrendSpec {
            groups: &self.group_columns,
            categories: &cat_names,
            stance_columns: &stance_cols,
            subframe_columns: &sub_cols,
            behavioural: b,
            structural: s,
        };
        let mut trends = aggregate::trends(&per_doc, &spec)?;
        drop(per_doc);
        trends = add_intervals(
            trends,
            &self.group_columns,
            &intervals,
            options,
            &cat_names[b],
            &cat_names[s],
        )
        .map_err(pe(&self.dir))?;

        self.skipped.sort();
        let mut skipped_df = skipped_frame(&self.skipped).map_err(pe(&self.dir))?;
        for (name, df) in [("trends", &mut trends), ("skipped", &mut skipped_df)] {
            let tmp = tmp_path(&self.dir, &format!("{name}.{ext}"));
            write_df(df, &tmp, self.format)?;
            rename(&tmp, &self.dir.join(format!("{name}.{ext}")))?;
        }
        rename(&self.docs_tmp, &self.dir.join(format!("documents.{ext}")))?;
        rename(&self.hits_tmp, &self.dir.join(format!("hits.{ext}")))?;

        let mut skipped_by_reason = std::collections::BTreeMap::new();
        for s in &self.skipped {
            *skipped_by_reason
                .entry(s.reason.to_string())
                .or_insert(0usize) += 1;
        }
        let t = &self.totals;
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            framewatch_version: env!("CARGO_PKG_VERSION").to_string(),
            lexicon: LexiconInfo {
                name: lexicon.name.clone(),
                version: lexicon.version.clone(),
                sha256: lexicon.sha256.clone(),
                origin: lexicon.origin.clone(),
                language: lexicon.language.clone(),
                categories: lexicon.categories.len(),
                subframes: lexicon.subframes.len(),
                entries: lexicon.entries.len(),
            },
            options: options.clone(),
            counts: Counts {
                inputs: t.documents + self.skipped.len(),
                documents_read: t.documents,
                documents_skipped: self.skipped.len(),
                duplicates: self
                    .skipped
                    .iter()
                    .filter(|s| s.duplicate_of.is_some())
                    .count(),
                warnings: t.warned,
                skipped_by_reason,
                undated: t.undated,
                coarse_dates: t.coarse_dates,
                unlisted_files: corpus.unlisted.len(),
                hidden_files: corpus.hidden,
                tokens: t.tokens,
                hits: t.hits,
                negated: t.negated,
                distanced: t.distanced,
                no_context: t.no_context,
                trend_rows: trends.height(),
            },
            tables: ["documents", "hits", "trends", "skipped"]
                .iter()
                .map(|t| format!("{t}.{ext}"))
                .collect(),
        };
        let json = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::output(&self.dir, e))?
            + "\n";
        let tmp = tmp_path(&self.dir, "manifest.json");
        std::fs::write(&tmp, json).map_err(|e| Error::output(&tmp, e))?;
        rename(&tmp, &self.dir.join("manifest.json"))?;
        Ok(manifest)
    }
}

/// Append interval and `low_n` columns to a trends table, looking each
/// row's cell up by its period and group values.
fn add_intervals(
    trends: DataFrame,
    groups: &[String],
    intervals: &BTreeMap<Vec<Option<String>>, aggregate::Intervals>,
    options: &RunOptions,
    behavioural: &str,
    structural: &str,
) -> PolarsResult<DataFrame> {
    let mut keys: Vec<Vec<Option<String>>> = column_str(&trends, "period")
        .into_iter()
        .map(|p| vec![p])
        .collect();
    for g in groups {
        for (k, v) in keys.iter_mut().zip(column_str(&trends, g)) {
            k.push(v);
        }
    }
    let cell: Vec<aggregate::Intervals> = keys
        .iter()
        .map(|k| intervals.get(k).cloned().unwrap_or_default())
        .collect();
    let col = |name: String, f: &dyn Fn(&aggregate::Intervals) -> Option<f64>| {
        Column::new(name.into(), cell.iter().map(f).collect::<Vec<_>>())
    };
    let docs = column_f64(&trends, "documents");
    let tokens = column_f64(&trends, "tokens");
    let low_n: Vec<bool> = docs
        .iter()
        .zip(&tokens)
        .map(|(d, t)| {
            d.unwrap_or(0.0) < options.min_docs as f64
                || t.unwrap_or(0.0) < options.min_tokens as f64
        })
        .collect();
    trends.hstack(&[
        col(format!("rate_{behavioural}_lo"), &|i| i.rate_b.0),
        col(format!("rate_{behavioural}_hi"), &|i| i.rate_b.1),
        col(format!("rate_{structural}_lo"), &|i| i.rate_s.0),
        col(format!("rate_{structural}_hi"), &|i| i.rate_s.1),
        col("share_lo".into(), &|i| i.share.0),
        col("share_hi".into(), &|i| i.share.1),
        col("balance_lo".into(), &|i| i.balance.0),
        col("balance_hi".into(), &|i| i.balance.1),
        Column::new("low_n".into(), low_n),
    ])
}

/// `hits_<category>__<subframe>`.
pub fn subframe_column(lexicon: &Lexicon, i: usize) -> String {
    let s = &lexicon.subframes[i];
    format!("hits_{}__{}", lexicon.categories[s.category].name, s.name)
}

fn hits_frame(lexicon: &Lexicon, tagger: &Tagger, docs: &[DocResult]) -> PolarsResult<DataFrame> {
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
                Some(tagger.matcher.match_kind(h.entry).as_str().to_string())
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
            text("lexicon_version", &|_, _| Some(lexicon.version.clone())),
            text("lexicon_sha256", &|_, _| Some(lexicon.sha256.clone())),
        ],
    )
}

/// Metadata column names as they appear in tables: known fields, then
/// extra sidecar columns (prefixed `meta_` if they clash with ours).
pub fn extra_column_names(corpus: &Corpus, lexicon: &Lexicon) -> Vec<String> {
    let reserved = |name: &str| {
        matches!(
            name,
            "path"
                | "format"
                | "record"
                | "page_count"
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
                | "documents"
                | "coarse_dates"
        ) || STANCE_PREFIXES
            .iter()
            .any(|p| name.starts_with(&format!("{p}_")))
            || name.starts_with("rate_")
            || lexicon.categories.iter().any(|c| c.name == name)
    };
    corpus
        .extra_fields
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

fn documents_frame(
    extra_names: &[String],
    lexicon: &Lexicon,
    by: Period,
    docs: &[DocResult],
) -> PolarsResult<DataFrame> {
    let n = docs.len();
    let (b, s) = score::poles(lexicon);
    let mut cols: Vec<Column> = Vec::new();
    let text_col = |name: &str, f: &dyn Fn(&DocResult) -> Option<String>| {
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
    cols.push(Column::new(
        "bytes".into(),
        docs.iter().map(|d| d.bytes).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "page_count".into(),
        docs.iter()
            .map(|d| (!d.page_starts.is_empty()).then_some(d.page_starts.len() as u32))
            .collect::<Vec<_>>(),
    ));
    cols.push(text_col("warnings", &|d| {
        (!d.warnings.is_empty()).then(|| d.warnings.join("; "))
    }));
    cols.push(Column::new(
        "tokens".into(),
        docs.iter().map(|d| d.words).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "sentences".into(),
        docs.iter().map(|d| d.sentences).collect::<Vec<_>>(),
    ));
    let cats: Vec<Vec<u64>> = docs
        .iter()
        .map(|d| score::category_counts(lexicon, &d.subframe_hits, Stance::Endorsed))
        .collect();
    cols.push(Column::new(
        "hits".into(),
        docs.iter()
            .map(|d| d.subframe_hits.iter().flatten().sum::<u64>())
            .collect::<Vec<_>>(),
    ));
    for (ci, c) in lexicon.categories.iter().enumerate() {
        cols.push(Column::new(
            format!("hits_{}", c.name).into(),
            cats.iter().map(|v| v[ci]).collect::<Vec<_>>(),
        ));
    }
    for (ci, c) in lexicon.categories.iter().enumerate() {
        let r: Vec<Option<f64>> = cats
            .iter()
            .zip(docs)
            .map(|(v, d)| score::rate(v[ci], d.words))
            .collect();
        cols.push(Column::new(format!("rate_{}", c.name).into(), r));
    }
    cols.push(Column::new(
        "share".into(),
        cats.iter()
            .map(|v| score::share(v[b], v[s]))
            .collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "balance".into(),
        cats.iter()
            .map(|v| score::balance(v[b], v[s]))
            .collect::<Vec<_>>(),
    ));
    let set_aside: Vec<[Vec<u64>; 3]> = docs
        .iter()
        .map(|d| {
            [
                score::category_counts(lexicon, &d.subframe_hits, Stance::Negated),
                score::category_counts(lexicon, &d.subframe_hits, Stance::Distanced),
                score::category_totals(lexicon, &d.no_context),
            ]
        })
        .collect();
    for (k, prefix) in STANCE_PREFIXES[1..].iter().enumerate() {
        for (ci, c) in lexicon.categories.iter().enumerate() {
            cols.push(Column::new(
                format!("{prefix}_{}", c.name).into(),
                set_aside.iter().map(|v| v[k][ci]).collect::<Vec<_>>(),
            ));
        }
    }
    for si in 0..lexicon.subframes.len() {
        let endorsed: Vec<u64> = docs
            .iter()
            .map(|d| d.subframe_hits[si][Stance::Endorsed as usize])
            .collect();
        cols.push(Column::new(subframe_column(lexicon, si).into(), endorsed));
    }
    DataFrame::new(n, cols)
}

fn skipped_frame(skipped: &[Skipped]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        skipped.len(),
        vec![
            Column::new(
                "path".into(),
                skipped.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "doc_id".into(),
                skipped
                    .iter()
                    .map(|s| s.doc_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "reason".into(),
                skipped.iter().map(|s| s.reason).collect::<Vec<_>>(),
            ),
            Column::new(
                "detail".into(),
                skipped
                    .iter()
                    .map(|s| s.detail.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "duplicate_of".into(),
                skipped
                    .iter()
                    .map(|s| s.duplicate_of.as_deref())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Every option that shapes a run's output (thread count is not one).
#[derive(Debug, Clone, Serialize)]
pub struct RunOptions {
    pub inputs: Vec<String>,
    pub lexicon: String,
    pub by: Period,
    pub group: Vec<String>,
    pub format: Format,
    pub out: String,
    pub strict: bool,
    /// Bootstrap resamples per trend cell (0: no intervals).
    pub bootstrap: usize,
    pub seed: u64,
    /// Cells with fewer documents or tokens are flagged `low_n`.
    pub min_docs: u64,
    pub min_tokens: u64,
    /// How inputs were read: table columns, limits, links, duplicates.
    pub ingest: IngestSettings,
}

/// The reading options recorded in a run's manifest.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSettings {
    pub text_col: String,
    pub date_col: String,
    pub id_col: String,
    pub stdin_format: Option<String>,
    pub follow_symlinks: bool,
    pub limits: crate::ingest::Limits,
    pub dedupe: Option<crate::dedupe::Mode>,
    /// Jaccard threshold of `--dedupe near`.
    pub near_threshold: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct LexiconInfo {
    pub name: String,
    pub version: String,
    pub sha256: String,
    pub origin: String,
    pub language: String,
    pub categories: usize,
    pub subframes: usize,
    pub entries: usize,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub inputs: usize,
    pub documents_read: usize,
    pub documents_skipped: usize,
    /// Documents dropped by `--dedupe` (also counted as skipped).
    pub duplicates: usize,
    /// Documents read with a warning (e.g. a guessed encoding).
    pub warnings: usize,
    pub skipped_by_reason: std::collections::BTreeMap<String, usize>,
    pub undated: usize,
    pub coarse_dates: usize,
    pub unlisted_files: usize,
    pub hidden_files: usize,
    pub tokens: u64,
    pub hits: u64,
    pub negated: u64,
    pub distanced: u64,
    pub no_context: u64,
    pub trend_rows: usize,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub framewatch_version: String,
    pub lexicon: LexiconInfo,
    pub options: RunOptions,
    pub counts: Counts,
    pub tables: Vec<String>,
}

/// Format of a concordance written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KwicFormat {
    Csv,
    Jsonl,
    Parquet,
}

fn kwic_frame(lines: &[crate::kwic::Line]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::kwic::Line) -> Option<String>| {
        Column::new(name.into(), lines.iter().map(f).collect::<Vec<_>>())
    };
    let num = |name: &str, f: &dyn Fn(&crate::kwic::Line) -> u32| {
        Column::new(name.into(), lines.iter().map(f).collect::<Vec<_>>())
    };
    DataFrame::new(
        lines.len(),
        vec![
            text("doc_id", &|l| Some(l.doc_id.clone())),
            text("path", &|l| Some(l.path.clone())),
            text("date", &|l| l.date.clone()),
            text("period", &|l| Some(l.period.clone())),
            text("source", &|l| l.source.clone()),
            text("category", &|l| Some(l.category.clone())),
            text("subframe", &|l| Some(l.subframe.clone())),
            text("entry", &|l| Some(l.entry.clone())),
            text("stance", &|l| Some(l.stance.as_str().to_string())),
            text("stance_rule", &|l| {
                (!l.stance_rule.is_empty()).then(|| l.stance_rule.clone())
            }),
            text("status", &|l| Some(l.status.as_str().to_string())),
            text("left", &|l| Some(l.left.clone())),
            text("match", &|l| Some(l.keyword.clone())),
            text("right", &|l| Some(l.right.clone())),
            num("byte_start", &|l| l.byte_start),
            num("byte_end", &|l| l.byte_end),
            num("sentence", &|l| l.sentence),
            num("line", &|l| l.line),
            num("column", &|l| l.column),
            Column::new(
                "page".into(),
                lines.iter().map(|l| l.page).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Write concordance lines as CSV, JSON Lines or Parquet.
pub fn write_kwic(lines: &[crate::kwic::Line], path: &Path, format: KwicFormat) -> Result<()> {
    match format {
        KwicFormat::Jsonl => {
            use std::io::Write;
            let file = File::create(path).map_err(|e| Error::output(path, e))?;
            let mut w = BufWriter::new(file);
            for l in lines {
                let row = serde_json::json!({
                    "doc_id": l.doc_id, "path": l.path, "date": l.date, "period": l.period, "source": l.source,
                    "category": l.category, "subframe": l.subframe, "entry": l.entry,
                    "stance": l.stance.as_str(), "stance_rule": (!l.stance_rule.is_empty()).then_some(&l.stance_rule),
                    "status": l.status.as_str(), "left": l.left, "match": l.keyword, "right": l.right,
                    "byte_start": l.byte_start, "byte_end": l.byte_end, "sentence": l.sentence,
                    "line": l.line, "column": l.column, "page": l.page,
                });
                writeln!(w, "{row}").map_err(|e| Error::output(path, e))?;
            }
            w.flush().map_err(|e| Error::output(path, e))
        }
        KwicFormat::Csv | KwicFormat::Parquet => {
            let mut df = kwic_frame(lines).map_err(pe(path))?;
            write_df(
                &mut df,
                path,
                if format == KwicFormat::Csv {
                    Format::Csv
                } else {
                    Format::Parquet
                },
            )
        }
    }
}

/// Read a run folder's `manifest.json`; `hint` says what the folder is for.
pub fn read_manifest(run: &Path, hint: &str) -> Result<serde_json::Value> {
    let path = run.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(
            format!("{}: cannot read: {e}", path.display()),
            Some(hint.to_string()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            format!("{}: not a framewatch manifest: {e}", path.display()),
            None,
        )
    })
}

/// Read one table of a run folder in the format its manifest records.
/// CSV columns are read as text; use [`column_f64`] and [`column_str`].
fn read_table(run: &Path, manifest: &serde_json::Value, name: &str) -> Result<DataFrame> {
    let format = manifest["options"]["format"].as_str().unwrap_or("parquet");
    let path = run.join(format!("{name}.{format}"));
    if format == "csv" {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|r| r.finish())
            .map_err(pe(&path))
    } else {
        let file = File::open(&path)
            .map_err(|e| Error::usage(format!("{}: cannot read: {e}", path.display()), None))?;
        ParquetReader::new(file).finish().map_err(pe(&path))
    }
}

/// Read the per-document share and rates of a run, for audits to compare
/// against.
pub fn read_reference(run: &Path) -> Result<crate::audit::Reference> {
    let manifest = read_manifest(
        run,
        "--reference takes a folder written by `framewatch run`",
    )?;
    let documents = read_table(run, &manifest, "documents")?;
    let mut reference = crate::audit::Reference {
        run: run.display().to_string(),
        documents: documents.height(),
        ..Default::default()
    };
    for name in documents.get_column_names() {
        let present = || {
            column_f64(&documents, name)
                .into_iter()
                .flatten()
                .collect::<Vec<f64>>()
        };
        if name.as_str() == "share" {
            reference.share = present();
        } else if let Some(cat) = name.strip_prefix("rate_") {
            reference.rates.insert(cat.to_string(), present());
        }
    }
    Ok(reference)
}

/// A run folder's tables, read back for reports.
pub struct RunTables {
    pub manifest: serde_json::Value,
    pub documents: DataFrame,
    pub hits: DataFrame,
    pub trends: DataFrame,
    pub skipped: DataFrame,
}

/// Read every table of a run folder (Parquet or CSV, as its manifest says).
pub fn read_run(run: &Path) -> Result<RunTables> {
    let manifest = read_manifest(run, "give a folder written by `framewatch run`")?;
    Ok(RunTables {
        documents: read_table(run, &manifest, "documents")?,
        hits: read_table(run, &manifest, "hits")?,
        trends: read_table(run, &manifest, "trends")?,
        skipped: read_table(run, &manifest, "skipped")?,
        manifest,
    })
}

/// A column as numbers (null where missing or not a number).
pub fn column_f64(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df.column(name).and_then(|c| c.cast(&DataType::Float64)) {
        Ok(c) => c
            .f64()
            .map(|ca| ca.iter().collect())
            .unwrap_or_else(|_| vec![None; df.height()]),
        Err(_) => vec![None; df.height()],
    }
}

/// A column as text (null where missing).
pub fn column_str(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match df.column(name).and_then(|c| c.cast(&DataType::String)) {
        Ok(c) => c
            .str()
            .map(|ca| ca.iter().map(|v| v.map(String::from)).collect())
            .unwrap_or_else(|_| vec![None; df.height()]),
        Err(_) => vec![None; df.height()],
    }
}
