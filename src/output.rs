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
use crate::model::{DocResult, Skipped};
use crate::pipeline::Tagger;
use crate::score;
use polars::prelude::*;
use serde::Serialize;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Bump when a table's columns change meaning or shape.
pub const SCHEMA_VERSION: u32 = 1;

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

enum HitsSink {
    Parquet(polars::io::parquet::write::BatchedWriter<BufWriter<File>>),
    Csv(polars::io::csv::write::BatchedWriter<BufWriter<File>>),
}

/// Writes one run's outputs into a folder.
pub struct RunWriter {
    dir: PathBuf,
    format: Format,
    hits: HitsSink,
    hits_tmp: PathBuf,
    hits_schema: Schema,
    hit_rows: u64,
    docs: Vec<DocResult>,
    skipped: Vec<Skipped>,
}

fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

fn hits_schema() -> Schema {
    Schema::from_iter([
        Field::new("doc_id".into(), DataType::String),
        Field::new("hit".into(), DataType::UInt32),
        Field::new("category".into(), DataType::String),
        Field::new("subframe".into(), DataType::String),
        Field::new("entry".into(), DataType::String),
        Field::new("entry_line".into(), DataType::UInt32),
        Field::new("match".into(), DataType::String),
        Field::new("surface".into(), DataType::String),
        Field::new("word_start".into(), DataType::UInt32),
        Field::new("word_end".into(), DataType::UInt32),
        Field::new("byte_start".into(), DataType::UInt32),
        Field::new("byte_end".into(), DataType::UInt32),
        Field::new("sentence".into(), DataType::UInt32),
        Field::new("paragraph".into(), DataType::UInt32),
    ])
}

fn write_df(df: &mut DataFrame, path: &Path, format: Format) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::output(path, e))?;
    let w = BufWriter::new(file);
    match format {
        Format::Parquet => {
            ParquetWriter::new(w).finish(df).map_err(pe(path))?;
        }
        Format::Csv => {
            CsvWriter::new(w).include_header(true).finish(df).map_err(pe(path))?;
        }
    }
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::output(to, e))
}

impl RunWriter {
    pub fn create(dir: &Path, format: Format) -> Result<RunWriter> {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, format!("cannot create output folder: {e}")))?;
        let hits_tmp = tmp_path(dir, &format!("hits.{}", format.ext()));
        let file = BufWriter::new(File::create(&hits_tmp).map_err(|e| Error::output(&hits_tmp, e))?);
        let schema = hits_schema();
        let hits = match format {
            Format::Parquet => HitsSink::Parquet(ParquetWriter::new(file).batched(&schema).map_err(pe(&hits_tmp))?),
            Format::Csv => HitsSink::Csv(CsvWriter::new(file).include_header(true).batched(&schema).map_err(pe(&hits_tmp))?),
        };
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            format,
            hits,
            hits_tmp,
            hits_schema: schema,
            hit_rows: 0,
            docs: Vec::new(),
            skipped: Vec::new(),
        })
    }

    /// Stream one document's hits to disk and keep its counts.
    pub fn add_docs(&mut self, lexicon: &Lexicon, tagger: &Tagger, mut docs: Vec<DocResult>) -> Result<()> {
        let df = hits_frame(lexicon, tagger, &docs).map_err(pe(&self.hits_tmp))?;
        if df.height() > 0 {
            debug_assert_eq!(df.schema().as_ref(), &self.hits_schema);
            self.hit_rows += df.height() as u64;
            match &mut self.hits {
                HitsSink::Parquet(w) => w.write_batch(&df),
                HitsSink::Csv(w) => w.write_batch(&df),
            }
            .map_err(pe(&self.hits_tmp))?;
        }
        for d in &mut docs {
            d.hits = Vec::new();
        }
        self.docs.extend(docs);
        Ok(())
    }

    pub fn add_skipped(&mut self, s: Skipped) {
        self.skipped.push(s);
    }

    pub fn documents(&self) -> &[DocResult] {
        &self.docs
    }

    pub fn hit_rows(&self) -> u64 {
        self.hit_rows
    }

    /// Write the remaining tables and the manifest; returns the manifest.
    pub fn finish(mut self, corpus: &Corpus, lexicon: &Lexicon, options: &RunOptions) -> Result<Manifest> {
        let by = options.by;
        let groups = &options.group;
        let ext = self.format.ext();
        match &mut self.hits {
            HitsSink::Parquet(w) => w.finish().map(|_| ()),
            HitsSink::Csv(w) => w.finish(),
        }
        .map_err(pe(&self.hits_tmp))?;
        drop(self.hits);

        let (b, s) = score::poles(lexicon);
        let cat_names: Vec<String> = lexicon.categories.iter().map(|c| c.name.clone()).collect();
        let sub_cols: Vec<String> = (0..lexicon.subframes.len()).map(|i| subframe_column(lexicon, i)).collect();

        let mut docs_df = documents_frame(corpus, lexicon, by, &self.docs).map_err(pe(&self.dir))?;
        let spec = TrendSpec { groups, categories: &cat_names, subframe_columns: &sub_cols, behavioural: b, structural: s };
        let mut trends = aggregate::trends(&docs_df, &spec)?;
        // `documents` and `coarse_dates` are helper columns for grouping.
        docs_df = docs_df.drop_many(["documents", "coarse_dates"]);

        self.skipped.sort();
        let mut skipped_df = skipped_frame(&self.skipped).map_err(pe(&self.dir))?;

        for (name, df) in [("documents", &mut docs_df), ("trends", &mut trends), ("skipped", &mut skipped_df)] {
            let tmp = tmp_path(&self.dir, &format!("{name}.{ext}"));
            write_df(df, &tmp, self.format)?;
            rename(&tmp, &self.dir.join(format!("{name}.{ext}")))?;
        }
        rename(&self.hits_tmp, &self.dir.join(format!("hits.{ext}")))?;

        let undated = self.docs.iter().filter(|d| d.meta.date.is_none()).count();
        let coarse = self.docs.iter().filter(|d| d.meta.date.is_some_and(|x| by.finer_than(x.precision))).count();
        let mut skipped_by_reason = std::collections::BTreeMap::new();
        for s in &self.skipped {
            *skipped_by_reason.entry(s.reason.to_string()).or_insert(0usize) += 1;
        }
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
                inputs: corpus.docs.len() + corpus.skipped.len(),
                documents_read: self.docs.len(),
                documents_skipped: self.skipped.len(),
                skipped_by_reason,
                undated,
                coarse_dates: coarse,
                unlisted_files: corpus.unlisted.len(),
                hidden_files: corpus.hidden,
                tokens: self.docs.iter().map(|d| d.words).sum(),
                hits: self.hit_rows,
                trend_rows: trends.height(),
            },
            tables: ["documents", "hits", "trends", "skipped"].iter().map(|t| format!("{t}.{ext}")).collect(),
        };
        let json = serde_json::to_string_pretty(&manifest).map_err(|e| Error::output(&self.dir, e))? + "\n";
        let tmp = tmp_path(&self.dir, "manifest.json");
        std::fs::write(&tmp, json).map_err(|e| Error::output(&tmp, e))?;
        rename(&tmp, &self.dir.join("manifest.json"))?;
        Ok(manifest)
    }
}

