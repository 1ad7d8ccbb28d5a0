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
use crate::model::{DatePrecision, DocResult, Hit, Skipped, Stance};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// Documents converted to table rows at a time.
pub const ROW_GROUP_DOCS: usize = 512;
/// Rows per Parquet row group of the documents and hits tables. Row
/// groups depend only on the sequence of rows written (never on batches
/// or threads), so `merge` rebuilds a single run's files byte for byte;
/// and a writer keeps metadata per row group, so they must not be small.
pub const DOCUMENT_ROWS_PER_GROUP: usize = 16_384;
pub const HIT_ROWS_PER_GROUP: usize = 65_536;

/// Rows per row group: `default`, or `FRAMEWATCH_ROWS_PER_GROUP` (both
/// tables) when set, for tests that need many groups from small inputs
/// and for tuning readers. A run and its merge must use the same value.
fn rows_per_group(default: usize) -> usize {
    std::env::var("FRAMEWATCH_ROWS_PER_GROUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(default)
}

/// A [`Sink`] that writes rows in groups of exactly `rows` (the last
/// group holds the rest), however they are pushed.
struct GroupedSink {
    sink: Sink,
    path: PathBuf,
    rows: usize,
    buf: Option<DataFrame>,
}

impl GroupedSink {
    fn create(path: PathBuf, format: Format, schema: &Schema, rows: usize) -> Result<GroupedSink> {
        Ok(GroupedSink {
            sink: Sink::create(&path, format, schema)?,
            path,
            rows: rows_per_group(rows),
            buf: None,
        })
    }

    fn push(&mut self, df: DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        match &mut self.buf {
            None => self.buf = Some(df),
            Some(b) => {
                b.vstack_mut_owned(df).map_err(pe(&self.path))?;
            }
        }
        while self.buf.as_ref().is_some_and(|b| b.height() >= self.rows) {
            let b = self.buf.take().expect("checked");
            let mut group = b.slice(0, self.rows);
            let rest = b.slice(self.rows as i64, b.height() - self.rows);
            drop(b);
            group.rechunk_mut();
            self.sink.write(&group, &self.path)?;
            if rest.height() > 0 {
                let mut rest = rest;
                rest.rechunk_mut();
                self.buf = Some(rest);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if let Some(mut b) = self.buf.take() {
            b.rechunk_mut();
            self.sink.write(&b, &self.path)?;
        }
        self.sink.finish(&self.path)
    }
}

/// Returns free heap memory to the system when dropped (glibc keeps the
/// memory freed by many threads in per-thread arenas, fragmented, so a
/// long run's resident size would otherwise grow with the corpus).
struct TrimOnDrop;

impl Drop for TrimOnDrop {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            unsafe extern "C" {
                fn malloc_trim(pad: usize) -> i32;
            }
            // SAFETY: malloc_trim only releases free memory; it takes no
            // pointers and is safe to call from any thread at any time.
            unsafe {
                malloc_trim(0);
            }
        }
    }
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
    hits: GroupedSink,
    hits_tmp: PathBuf,
    docs: GroupedSink,
    docs_tmp: PathBuf,
    /// Documents tagged but not yet written (less than a row group).
    pending: Vec<DocResult>,
    trends: aggregate::TrendCells,
    /// For a shard: each written document's position in the whole corpus.
    ordinals: Vec<u64>,
    sharded: bool,
    poles: (usize, usize),
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
            hits: GroupedSink::create(
                hits_tmp.clone(),
                format,
                hits_frame(lexicon, tagger, &[]).map_err(pe(dir))?.schema(),
                HIT_ROWS_PER_GROUP,
            )?,
            docs: GroupedSink::create(
                docs_tmp.clone(),
                format,
                empty.schema(),
                DOCUMENT_ROWS_PER_GROUP,
            )?,
            extra_names,
            hits_tmp,
            docs_tmp,
            pending: Vec::with_capacity(ROW_GROUP_DOCS),
            trends: aggregate::TrendCells::new(lexicon.categories.len(), lexicon.subframes.len()),
            ordinals: Vec::new(),
            sharded: options.shard.is_some(),
            poles: score::poles(lexicon),
            skipped: Vec::new(),
            totals: Totals {
                categories: vec![0; lexicon.categories.len()],
                ..Totals::default()
            },
        })
    }

    /// Take a batch of documents (in input order); full row groups are
    /// written at once, and only what trends need is kept.
    pub fn add_docs(
        &mut self,
        lexicon: &Lexicon,
        tagger: &Tagger,
        docs: Vec<DocResult>,
    ) -> Result<()> {
        for d in docs {
            self.pending.push(d);
            if self.pending.len() == ROW_GROUP_DOCS {
                self.flush(lexicon, tagger)?;
            }
        }
        Ok(())
    }

    /// Write the pending documents as one row group of each table.
    fn flush(&mut self, lexicon: &Lexicon, tagger: &Tagger) -> Result<()> {
        // The row group's documents (allocated by the workers) are freed
        // at the end; give the freed memory back then (dropped last), so
        // that peak RSS does not creep up with the number of row groups.
        let _trim = TrimOnDrop;
        let docs = std::mem::take(&mut self.pending);
        let hits = hits_frame(lexicon, tagger, &docs).map_err(pe(&self.hits_tmp))?;
        self.hits.push(hits)?;
        let frame = documents_frame(&self.extra_names, lexicon, self.by, &docs)
            .map_err(pe(&self.docs_tmp))?;
        self.docs.push(frame)?;

        let mut key: Vec<Option<String>> = Vec::with_capacity(1 + self.group_fields.len());
        let mut counts: Vec<u64> = Vec::new();
        for d in &docs {
            let cats = score::category_counts(lexicon, &d.subframe_hits, Stance::Endorsed);
            let coarse = d.meta.date.is_some_and(|x| self.by.finer_than(x.precision));
            key.clear();
            key.push(Some(self.by.label(d.meta.date)));
            key.extend(self.group_fields.iter().map(|f| f.value(d)));
            counts.clear();
            counts.extend_from_slice(&cats);
            counts.extend(score::category_counts(
                lexicon,
                &d.subframe_hits,
                Stance::Negated,
            ));
            counts.extend(score::category_counts(
                lexicon,
                &d.subframe_hits,
                Stance::Distanced,
            ));
            counts.extend(score::category_totals(lexicon, &d.no_context));
            let subframes: Vec<u64> = d
                .subframe_hits
                .iter()
                .map(|s| s[Stance::Endorsed as usize])
                .collect();
            self.trends.add(
                &aggregate::TrendDoc {
                    key: &key,
                    period_start: d.meta.date.map(|x| epoch_days(self.by.bucket(x.date).1)),
                    coarse,
                    tokens: d.words,
                    counts: &counts,
                    subframes: &subframes,
                },
                self.poles.0,
                self.poles.1,
            );
            if self.sharded {
                self.ordinals.push(d.meta.ordinal as u64);
            }
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
        }
        Ok(())
    }

    pub fn add_skipped(&mut self, s: Skipped) {
        self.skipped.push(s);
    }

    /// Finish the streamed tables, write trends, skipped and the manifest.
    /// Totals over every document added so far (writes what is pending:
    /// call once all documents are in, before [`RunWriter::finish`]).
    pub fn totals(&mut self, tagger: &Tagger) -> Result<&Totals> {
        if !self.pending.is_empty() {
            self.flush(&tagger.lexicon, tagger)?;
        }
        Ok(&self.totals)
    }

    pub fn finish(
        mut self,
        corpus: &Corpus,
        tagger: &Tagger,
        options: &RunOptions,
    ) -> Result<Manifest> {
        let lexicon = &tagger.lexicon;
        if !self.pending.is_empty() {
            self.flush(lexicon, tagger)?;
        }
        let ext = self.format.ext();
        self.hits.finish()?;
        self.docs.finish()?;

        let names = TableNames::of(lexicon);
        let trend_rows = write_trends(
            &self.dir,
            self.format,
            std::mem::take(&mut self.trends),
            &self.group_columns,
            &names,
            options,
        )?;
        self.skipped.sort();
        let mut skipped_df = skipped_frame(&self.skipped).map_err(pe(&self.dir))?;
        let tmp = tmp_path(&self.dir, &format!("skipped.{ext}"));
        write_df(&mut skipped_df, &tmp, self.format)?;
        rename(&tmp, &self.dir.join(format!("skipped.{ext}")))?;
        rename(&self.docs_tmp, &self.dir.join(format!("documents.{ext}")))?;
        rename(&self.hits_tmp, &self.dir.join(format!("hits.{ext}")))?;

        let mut skipped_by_reason = std::collections::BTreeMap::new();
        for s in &self.skipped {
            *skipped_by_reason
                .entry(s.reason.to_string())
                .or_insert(0usize) += 1;
        }
        let t = &self.totals;
        let shard = match options.shard {
            Some(sh) => Some(ShardManifest {
                index: sh.index,
                count: sh.count,
                group_columns: self.group_columns.clone(),
                ordinals: std::mem::take(&mut self.ordinals),
            }),
            None => None,
        };
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            framewatch_version: env!("CARGO_PKG_VERSION").to_string(),
            lexicon: LexiconInfo::of(lexicon),
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
                trend_rows,
            },
            tables: table_files(self.format),
            shard,
        };
        write_manifest(&self.dir, &manifest)?;
        Ok(manifest)
    }
}

