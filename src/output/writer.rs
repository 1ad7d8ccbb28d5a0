//! A run's tables, written as the pipeline hands on tagged documents:
//! hits and documents row group by row group, then trends (from the
//! run's [`Stats`]), skipped and the manifest at the end. The writer
//! only writes: scores come with the documents, statistics from
//! [`crate::aggregate`].
//!
//! Discovery runs alongside tagging, so the extra metadata columns of the
//! documents table are known only at the end. Documents are staged as
//! Parquet segments, each with the columns known when it began; at the
//! end a single segment that already has every column is the table, and
//! otherwise the segments are copied into it with the missing columns
//! null, in the same row groups.

use super::frames::{
    self, ModelColumns, TableNames, documents_frame, extra_column_names, hits_frame,
    sentences_frame,
};
use super::manifest::{self, Counts, LexiconInfo, Manifest, Measure, RunOptions, ShardManifest};
use super::sink::{
    DOCUMENT_ROWS_PER_GROUP, GroupedSink, HIT_ROWS_PER_GROUP, ROW_GROUP_DOCS, TrimOnDrop,
    read_parquet_rows,
};
use super::{Format, pe, rename, table_files, tmp_path, write_table};
use crate::aggregate::{KNOWN_FIELDS, Period, Shape, Stats};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::lexicon::Lexicon;
use crate::model::{DocResult, Skipped};
use crate::tagger::Tagger;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Writes one run's outputs into a folder.
pub struct RunWriter {
    dir: PathBuf,
    format: Format,
    by: Period,
    hits: GroupedSink,
    /// With a trained model: one row per sentence.
    sentences: Option<GroupedSink>,
    model: ModelColumns,
    measure: Measure,
    docs: DocTable,
    /// Documents tagged but not yet written (less than a row group).
    pending: Vec<DocResult>,
    /// For a shard: each written document's position in the whole corpus.
    ordinals: Vec<u64>,
    sharded: bool,
    skipped: Vec<Skipped>,
}

/// The columns of the documents table before the extra metadata columns.
const COLUMNS_BEFORE_EXTRAS: usize = 14;

