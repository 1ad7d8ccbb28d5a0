//! Datasets on disk: the `documents`, `hits`, `trends` and `skipped`
//! tables (Parquet or CSV) and `manifest.json`; reading them back; shard
//! merges; concordance files. The home of polars: no DataFrame leaves
//! this module.
//!
//! - [`writer`]: a run's tables, written as the pipeline hands on
//!   documents (the writer only writes: scores come with the documents,
//!   statistics from [`crate::aggregate`]).
//! - [`manifest`]: the typed, versioned `manifest.json`, written and read.
//! - [`reader`]: a run folder read back, column by column.
//! - [`merge`]: the folders of `run --shard K/N` jobs into one run.
//! - [`atomic`]: folders and files that appear whole or not at all.
//!
//! Every file is written under a temporary name and renamed into place
//! when complete.

pub mod atomic;
mod frames;
mod kwic;
pub mod manifest;
pub mod merge;
pub mod reader;
mod sink;
pub mod table;
mod trends;
pub mod writer;

pub use frames::{ModelColumns, TableNames, extra_column_names, subframe_column};
pub use kwic::{KwicFormat, write_kwic};
pub use manifest::{
    Counts, IngestSettings, LexiconInfo, Manifest, Measure, ModelInfo, RunOptions, SCHEMA_VERSION,
    SentenceText, ShardManifest,
};
pub use merge::merge_runs;
pub use reader::{RunTables, Table, read_reference, read_run};
pub use writer::RunWriter;

use crate::error::{Error, Result};
use polars::prelude::*;
use serde::Serialize;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

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

/// The table files of a run folder: four, and `sentences` when the run
/// used a trained model.
pub fn table_files(format: Format, measure: Measure) -> Vec<String> {
    let sentences = measure.model().then_some("sentences");
    ["documents", "hits", "trends", "skipped"]
        .into_iter()
        .chain(sentences)
        .map(|t| format!("{t}.{}", format.ext()))
        .collect()
}

fn pe(path: &Path) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::output(path, e)
}

fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::output(to, e))
}

/// Write a whole table at once.
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

/// Write a table under its temporary name in `dir`, then rename it.
fn write_table(dir: &Path, name: &str, df: &mut DataFrame, format: Format) -> Result<()> {
    let file = format!("{name}.{}", format.ext());
    let tmp = tmp_path(dir, &file);
    write_df(df, &tmp, format)?;
    rename(&tmp, &dir.join(file))
}