/// The four table files of a run folder.
pub fn table_files(format: Format) -> Vec<String> {
    ["documents", "hits", "trends", "skipped"]
        .iter()
        .map(|t| format!("{t}.{}", format.ext()))
        .collect()
}

/// Write `manifest.json` (under a temporary name, then renamed).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_string_pretty(manifest).map_err(|e| Error::output(dir, e))? + "\n";
    let tmp = tmp_path(dir, "manifest.json");
    std::fs::write(&tmp, json).map_err(|e| Error::output(&tmp, e))?;
    rename(&tmp, &dir.join("manifest.json"))
}

/// Category and sub-frame column names, and which categories are the poles.
pub struct TableNames {
    pub categories: Vec<String>,
    pub subframe_columns: Vec<String>,
    pub behavioural: usize,
    pub structural: usize,
}

impl TableNames {
    pub fn of(lexicon: &Lexicon) -> TableNames {
        let (b, s) = score::poles(lexicon);
        TableNames {
            categories: lexicon.categories.iter().map(|c| c.name.clone()).collect(),
            subframe_columns: (0..lexicon.subframes.len())
                .map(|i| subframe_column(lexicon, i))
                .collect(),
            behavioural: b,
            structural: s,
        }
    }
}

/// Turn accumulated cells into the trends table (sums, rates, share,
/// balance, bootstrap intervals, low_n) and write it; returns its rows.
fn write_trends(
    dir: &Path,
    format: Format,
    cells: aggregate::TrendCells,
    group_columns: &[String],
    names: &TableNames,
    options: &RunOptions,
) -> Result<usize> {
    let stance_cols: Vec<String> = STANCE_PREFIXES[1..]
        .iter()
        .flat_map(|p| names.categories.iter().map(move |c| format!("{p}_{c}")))
        .collect();
    let spec = TrendSpec {
        groups: group_columns,
        categories: &names.categories,
        stance_columns: &stance_cols,
        subframe_columns: &names.subframe_columns,
        behavioural: names.behavioural,
        structural: names.structural,
    };
    let (per_cell, intervals) = cells.finish(&spec, options.bootstrap, options.seed)?;
    let trends = aggregate::trends(&per_cell, &spec)?;
    drop(per_cell);
    let mut trends = add_intervals(
        trends,
        group_columns,
        &intervals,
        options,
        &names.categories[names.behavioural],
        &names.categories[names.structural],
    )
    .map_err(pe(dir))?;
    let ext = format.ext();
    let tmp = tmp_path(dir, &format!("trends.{ext}"));
    write_df(&mut trends, &tmp, format)?;
    rename(&tmp, &dir.join(format!("trends.{ext}")))?;
    Ok(trends.height())
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
    let rows: Vec<SkippedRow> = skipped
        .iter()
        .map(|s| {
            (
                s.path.clone(),
                s.doc_id.clone(),
                s.reason.to_string(),
                s.detail.clone(),
                s.duplicate_of.clone(),
            )
        })
        .collect();
    skipped_rows_frame(&rows)
}