impl RunWriter {
    pub fn create(dir: &Path, tagger: &Tagger, options: &RunOptions) -> Result<RunWriter> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::output(dir, format!("cannot create output folder: {e}")))?;
        let format = options.format;
        let hits_tmp = tmp_path(dir, &format!("hits.{}", format.ext()));
        let empty = hits_frame(&tagger.lexicon, &tagger.matcher, &[]).map_err(pe(dir))?;
        let model = model_columns(&tagger.lexicon, options);
        let sentences = match options.measure.model() {
            true => {
                let tmp = tmp_path(dir, &format!("sentences.{}", format.ext()));
                let empty = sentences_frame(&model, &[]).map_err(pe(dir))?;
                Some(GroupedSink::create(
                    tmp,
                    "sentences",
                    format,
                    empty.schema(),
                    HIT_ROWS_PER_GROUP,
                )?)
            }
            false => None,
        };
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            format,
            by: options.by,
            hits: GroupedSink::create(
                hits_tmp,
                "hits",
                format,
                empty.schema(),
                HIT_ROWS_PER_GROUP,
            )?,
            sentences,
            model,
            measure: options.measure,
            docs: DocTable::default(),
            pending: Vec::with_capacity(ROW_GROUP_DOCS),
            ordinals: Vec::new(),
            sharded: options.shard.is_some(),
            skipped: Vec::new(),
        })
    }

    /// Take a batch of documents (in input order); full row groups are
    /// written at once. `fields`: the extra metadata columns found so far.
    pub fn add_docs(
        &mut self,
        tagger: &Tagger,
        docs: Vec<DocResult>,
        fields: &[String],
    ) -> Result<()> {
        for d in docs {
            self.pending.push(d);
            if self.pending.len() == ROW_GROUP_DOCS {
                self.flush(tagger, fields)?;
            }
        }
        Ok(())
    }

    pub fn add_skipped(&mut self, s: Skipped) {
        self.skipped.push(s);
    }

    /// Write the pending documents as one row group of each table.
    fn flush(&mut self, tagger: &Tagger, fields: &[String]) -> Result<()> {
        // The row group's documents (allocated by the workers) are freed
        // at the end; give the freed memory back then (dropped last), so
        // that peak RSS does not creep up with the number of row groups.
        let _trim = TrimOnDrop;
        let docs = std::mem::take(&mut self.pending);
        let lexicon = &tagger.lexicon;
        let hits = hits_frame(lexicon, &tagger.matcher, &docs).map_err(pe(self.hits.path()))?;
        self.hits.push(hits)?;
        if let Some(sink) = &mut self.sentences {
            let rows = sentences_frame(&self.model, &docs).map_err(pe(sink.path()))?;
            sink.push(rows)?;
        }
        let names = extra_column_names(fields, lexicon);
        let frame =
            documents_frame(&names, lexicon, &self.model, self.by, &docs).map_err(pe(&self.dir))?;
        let frame = frames::keep_measures(frame, self.measure);
        self.docs.push(&self.dir, fields.len(), frame)?;
        if self.sharded {
            self.ordinals
                .extend(docs.iter().map(|d| d.meta.ordinal as u64));
        }
        Ok(())
    }

    /// Write what is pending, then trends (from `stats`), skipped and the
    /// manifest. `found`: what discovery found (its final metadata
    /// columns, unlisted and hidden files).
    pub fn finish(
        mut self,
        tagger: &Tagger,
        stats: Stats,
        found: &Corpus,
        options: &RunOptions,
    ) -> Result<Manifest> {
        let lexicon = &tagger.lexicon;
        let fields = &found.extra_fields;
        if !self.pending.is_empty() {
            self.flush(tagger, fields)?;
        }
        let ext = self.format.ext();
        let hits_tmp = self.hits.path().to_path_buf();
        self.hits.finish()?;
        let sentences_tmp = match self.sentences.take() {
            Some(sink) => {
                let path = sink.path().to_path_buf();
                sink.finish()?;
                Some(path)
            }
            None => None,
        };
        let extra_names = extra_column_names(fields, lexicon);
        let docs_tmp = tmp_path(&self.dir, &format!("documents.{ext}"));
        let docs = std::mem::take(&mut self.docs);
        let shape = (&self.model, self.measure);
        docs.finish(
            &docs_tmp,
            self.format,
            &extra_names,
            lexicon,
            shape,
            self.by,
        )?;
        let group_columns = group_columns(&options.group, fields, &extra_names)?;

        let totals = stats.totals.clone();
        let trend_rows = super::trends::write_trends(
            &self.dir,
            self.format,
            stats.finish(options.bootstrap, options.seed),
            &group_columns,
            &TableNames {
                model: self.model.clone(),
                ..TableNames::of(lexicon)
            },
            options,
        )?;
        self.skipped.sort();
        let rows: Vec<frames::SkippedRow> = self.skipped.iter().map(frames::skipped_row).collect();
        let mut skipped_df = frames::skipped_frame(&rows).map_err(pe(&self.dir))?;
        write_table(&self.dir, "skipped", &mut skipped_df, self.format)?;
        rename(&docs_tmp, &self.dir.join(format!("documents.{ext}")))?;
        rename(&hits_tmp, &self.dir.join(format!("hits.{ext}")))?;
        if let Some(tmp) = sentences_tmp {
            rename(&tmp, &self.dir.join(format!("sentences.{ext}")))?;
        }

        let shard = options.shard.map(|sh| ShardManifest {
            index: sh.index,
            count: sh.count,
            group_columns: group_columns.clone(),
            ordinals: std::mem::take(&mut self.ordinals),
        });
        let manifest = Manifest {
            schema_version: manifest::SCHEMA_VERSION,
            framewatch_version: env!("CARGO_PKG_VERSION").to_string(),
            lexicon: LexiconInfo::of(lexicon),
            options: options.clone(),
            counts: Counts::of(
                &totals,
                &rows,
                found.unlisted.len(),
                found.hidden,
                trend_rows,
            ),
            tables: table_files(self.format, self.measure),
            shard,
        };
        manifest::write(&self.dir, &manifest)?;
        Ok(manifest)
    }
}