/// `hits_<category>__<subframe>`.
pub fn subframe_column(lexicon: &Lexicon, i: usize) -> String {
    let s = &lexicon.subframes[i];
    format!("hits_{}__{}", lexicon.categories[s.category].name, s.name)
}

fn hits_frame(lexicon: &Lexicon, tagger: &Tagger, docs: &[DocResult]) -> PolarsResult<DataFrame> {
    let n: usize = docs.iter().map(|d| d.hits.len()).sum();
    let mut doc_id = Vec::with_capacity(n);
    let mut hit = Vec::with_capacity(n);
    let mut category = Vec::with_capacity(n);
    let mut subframe = Vec::with_capacity(n);
    let mut entry = Vec::with_capacity(n);
    let mut line = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut surface = Vec::with_capacity(n);
    let (mut ws, mut we, mut bs, mut be, mut sent, mut para) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for d in docs {
        for (i, h) in d.hits.iter().enumerate() {
            let e = &lexicon.entries[h.entry as usize];
            let sf = &lexicon.subframes[e.subframe];
            doc_id.push(d.meta.doc_id.as_str());
            hit.push(i as u32);
            category.push(lexicon.categories[sf.category].name.as_str());
            subframe.push(sf.name.as_str());
            entry.push(e.text.as_str());
            line.push(e.line);
            kind.push(tagger.matcher.match_kind(h.entry).as_str());
            surface.push(h.surface.as_str());
            ws.push(h.word_start);
            we.push(h.word_end);
            bs.push(h.byte_start);
            be.push(h.byte_end);
            sent.push(h.sentence);
            para.push(h.paragraph);
        }
    }
    DataFrame::new(n, vec![
        Column::new("doc_id".into(), doc_id),
        Column::new("hit".into(), hit),
        Column::new("category".into(), category),
        Column::new("subframe".into(), subframe),
        Column::new("entry".into(), entry),
        Column::new("entry_line".into(), line),
        Column::new("match".into(), kind),
        Column::new("surface".into(), surface),
        Column::new("word_start".into(), ws),
        Column::new("word_end".into(), we),
        Column::new("byte_start".into(), bs),
        Column::new("byte_end".into(), be),
        Column::new("sentence".into(), sent),
        Column::new("paragraph".into(), para),
    ])
}

/// Metadata column names as they appear in tables: known fields, then
/// extra sidecar columns (prefixed `meta_` if they clash with ours).
pub fn extra_column_names(corpus: &Corpus, lexicon: &Lexicon) -> Vec<String> {
    let reserved = |name: &str| {
        matches!(
            name,
            "path" | "date" | "date_precision" | "date_source" | "period" | "period_start" | "bytes" | "tokens" | "sentences" | "hits" | "share" | "balance" | "documents" | "coarse_dates"
        ) || name.starts_with("hits_")
            || name.starts_with("rate_")
            || lexicon.categories.iter().any(|c| c.name == name)
    };
    corpus.extra_fields.iter().map(|f| if reserved(f) { format!("meta_{f}") } else { f.clone() }).collect()
}