/// A skipped row as read back: path, doc_id, reason, detail,
/// duplicate_of (the order [`Skipped`] sorts by).
type SkippedRow = (String, Option<String>, String, String, Option<String>);

fn skipped_rows_frame(skipped: &[SkippedRow]) -> PolarsResult<DataFrame> {
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

/// Every option that shapes a run's output (thread count is not one).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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
    #[serde(default)]
    pub ingest: IngestSettings,
    /// `run --shard K/N`: this run holds shard K of N (absent otherwise).
    #[serde(
        default,
        skip_deserializing,
        skip_serializing_if = "Option::is_none",
        serialize_with = "shard_label"
    )]
    pub shard: Option<crate::shard::Shard>,
}

/// The reading options recorded in a run's manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
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

fn shard_label<S: serde::Serializer>(
    shard: &Option<crate::shard::Shard>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match shard {
        Some(sh) => s.serialize_str(&sh.label()),
        None => s.serialize_none(),
    }
}

/// What `merge` needs from a shard beyond its tables.
#[derive(Debug, Serialize)]
pub struct ShardManifest {
    pub index: u32,
    pub count: u32,
    /// The trends group-by columns as named in the documents table.
    pub group_columns: Vec<String>,
    /// Each row of this shard's documents table: its position in the
    /// whole corpus's input order, which `merge` restores.
    pub ordinals: Vec<u64>,
}