/// The model columns of a run with `options` (none without a model).
fn model_columns(lexicon: &Lexicon, options: &RunOptions) -> ModelColumns {
    match (&options.model, options.measure.model()) {
        (Some(m), true) => ModelColumns::of(
            &Shape::of(lexicon).with_model(lexicon, &m.framings),
            &m.framings,
        ),
        _ => ModelColumns::default(),
    }
}

/// The trends column name of each `--group` (extra metadata columns that
/// clash with ours are prefixed `meta_`, as in `documents`).
fn group_columns(
    groups: &[String],
    fields: &[String],
    extra_names: &[String],
) -> Result<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            if KNOWN_FIELDS.contains(&g.as_str()) {
                return Ok(g.clone());
            }
            fields
                .iter()
                .position(|f| f == g)
                .map(|i| extra_names[i].clone())
                .ok_or_else(|| {
                    Error::usage(format!("--group \"{g}\": no such metadata column"), None)
                })
        })
        .collect()
}

/// The documents table while it is written: Parquet segments, each with
/// the extra metadata columns known when it began.
#[derive(Default)]
struct DocTable {
    done: Vec<Segment>,
    current: Option<(Segment, GroupedSink)>,
}

struct Segment {
    path: PathBuf,
    /// Extra metadata columns.
    fields: usize,
    rows: usize,
}

impl DocTable {
    fn push(&mut self, dir: &Path, fields: usize, frame: DataFrame) -> Result<()> {
        if self
            .current
            .as_ref()
            .is_some_and(|(s, _)| s.fields != fields)
        {
            self.close()?;
        }
        if self.current.is_none() {
            let path = tmp_path(dir, &format!("documents.{}.parquet", self.done.len()));
            let sink = GroupedSink::create(
                path.clone(),
                "documents",
                Format::Parquet,
                frame.schema(),
                DOCUMENT_ROWS_PER_GROUP,
            )?;
            let segment = Segment {
                path,
                fields,
                rows: 0,
            };
            self.current = Some((segment, sink));
        }
        let (segment, sink) = self.current.as_mut().expect("opened above");
        segment.rows += frame.height();
        sink.push(frame)
    }

    fn close(&mut self) -> Result<()> {
        if let Some((segment, sink)) = self.current.take() {
            sink.finish()?;
            self.done.push(segment);
        }
        Ok(())
    }

    /// Write the table at `path` with every column of `extra_names`.
    fn finish(
        mut self,
        path: &Path,
        format: Format,
        extra_names: &[String],
        lexicon: &Lexicon,
        (model, measure): (&ModelColumns, Measure),
        by: Period,
    ) -> Result<()> {
        self.close()?;
        if let [only] = self.done.as_slice() {
            if format == Format::Parquet && only.fields == extra_names.len() {
                return rename(&only.path, path);
            }
        }
        let empty = documents_frame(extra_names, lexicon, model, by, &[]).map_err(pe(path))?;
        let empty = frames::keep_measures(empty, measure);
        let mut out = GroupedSink::create(
            path.to_path_buf(),
            "documents",
            format,
            empty.schema(),
            DOCUMENT_ROWS_PER_GROUP,
        )?;
        for segment in &self.done {
            let mut from = 0;
            while from < segment.rows {
                let len = DOCUMENT_ROWS_PER_GROUP.min(segment.rows - from);
                let mut part = read_parquet_rows(&segment.path, from, len)?;
                for (j, name) in extra_names.iter().enumerate().skip(segment.fields) {
                    let nulls = Column::full_null(name.as_str().into(), len, &DataType::String);
                    part.insert_column(COLUMNS_BEFORE_EXTRAS + j, nulls)
                        .map_err(pe(path))?;
                }
                out.push(part)?;
                from += len;
            }
            let _ = std::fs::remove_file(&segment.path);
        }
        out.finish()
    }
}