fn documents_frame(corpus: &Corpus, lexicon: &Lexicon, by: Period, docs: &[DocResult]) -> PolarsResult<DataFrame> {
    let n = docs.len();
    let (b, s) = score::poles(lexicon);
    let mut cols: Vec<Column> = Vec::new();
    let text_col = |name: &str, f: &dyn Fn(&DocResult) -> Option<String>| Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>());
    cols.push(text_col("doc_id", &|d| Some(d.meta.doc_id.clone())));
    cols.push(text_col("path", &|d| Some(d.meta.path.clone())));
    let dates: Vec<Option<i32>> = docs.iter().map(|d| d.meta.date.map(|x| epoch_days(x.date))).collect();
    cols.push(Column::new("date".into(), dates).cast(&DataType::Date)?);
    cols.push(text_col("date_precision", &|d| d.meta.date.map(|x| x.precision.as_str().to_string())));
    cols.push(text_col("date_source", &|d| (!d.meta.date_source.is_empty()).then(|| d.meta.date_source.to_string())));
    cols.push(text_col("period", &|d| Some(by.label(d.meta.date))));
    let starts: Vec<Option<i32>> = docs.iter().map(|d| d.meta.date.map(|x| epoch_days(by.bucket(x.date).1))).collect();
    cols.push(Column::new("period_start".into(), starts).cast(&DataType::Date)?);
    cols.push(text_col("source", &|d| d.meta.source.clone()));
    cols.push(text_col("kind", &|d| d.meta.kind.clone()));
    cols.push(text_col("title", &|d| d.meta.title.clone()));
    for (i, name) in extra_column_names(corpus, lexicon).iter().enumerate() {
        cols.push(text_col(name, &|d| d.meta.extra.get(i).cloned().flatten()));
    }
    cols.push(Column::new("documents".into(), vec![1u32; n]));
    cols.push(Column::new("coarse_dates".into(), docs.iter().map(|d| d.meta.date.is_some_and(|x| by.finer_than(x.precision)) as u32).collect::<Vec<_>>()));
    cols.push(Column::new("bytes".into(), docs.iter().map(|d| d.bytes).collect::<Vec<_>>()));
    cols.push(Column::new("tokens".into(), docs.iter().map(|d| d.words).collect::<Vec<_>>()));
    cols.push(Column::new("sentences".into(), docs.iter().map(|d| d.sentences).collect::<Vec<_>>()));
    let cats: Vec<Vec<u64>> = docs.iter().map(|d| score::category_counts(lexicon, &d.subframe_hits)).collect();
    cols.push(Column::new("hits".into(), docs.iter().map(|d| d.subframe_hits.iter().sum::<u64>()).collect::<Vec<_>>()));
    for (ci, c) in lexicon.categories.iter().enumerate() {
        cols.push(Column::new(format!("hits_{}", c.name).into(), cats.iter().map(|v| v[ci]).collect::<Vec<_>>()));
    }
    for (ci, c) in lexicon.categories.iter().enumerate() {
        let r: Vec<Option<f64>> = cats.iter().zip(docs).map(|(v, d)| score::rate(v[ci], d.words)).collect();
        cols.push(Column::new(format!("rate_{}", c.name).into(), r));
    }
    cols.push(Column::new("share".into(), cats.iter().map(|v| score::share(v[b], v[s])).collect::<Vec<_>>()));
    cols.push(Column::new("balance".into(), cats.iter().map(|v| score::balance(v[b], v[s])).collect::<Vec<_>>()));
    for si in 0..lexicon.subframes.len() {
        cols.push(Column::new(subframe_column(lexicon, si).into(), docs.iter().map(|d| d.subframe_hits[si]).collect::<Vec<_>>()));
    }
    DataFrame::new(n, cols)
}

fn skipped_frame(skipped: &[Skipped]) -> PolarsResult<DataFrame> {
    DataFrame::new(skipped.len(), vec![
        Column::new("path".into(), skipped.iter().map(|s| s.path.as_str()).collect::<Vec<_>>()),
        Column::new("doc_id".into(), skipped.iter().map(|s| s.doc_id.as_deref()).collect::<Vec<_>>()),
        Column::new("reason".into(), skipped.iter().map(|s| s.reason).collect::<Vec<_>>()),
        Column::new("detail".into(), skipped.iter().map(|s| s.detail.as_str()).collect::<Vec<_>>()),
    ])
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
    pub skipped_by_reason: std::collections::BTreeMap<String, usize>,
    pub undated: usize,
    pub coarse_dates: usize,
    pub unlisted_files: usize,
    pub hidden_files: usize,
    pub tokens: u64,
    pub hits: u64,
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