impl LexiconInfo {
    pub fn of(lexicon: &Lexicon) -> LexiconInfo {
        LexiconInfo {
            name: lexicon.name.clone(),
            version: lexicon.version.clone(),
            sha256: lexicon.sha256.clone(),
            origin: lexicon.origin.clone(),
            language: lexicon.language.clone(),
            categories: lexicon.categories.len(),
            subframes: lexicon.subframes.len(),
            entries: lexicon.entries.len(),
        }
    }
}

#[derive(Debug, Serialize, serde::Deserialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardManifest>,
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
    crate::atomic::write_with(path, |tmp| write_kwic_to(lines, tmp, path, format))
}

/// [`write_kwic`] at `tmp`; errors name `path`.
fn write_kwic_to(
    lines: &[crate::kwic::Line],
    tmp: &Path,
    path: &Path,
    format: KwicFormat,
) -> Result<()> {
    match format {
        KwicFormat::Jsonl => {
            use std::io::Write;
            let file = File::create(tmp).map_err(|e| Error::output(path, e))?;
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
                tmp,
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

/// One shard's run folder, as `merge` reads it.
struct ShardRun {
    dir: PathBuf,
    manifest: serde_json::Value,
    index: u32,
    count: u32,
    ordinals: Vec<u64>,
    group_columns: Vec<String>,
}

fn merge_err(msg: String, hint: &str) -> Error {
    Error::usage(msg, Some(hint.to_string()))
}

impl ShardRun {
    fn open(dir: &Path) -> Result<ShardRun> {
        let manifest = read_manifest(
            dir,
            "merge takes folders written by `framewatch run --shard K/N`",
        )?;
        let shard = &manifest["shard"];
        if !shard.is_object() {
            return Err(merge_err(
                format!(
                    "{}: not a shard run (its manifest has no \"shard\")",
                    dir.display()
                ),
                "write each shard with `framewatch run --shard K/N --out DIR`",
            ));
        }
        let num = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
        let ordinals: Vec<u64> = shard["ordinals"]
            .as_array()
            .map(|a| a.iter().map(num).collect())
            .unwrap_or_default();
        let group_columns = shard["group_columns"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ShardRun {
            dir: dir.to_path_buf(),
            index: num(&shard["index"]) as u32,
            count: num(&shard["count"]) as u32,
            ordinals,
            group_columns,
            manifest,
        })
    }

    /// The manifest parts that must agree between shards of one run.
    fn identity(&self) -> serde_json::Value {
        let mut options = self.manifest["options"].clone();
        if let Some(o) = options.as_object_mut() {
            o.remove("out");
            o.remove("shard");
        }
        serde_json::json!({
            "schema_version": self.manifest["schema_version"],
            "framewatch_version": self.manifest["framewatch_version"],
            "lexicon": self.manifest["lexicon"],
            "options": options,
            "unlisted_files": self.manifest["counts"]["unlisted_files"],
            "hidden_files": self.manifest["counts"]["hidden_files"],
        })
    }
}

/// Sequential reader of one shard's hits table, a window of rows at a time.
struct HitsCursor {
    path: PathBuf,
    parquet: bool,
    window: DataFrame,
    start: usize,
}

const HITS_WINDOW: usize = 1 << 16;

impl HitsCursor {
    fn open(run: &ShardRun, format: Format) -> Result<HitsCursor> {
        let path = run.dir.join(format!("hits.{}", format.ext()));
        let parquet = format == Format::Parquet;
        let window = if parquet {
            DataFrame::empty()
        } else {
            read_table(&run.dir, &run.manifest, "hits")?
        };
        Ok(HitsCursor {
            path,
            parquet,
            window,
            start: 0,
        })
    }

    /// Rows `from..from + len` (each shard is read front to back).
    fn rows(&mut self, from: usize, len: usize) -> Result<DataFrame> {
        let end = from + len;
        if self.parquet && (from < self.start || end > self.start + self.window.height()) {
            let file = File::open(&self.path).map_err(|e| Error::output(&self.path, e))?;
            self.window = ParquetReader::new(file)
                .with_slice(Some((from, len.max(HITS_WINDOW))))
                .finish()
                .map_err(pe(&self.path))?;
            self.start = from;
        }
        if end > self.start + self.window.height() {
            return Err(Error::usage(
                format!(
                    "{}: has fewer hits than its documents table counts",
                    self.path.display()
                ),
                Some(
                    "the shard folder is incomplete or was changed; run that shard again"
                        .to_string(),
                ),
            ));
        }
        Ok(self.window.slice((from - self.start) as i64, len))
    }
}

/// Combine the folders of `run --shard K/N` jobs (all N of them) into
/// `out`: exactly the files one run over the whole corpus writes, with
/// trends recomputed from the documents, never averaged. Memory: the
/// documents tables and a window of each shard's hits.
pub fn merge_runs(runs: &[PathBuf], out: &Path, out_label: &str) -> Result<Manifest> {
    let mut shards = runs
        .iter()
        .map(|d| ShardRun::open(d))
        .collect::<Result<Vec<_>>>()?;
    shards.sort_by_key(|s| s.index);
    let n = shards[0].count;
    let hint = "give every shard folder of one run, each written with the same options and lexicon";
    for s in &shards {
        if s.count != n {
            return Err(merge_err(
                format!(
                    "{}: shard {}/{} does not belong with {}/{}",
                    s.dir.display(),
                    s.index,
                    s.count,
                    shards[0].index,
                    n
                ),
                hint,
            ));
        }
        if s.identity() != shards[0].identity() {
            return Err(merge_err(
                format!(
                    "{} and {}: the shards were run with different options, lexicon or framewatch version",
                    shards[0].dir.display(),
                    s.dir.display()
                ),
                hint,
            ));
        }
    }
    for w in shards.windows(2) {
        if w[0].index == w[1].index {
            return Err(merge_err(
                format!(
                    "shard {}/{n} is given twice ({} and {})",
                    w[0].index,
                    w[0].dir.display(),
                    w[1].dir.display()
                ),
                hint,
            ));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !shards.iter().any(|s| s.index == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(merge_err(
            format!("missing shards: {}", missing.join(", ")),
            hint,
        ));
    }
    let first = &shards[0].manifest;
    let mut options: RunOptions =
        serde_json::from_value(first["options"].clone()).map_err(|e| {
            merge_err(
                format!("{}: options unreadable: {e}", shards[0].dir.display()),
                hint,
            )
        })?;
    options.out = out_label.to_string();
    options.shard = None;
    let lexicon: LexiconInfo = serde_json::from_value(first["lexicon"].clone()).map_err(|e| {
        merge_err(
            format!("{}: lexicon unreadable: {e}", shards[0].dir.display()),
            hint,
        )
    })?;
    let format = options.format;
    let ext = format.ext();
    let group_columns = shards[0].group_columns.clone();

    // Documents of every shard, one table; rows put back in input order.
    let mut all: Option<DataFrame> = None;
    let mut owner: Vec<(usize, u64)> = Vec::new(); // per row: (shard, ordinal)
    for (si, s) in shards.iter().enumerate() {
        let docs = read_table(&s.dir, &s.manifest, "documents")?;
        if docs.height() != s.ordinals.len() {
            return Err(merge_err(
                format!(
                    "{}: documents table and manifest disagree ({} rows, {} ordinals)",
                    s.dir.display(),
                    docs.height(),
                    s.ordinals.len()
                ),
                "the shard folder is incomplete or was changed; run that shard again",
            ));
        }
        owner.extend(s.ordinals.iter().map(|&o| (si, o)));
        match &mut all {
            None => all = Some(docs),
            Some(a) => {
                a.vstack_mut_owned(docs).map_err(pe(&s.dir))?;
            }
        }
    }
    let mut all = all.expect("at least one shard");
    all.rechunk_mut();
    let mut order: Vec<usize> = (0..owner.len()).collect();
    order.sort_by_key(|&r| owner[r].1);
    if let Some(w) = order.windows(2).find(|w| owner[w[0]].1 == owner[w[1]].1) {
        return Err(merge_err(
            format!("document {} appears in two shards", owner[w[0]].1),
            "the shards were not cut from the same corpus",
        ));
    }

    // Where each document's hits start in its shard's hits table.
    let names = names_from_documents(&all)?;
    let hits_total = column_f64(&all, "hits");
    let no_ctx: Vec<Vec<Option<f64>>> = names
        .categories
        .iter()
        .map(|c| column_f64(&all, &format!("no_context_{c}")))
        .collect();
    let nhits: Vec<usize> = (0..all.height())
        .map(|r| {
            (hits_total[r].unwrap_or(0.0) + no_ctx.iter().map(|v| v[r].unwrap_or(0.0)).sum::<f64>())
                as usize
        })
        .collect();
    let mut hit_start = vec![0usize; all.height()];
    let mut next = vec![0usize; shards.len()];
    for r in 0..all.height() {
        let s = owner[r].0;
        hit_start[r] = next[s];
        next[s] += nhits[r];
    }

    std::fs::create_dir_all(out)
        .map_err(|e| Error::output(out, format!("cannot create output folder: {e}")))?;
    let mut cursors = shards
        .iter()
        .map(|s| HitsCursor::open(s, format))
        .collect::<Result<Vec<_>>>()?;
    let docs_tmp = tmp_path(out, &format!("documents.{ext}"));
    let hits_tmp = tmp_path(out, &format!("hits.{ext}"));
    let mut docs_sink = GroupedSink::create(
        docs_tmp.clone(),
        format,
        all.schema(),
        DOCUMENT_ROWS_PER_GROUP,
    )?;
    let hits_schema = hits_schema(&shards[0], format)?;
    let mut hits_sink =
        GroupedSink::create(hits_tmp.clone(), format, &hits_schema, HIT_ROWS_PER_GROUP)?;

    let trend_in = TrendInputs::read(&all, &names, &group_columns, &options)?;
    let mut cells =
        aggregate::TrendCells::new(names.categories.len(), names.subframe_columns.len());
    let mut key = Vec::new();
    for chunk in order.chunks(ROW_GROUP_DOCS) {
        let idx = IdxCa::from_vec("".into(), chunk.iter().map(|&r| r as IdxSize).collect());
        docs_sink.push(all.take(&idx).map_err(pe(out))?)?;
        let mut hits: Option<DataFrame> = None;
        for &r in chunk {
            if nhits[r] == 0 {
                continue;
            }
            let part = cursors[owner[r].0].rows(hit_start[r], nhits[r])?;
            match &mut hits {
                None => hits = Some(part),
                Some(h) => {
                    h.vstack_mut_owned(part).map_err(pe(out))?;
                }
            }
        }
        if let Some(h) = hits {
            hits_sink.push(h)?;
        }
        for &r in chunk {
            trend_in.add(r, &mut key, &mut cells, &names);
        }
    }
    docs_sink.finish()?;
    hits_sink.finish()?;
    let trend_rows = write_trends(out, format, cells, &group_columns, &names, &options)?;

    let mut skipped: Vec<SkippedRow> = Vec::new();
    for s in &shards {
        let df = read_table(&s.dir, &s.manifest, "skipped")?;
        let [path, doc_id, reason, detail, dup] =
            ["path", "doc_id", "reason", "detail", "duplicate_of"].map(|c| column_str(&df, c));
        for ((((p, d), r), x), u) in path
            .into_iter()
            .zip(doc_id)
            .zip(reason)
            .zip(detail)
            .zip(dup)
        {
            skipped.push((
                p.unwrap_or_default(),
                d,
                r.unwrap_or_default(),
                x.unwrap_or_default(),
                u,
            ));
        }
    }
    skipped.sort();
    let mut skipped_df = skipped_rows_frame(&skipped).map_err(pe(out))?;
    let tmp = tmp_path(out, &format!("skipped.{ext}"));
    write_df(&mut skipped_df, &tmp, format)?;
    rename(&tmp, &out.join(format!("skipped.{ext}")))?;
    rename(&docs_tmp, &out.join(format!("documents.{ext}")))?;
    rename(&hits_tmp, &out.join(format!("hits.{ext}")))?;

    let sum = |k: &str| -> u64 {
        shards
            .iter()
            .map(|s| s.manifest["counts"][k].as_u64().unwrap_or(0))
            .sum()
    };
    let mut skipped_by_reason = BTreeMap::new();
    for s in &skipped {
        *skipped_by_reason.entry(s.2.clone()).or_insert(0usize) += 1;
    }
    let c0 = &first["counts"];
    let manifest = Manifest {
        schema_version: first["schema_version"].as_u64().unwrap_or(0) as u32,
        framewatch_version: first["framewatch_version"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        lexicon,
        options,
        counts: Counts {
            inputs: (sum("documents_read") as usize) + skipped.len(),
            documents_read: sum("documents_read") as usize,
            documents_skipped: skipped.len(),
            duplicates: sum("duplicates") as usize,
            warnings: sum("warnings") as usize,
            skipped_by_reason,
            undated: sum("undated") as usize,
            coarse_dates: sum("coarse_dates") as usize,
            unlisted_files: c0["unlisted_files"].as_u64().unwrap_or(0) as usize,
            hidden_files: c0["hidden_files"].as_u64().unwrap_or(0) as usize,
            tokens: sum("tokens"),
            hits: sum("hits"),
            negated: sum("negated"),
            distanced: sum("distanced"),
            no_context: sum("no_context"),
            trend_rows,
        },
        tables: table_files(format),
        shard: None,
    };
    write_manifest(out, &manifest)?;
    Ok(manifest)
}

/// The hits table's schema, from shard 1's file.
fn hits_schema(run: &ShardRun, format: Format) -> Result<Schema> {
    let path = run.dir.join(format!("hits.{}", format.ext()));
    let df = if format == Format::Parquet {
        let file = File::open(&path).map_err(|e| Error::output(&path, e))?;
        ParquetReader::new(file)
            .with_slice(Some((0, 0)))
            .finish()
            .map_err(pe(&path))?
    } else {
        read_table(&run.dir, &run.manifest, "hits")?.slice(0, 0)
    };
    Ok(df.schema().as_ref().clone())
}

/// Category and sub-frame names as a documents table spells them:
/// `rate_<category>` columns in lexicon order, `hits_<cat>__<sub>`.
fn names_from_documents(docs: &DataFrame) -> Result<TableNames> {
    let cols: Vec<String> = docs
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let categories: Vec<String> = cols
        .iter()
        .filter_map(|c| c.strip_prefix("rate_").map(String::from))
        .collect();
    let subframe_columns: Vec<String> = cols
        .iter()
        .filter(|c| c.starts_with("hits_") && c.contains("__"))
        .cloned()
        .collect();
    let pos = |name: &str| {
        categories.iter().position(|c| c == name).ok_or_else(|| {
            Error::usage(
                format!("the documents table has no rate_{name} column"),
                Some("merge reads folders written by `framewatch run --shard K/N`".to_string()),
            )
        })
    };
    Ok(TableNames {
        behavioural: pos(crate::lexicon::BEHAVIOURAL)?,
        structural: pos(crate::lexicon::STRUCTURAL)?,
        categories,
        subframe_columns,
    })
}

/// The documents-table columns trends are computed from, read once.
struct TrendInputs {
    by: Period,
    period: Vec<Option<String>>,
    period_start: Vec<Option<i32>>,
    precision: Vec<Option<String>>,
    groups: Vec<Vec<Option<String>>>,
    tokens: Vec<Option<f64>>,
    /// `[stance prefix × category]` columns, then sub-frame columns.
    counts: Vec<Vec<Option<f64>>>,
    subframes: Vec<Vec<Option<f64>>>,
}

impl TrendInputs {
    fn read(
        docs: &DataFrame,
        names: &TableNames,
        groups: &[String],
        options: &RunOptions,
    ) -> Result<TrendInputs> {
        let period_start = column_str(docs, "period_start")
            .into_iter()
            .map(|v| {
                v.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                    .map(epoch_days)
            })
            .collect();
        for g in groups {
            if docs.column(g).is_err() {
                return Err(Error::usage(
                    format!("the documents table has no \"{g}\" column to group trends by"),
                    None,
                ));
            }
        }
        Ok(TrendInputs {
            by: options.by,
            period: column_str(docs, "period"),
            period_start,
            precision: column_str(docs, "date_precision"),
            groups: groups.iter().map(|g| column_str(docs, g)).collect(),
            tokens: column_f64(docs, "tokens"),
            counts: STANCE_PREFIXES
                .iter()
                .flat_map(|p| names.categories.iter().map(move |c| format!("{p}_{c}")))
                .map(|c| column_f64(docs, &c))
                .collect(),
            subframes: names
                .subframe_columns
                .iter()
                .map(|c| column_f64(docs, c))
                .collect(),
        })
    }

    fn add(
        &self,
        r: usize,
        key: &mut Vec<Option<String>>,
        cells: &mut aggregate::TrendCells,
        names: &TableNames,
    ) {
        let num = |v: &Vec<Option<f64>>| v[r].unwrap_or(0.0) as u64;
        key.clear();
        key.push(self.period[r].clone());
        key.extend(self.groups.iter().map(|g| g[r].clone()));
        let precision = match self.precision[r].as_deref() {
            Some("day") => Some(DatePrecision::Day),
            Some("month") => Some(DatePrecision::Month),
            Some("year") => Some(DatePrecision::Year),
            _ => None,
        };
        let counts: Vec<u64> = self.counts.iter().map(num).collect();
        let subframes: Vec<u64> = self.subframes.iter().map(num).collect();
        cells.add(
            &aggregate::TrendDoc {
                key,
                period_start: self.period_start[r],
                coarse: precision.is_some_and(|p| self.by.finer_than(p)),
                tokens: num(&self.tokens),
                counts: &counts,
                subframes: &subframes,
            },
            names.behavioural,
            names.structural,
        );
    }
}
