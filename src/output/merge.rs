//! `merge`: the folders of `run --shard K/N` jobs (all N of them) into
//! exactly the files one run over the whole corpus writes. Documents and
//! hits are put back in input order; each shard's documents table gives
//! its [`Stats`], merged as a run merges its batches; memory holds the
//! documents tables and a window of each shard's hits.

use super::frames::{self, MODEL_KINDS, ModelColumns, SkippedRow, TableNames};
use super::manifest::{self, Counts, Manifest};
use super::reader::{Table, read_table};
use super::sink::{
    DOCUMENT_ROWS_PER_GROUP, GroupedSink, HIT_ROWS_PER_GROUP, ROW_GROUP_DOCS, read_parquet_rows,
};
use super::{Format, pe, rename, table_files, tmp_path, write_table};
use crate::aggregate::{DocStats, Period, Shape, Stats, epoch_days};
use crate::error::{Error, Result};
use crate::model::{DatePrecision, Pole, SCORE_KINDS};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// One shard's run folder, as `merge` reads it.
struct ShardRun {
    dir: PathBuf,
    manifest: Manifest,
    shard: manifest::ShardManifest,
}

fn merge_err(msg: String, hint: &str) -> Error {
    Error::usage(msg, Some(hint.to_string()))
}

const HINT: &str =
    "give every shard folder of one run, each written with the same options and lexicon";
const INCOMPLETE: &str = "the shard folder is incomplete or was changed; run that shard again";

impl ShardRun {
    fn open(dir: &Path) -> Result<ShardRun> {
        let manifest = manifest::read(
            dir,
            "merge takes folders written by `framewatch run --shard K/N`",
        )?;
        let Some(shard) = manifest.shard.clone() else {
            return Err(merge_err(
                format!(
                    "{}: not a shard run (its manifest has no \"shard\")",
                    dir.display()
                ),
                "write each shard with `framewatch run --shard K/N --out DIR`",
            ));
        };
        Ok(ShardRun {
            dir: dir.to_path_buf(),
            manifest,
            shard,
        })
    }

    fn format(&self) -> Format {
        self.manifest.options.format
    }

    /// Whether two shards belong to one run: same options (but their
    /// output folders), lexicon, framewatch and corpus.
    fn same_run(&self, other: &ShardRun) -> bool {
        let (a, b) = (&self.manifest, &other.manifest);
        let options = |m: &Manifest| {
            let mut o = m.options.clone();
            o.out.clear();
            o.shard = None;
            o
        };
        a.schema_version == b.schema_version
            && a.framewatch_version == b.framewatch_version
            && a.lexicon == b.lexicon
            && options(a) == options(b)
            && a.counts.unlisted_files == b.counts.unlisted_files
            && a.counts.hidden_files == b.counts.hidden_files
    }
}

/// Check that `shards` are all N shards of one run; sorts them by index.
fn check_shards(shards: &mut [ShardRun]) -> Result<()> {
    shards.sort_by_key(|s| s.shard.index);
    let n = shards[0].shard.count;
    for s in shards.iter() {
        if s.shard.count != n {
            return Err(merge_err(
                format!(
                    "{}: shard {}/{} does not belong with {}/{}",
                    s.dir.display(),
                    s.shard.index,
                    s.shard.count,
                    shards[0].shard.index,
                    n
                ),
                HINT,
            ));
        }
        if !s.same_run(&shards[0]) {
            return Err(merge_err(
                format!(
                    "{} and {}: the shards were run with different options, lexicon or framewatch version",
                    shards[0].dir.display(),
                    s.dir.display()
                ),
                HINT,
            ));
        }
    }
    for w in shards.windows(2) {
        if w[0].shard.index == w[1].shard.index {
            return Err(merge_err(
                format!(
                    "shard {}/{n} is given twice ({} and {})",
                    w[0].shard.index,
                    w[0].dir.display(),
                    w[1].dir.display()
                ),
                HINT,
            ));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !shards.iter().any(|s| s.shard.index == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(merge_err(
            format!("missing shards: {}", missing.join(", ")),
            HINT,
        ));
    }
    Ok(())
}

/// Sequential reader of one shard's hits or sentences table, a window of
/// rows at a time.
struct RowCursor {
    path: PathBuf,
    table: &'static str,
    parquet: bool,
    window: DataFrame,
    start: usize,
}

const HITS_WINDOW: usize = 1 << 16;

impl RowCursor {
    fn open(run: &ShardRun, table: &'static str) -> Result<RowCursor> {
        let format = run.format();
        let path = run.dir.join(format!("{table}.{}", format.ext()));
        let parquet = format == Format::Parquet;
        let window = if parquet {
            DataFrame::empty()
        } else {
            read_table(&run.dir, format, table)?.into_frame()
        };
        Ok(RowCursor {
            path,
            table,
            parquet,
            window,
            start: 0,
        })
    }

    /// Rows `from..from + len` (each shard is read front to back).
    fn rows(&mut self, from: usize, len: usize) -> Result<DataFrame> {
        let end = from + len;
        if self.parquet && (from < self.start || end > self.start + self.window.height()) {
            self.window = read_parquet_rows(&self.path, from, len.max(HITS_WINDOW))?;
            self.start = from;
        }
        if end > self.start + self.window.height() {
            return Err(Error::usage(
                format!(
                    "{}: has fewer {} than its documents table counts",
                    self.path.display(),
                    self.table
                ),
                Some(INCOMPLETE.to_string()),
            ));
        }
        Ok(self.window.slice((from - self.start) as i64, len))
    }
}

/// Combine the folders of `run --shard K/N` jobs (all N of them) into
/// `out`: exactly the files one run over the whole corpus writes, with
/// trends recomputed from the documents, never averaged.
pub fn merge_runs(runs: &[PathBuf], out: &Path, out_label: &str) -> Result<Manifest> {
    let mut shards = runs
        .iter()
        .map(|d| ShardRun::open(d))
        .collect::<Result<Vec<_>>>()?;
    check_shards(&mut shards)?;
    let mut options = shards[0].manifest.options.clone();
    options.out = out_label.to_string();
    options.shard = None;
    let format = options.format;
    let group_columns = shards[0].shard.group_columns.clone();
    let docs = Documents::gather(&shards, format)?;
    let names = names_from_documents(&docs.all, shards[0].manifest.lexicon.poles.as_deref())?;
    let rows = DocRows::read(&docs.all, &names, &group_columns, options.by)?;
    std::fs::create_dir_all(out)
        .map_err(|e| Error::output(out, format!("cannot create output folder: {e}")))?;
    let measure = options.measure;
    let tmps = docs.write(&shards, &rows, out, format, measure)?;

    // One Stats per shard, merged as a run merges its batches.
    let shape = Shape {
        categories: names.categories.len(),
        subframes: names.subframe_columns.len(),
        poles: names.poles,
        model_framings: names.model.framings.len(),
        model_poles: names.model.poles,
    };
    let mut per_shard: Vec<Stats> = (0..shards.len()).map(|_| Stats::new(shape)).collect();
    for (r, &(shard, ordinal)) in docs.owner.iter().enumerate() {
        rows.add(r, ordinal, &mut per_shard[shard]);
    }
    let mut stats = Stats::new(shape);
    for s in per_shard {
        stats.merge(s);
    }
    let totals = stats.totals.clone();
    let trend_rows = super::trends::write_trends(
        out,
        format,
        stats.finish(options.bootstrap, options.seed),
        &group_columns,
        &names,
        &options,
    )?;
    let skipped = merged_skipped(&shards, format)?;
    let mut skipped_df = frames::skipped_frame(&skipped).map_err(pe(out))?;
    write_table(out, "skipped", &mut skipped_df, format)?;
    let ext = format.ext();
    for (table, tmp) in ["documents", "hits", "sentences"].into_iter().zip(tmps) {
        rename(&tmp, &out.join(format!("{table}.{ext}")))?;
    }

    let first = &shards[0].manifest;
    let manifest = Manifest {
        schema_version: first.schema_version,
        framewatch_version: first.framewatch_version.clone(),
        lexicon: first.lexicon.clone(),
        options,
        counts: Counts::of(
            &totals,
            &skipped,
            first.counts.unlisted_files,
            first.counts.hidden_files,
            trend_rows,
        ),
        tables: table_files(format, measure),
        shard: None,
    };
    manifest::write(out, &manifest)?;
    Ok(manifest)
}

/// The documents tables of every shard, one table, and the order that
/// puts its rows back in input order.
struct Documents {
    all: DataFrame,
    /// Per row: (shard, ordinal).
    owner: Vec<(usize, u64)>,
    /// Rows in input order.
    order: Vec<usize>,
}

impl Documents {
    fn gather(shards: &[ShardRun], format: Format) -> Result<Documents> {
        let mut all: Option<DataFrame> = None;
        let mut owner: Vec<(usize, u64)> = Vec::new();
        for (si, s) in shards.iter().enumerate() {
            let docs = read_table(&s.dir, format, "documents")?.into_frame();
            if docs.height() != s.shard.ordinals.len() {
                return Err(merge_err(
                    format!(
                        "{}: documents table and manifest disagree ({} rows, {} ordinals)",
                        s.dir.display(),
                        docs.height(),
                        s.shard.ordinals.len()
                    ),
                    INCOMPLETE,
                ));
            }
            owner.extend(s.shard.ordinals.iter().map(|&o| (si, o)));
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
        Ok(Documents { all, owner, order })
    }

    /// Write the documents, hits and (with a model) sentences tables in
    /// input order, under their temporary names, returned in that order.
    fn write(
        &self,
        shards: &[ShardRun],
        rows: &DocRows,
        out: &Path,
        format: Format,
        measure: super::Measure,
    ) -> Result<Vec<PathBuf>> {
        let ext = format.ext();
        let docs_tmp = tmp_path(out, &format!("documents.{ext}"));
        let mut docs_sink = GroupedSink::create(
            docs_tmp.clone(),
            "documents",
            format,
            self.all.schema(),
            DOCUMENT_ROWS_PER_GROUP,
        )?;
        // Per-document row tables: every hit, and every sentence the
        // model labelled (one per sentence of the document).
        let mut tables = vec![PerDoc::open(self, shards, out, "hits", &|r| rows.hits(r))?];
        if measure.model() {
            tables.push(PerDoc::open(self, shards, out, "sentences", &|r| {
                rows.sentences(r)
            })?);
        }
        for chunk in self.order.chunks(ROW_GROUP_DOCS) {
            let idx = IdxCa::from_vec("".into(), chunk.iter().map(|&r| r as IdxSize).collect());
            docs_sink.push(self.all.take(&idx).map_err(pe(out))?)?;
            for t in &mut tables {
                t.push(self, chunk, out)?;
            }
        }
        docs_sink.finish()?;
        let mut tmps = vec![docs_tmp];
        for t in tables {
            tmps.push(t.tmp.clone());
            t.sink.finish()?;
        }
        Ok(tmps)
    }
}

/// A table with rows per document (hits, sentences), copied from the
/// shards in input order.
struct PerDoc {
    /// Per documents row: its rows, and where they start in its shard's table.
    len: Vec<usize>,
    start: Vec<usize>,
    cursors: Vec<RowCursor>,
    sink: GroupedSink,
    tmp: PathBuf,
}

impl PerDoc {
    fn open(
        docs: &Documents,
        shards: &[ShardRun],
        out: &Path,
        table: &'static str,
        rows_of: &dyn Fn(usize) -> u64,
    ) -> Result<PerDoc> {
        let format = shards[0].format();
        let (mut len, mut start) = (Vec::new(), Vec::new());
        let mut next = vec![0usize; shards.len()];
        for (r, &(s, _)) in docs.owner.iter().enumerate() {
            len.push(rows_of(r) as usize);
            start.push(next[s]);
            next[s] += len[r];
        }
        let cursors = shards
            .iter()
            .map(|s| RowCursor::open(s, table))
            .collect::<Result<Vec<_>>>()?;
        let tmp = tmp_path(out, &format!("{table}.{}", format.ext()));
        let schema = table_schema(&shards[0], table)?;
        let sink = GroupedSink::create(tmp.clone(), table, format, &schema, HIT_ROWS_PER_GROUP)?;
        Ok(PerDoc {
            len,
            start,
            cursors,
            sink,
            tmp,
        })
    }

    /// The rows of the documents `chunk` (rows of the documents table).
    fn push(&mut self, docs: &Documents, chunk: &[usize], out: &Path) -> Result<()> {
        let mut rows: Option<DataFrame> = None;
        for &r in chunk {
            if self.len[r] == 0 {
                continue;
            }
            let part = self.cursors[docs.owner[r].0].rows(self.start[r], self.len[r])?;
            match &mut rows {
                None => rows = Some(part),
                Some(h) => {
                    h.vstack_mut_owned(part).map_err(pe(out))?;
                }
            }
        }
        match rows {
            Some(h) => self.sink.push(h),
            None => Ok(()),
        }
    }
}

/// Every shard's skipped rows, sorted as a run sorts them.
fn merged_skipped(shards: &[ShardRun], format: Format) -> Result<Vec<SkippedRow>> {
    let mut skipped: Vec<SkippedRow> = Vec::new();
    for s in shards {
        let t = read_table(&s.dir, format, "skipped")?;
        let [path, doc_id, reason, detail, dup] =
            ["path", "doc_id", "reason", "detail", "duplicate_of"].map(|c| t.strs(c));
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
    Ok(skipped)
}

/// A table's schema, from shard 1's file.
fn table_schema(run: &ShardRun, table: &str) -> Result<Schema> {
    let format = run.format();
    let df = if format == Format::Parquet {
        let path = run.dir.join(format!("{table}.{}", format.ext()));
        read_parquet_rows(&path, 0, 0)?
    } else {
        read_table(&run.dir, format, table)?
            .into_frame()
            .slice(0, 0)
    };
    Ok(df.schema().as_ref().clone())
}

/// Category, sub-frame and model framing names as a documents table
/// spells them: `hits_<category>` columns in lexicon order,
/// `hits_<cat>__<sub>`, `model_sentences_<framing>`. `poles`: the
/// manifest's record of them (none: the default pair, if the run wrote
/// share; empty: none).
fn names_from_documents(docs: &DataFrame, poles: Option<&[String]>) -> Result<TableNames> {
    let cols: Vec<String> = docs
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let categories: Vec<String> = cols
        .iter()
        .filter(|c| !c.contains("__"))
        .filter_map(|c| c.strip_prefix("hits_").map(String::from))
        .collect();
    let framings: Vec<String> = cols
        .iter()
        .filter_map(|c| {
            c.strip_prefix(MODEL_KINDS[0])
                .and_then(|f| f.strip_prefix('_'))
                .map(String::from)
        })
        .collect();
    let model_pole = |p: Pole| framings.iter().position(|f| f == p.name());
    let model = ModelColumns {
        poles: model_pole(Pole::Behavioural)
            .zip(model_pole(Pole::Structural))
            .map(|(b, s)| [b, s])
            .filter(|_| cols.iter().any(|c| c == "model_share")),
        framings,
    };
    let subframe_columns: Vec<String> = cols
        .iter()
        .filter(|c| c.starts_with("hits_") && c.contains("__"))
        .cloned()
        .collect();
    let pos = |name: &str| {
        categories.iter().position(|c| c == name).ok_or_else(|| {
            Error::usage(
                format!("the documents table has no hits_{name} column"),
                Some("merge reads folders written by `framewatch run --shard K/N`".to_string()),
            )
        })
    };
    // A run wrote share and balance only if its lexicon had poles; the
    // manifest names them unless they are the default pair.
    let poles = match poles {
        Some([a, b]) => Some(crate::model::Poles {
            behavioural: pos(a)?,
            structural: pos(b)?,
        }),
        Some(_) => None,
        // `--measure model` leaves share out; the model's share is there
        // only when the lexicon has poles.
        None if cols.iter().any(|c| c == "share" || c == "model_share") => {
            Some(crate::model::Poles {
                behavioural: pos(Pole::Behavioural.name())?,
                structural: pos(Pole::Structural.name())?,
            })
        }
        None => None,
    };
    Ok(TableNames {
        poles,
        categories,
        subframe_columns,
        model,
    })
}

/// The documents-table columns statistics are computed from, read once.
struct DocRows {
    by: Period,
    period: Vec<Option<String>>,
    period_start: Vec<Option<i32>>,
    precision: Vec<Option<String>>,
    warnings: Vec<Option<String>>,
    groups: Vec<Vec<Option<String>>>,
    tokens: Vec<Option<f64>>,
    hits: Vec<Option<f64>>,
    /// `[stance kind × category]` columns, as [`DocStats::counts`].
    counts: Vec<Vec<Option<f64>>>,
    subframes: Vec<Vec<Option<f64>>>,
    categories: usize,
    sentences: Vec<Option<f64>>,
    /// As [`DocStats::model`].
    model: Vec<Vec<Option<f64>>>,
}

impl DocRows {
    fn read(
        docs: &DataFrame,
        names: &TableNames,
        groups: &[String],
        by: Period,
    ) -> Result<DocRows> {
        let docs = Table::from_frame(docs.clone());
        let period_start = docs
            .strs("period_start")
            .into_iter()
            .map(|v| {
                v.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                    .map(epoch_days)
            })
            .collect();
        for g in groups {
            if !docs.has(g) {
                return Err(Error::usage(
                    format!("the documents table has no \"{g}\" column to group trends by"),
                    None,
                ));
            }
        }
        Ok(DocRows {
            by,
            period: docs.strs("period"),
            period_start,
            precision: docs.strs("date_precision"),
            warnings: docs.strs("warnings"),
            groups: groups.iter().map(|g| docs.strs(g)).collect(),
            tokens: docs.nums("tokens"),
            hits: docs.nums("hits"),
            counts: SCORE_KINDS
                .iter()
                .flat_map(|p| names.categories.iter().map(move |c| format!("{p}_{c}")))
                .map(|c| docs.nums(&c))
                .collect(),
            subframes: names
                .subframe_columns
                .iter()
                .map(|c| docs.nums(c))
                .collect(),
            categories: names.categories.len(),
            sentences: docs.nums("sentences"),
            model: names
                .model
                .count_columns()
                .iter()
                .map(|c| docs.nums(c))
                .collect(),
        })
    }

    /// The sentences of row `r`: one row each in the sentences table.
    fn sentences(&self, r: usize) -> u64 {
        self.sentences[r].unwrap_or(0.0) as u64
    }

    /// Every hit of row `r`: the counted ones and those without context.
    fn hits(&self, r: usize) -> u64 {
        let no_context = &self.counts[3 * self.categories..4 * self.categories];
        (self.hits[r].unwrap_or(0.0) + no_context.iter().map(|v| v[r].unwrap_or(0.0)).sum::<f64>())
            as u64
    }

    fn add(&self, r: usize, ordinal: u64, stats: &mut Stats) {
        let num = |v: &Vec<Option<f64>>| v[r].unwrap_or(0.0) as u64;
        let mut key = vec![self.period[r].clone()];
        key.extend(self.groups.iter().map(|g| g[r].clone()));
        let precision = match self.precision[r].as_deref() {
            Some("day") => Some(DatePrecision::Day),
            Some("month") => Some(DatePrecision::Month),
            Some("year") => Some(DatePrecision::Year),
            _ => None,
        };
        let counts: Vec<u64> = self.counts.iter().map(num).collect();
        let subframes: Vec<u64> = self.subframes.iter().map(num).collect();
        let model: Vec<u64> = self.model.iter().map(num).collect();
        stats.add(&DocStats {
            ordinal,
            key: &key,
            period_start: self.period_start[r],
            dated: precision.is_some(),
            coarse: precision.is_some_and(|p| self.by.finer_than(p)),
            warned: self.warnings[r].is_some(),
            tokens: num(&self.tokens),
            hits: self.hits(r),
            counts: &counts,
            subframes: &subframes,
            model: &model,
        });
    }
}
