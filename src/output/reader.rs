//! A run folder read back: its typed manifest and its tables, column by
//! column (text or numbers), whichever format the run wrote.

use super::manifest::{self, Manifest};
use super::{Format, pe};
use crate::error::{Error, Result};
use polars::prelude::*;
use std::fs::File;
use std::path::Path;

/// One table of a run, read whole.
pub struct Table {
    df: DataFrame,
}

impl Table {
    pub fn height(&self) -> usize {
        self.df.height()
    }

    pub fn has(&self, name: &str) -> bool {
        self.df.column(name).is_ok()
    }

    /// Column names, in order.
    pub fn names(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// A column as text (null where missing).
    pub fn strs(&self, name: &str) -> Vec<Option<String>> {
        strs(&self.df, name)
    }

    /// A column as numbers (null where missing or not a number).
    pub fn nums(&self, name: &str) -> Vec<Option<f64>> {
        nums(&self.df, name)
    }

    pub(super) fn into_frame(self) -> DataFrame {
        self.df
    }
}

/// A column as numbers (null where missing or not a number).
pub(super) fn nums(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df.column(name).and_then(|c| c.cast(&DataType::Float64)) {
        Ok(c) => c
            .f64()
            .map(|ca| ca.iter().collect())
            .unwrap_or_else(|_| vec![None; df.height()]),
        Err(_) => vec![None; df.height()],
    }
}

/// A column as text (null where missing).
pub(super) fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match df.column(name).and_then(|c| c.cast(&DataType::String)) {
        Ok(c) => c
            .str()
            .map(|ca| ca.iter().map(|v| v.map(String::from)).collect())
            .unwrap_or_else(|_| vec![None; df.height()]),
        Err(_) => vec![None; df.height()],
    }
}

/// Read one table of a run folder in the format its manifest records.
/// CSV columns are read as text.
pub fn read_table(run: &Path, format: Format, name: &str) -> Result<Table> {
    let path = run.join(format!("{name}.{}", format.ext()));
    let df = match format {
        Format::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|r| r.finish())
            .map_err(pe(&path))?,
        Format::Parquet => {
            let file = File::open(&path)
                .map_err(|e| Error::usage(format!("{}: cannot read: {e}", path.display()), None))?;
            ParquetReader::new(file).finish().map_err(pe(&path))?
        }
    };
    Ok(Table { df })
}

/// Read the per-document share and rates of a run, for audits to compare
/// against.
pub fn read_reference(run: &Path) -> Result<crate::study::audit::Reference> {
    let manifest = manifest::read(
        run,
        "--reference takes a folder written by `framewatch run`",
    )?;
    let documents = read_table(run, manifest.options.format, "documents")?;
    let mut reference = crate::study::audit::Reference {
        run: run.display().to_string(),
        documents: documents.height(),
        ..Default::default()
    };
    let dates: Vec<String> = documents.strs("date").into_iter().flatten().collect();
    reference.span = dates
        .iter()
        .min()
        .zip(dates.iter().max())
        .map(|(a, b)| (a.clone(), b.clone()));
    for name in documents.names() {
        let present = || documents.nums(&name).into_iter().flatten().collect();
        if name == "share" {
            reference.share = present();
        } else if let Some(cat) = name.strip_prefix("rate_") {
            reference.rates.insert(cat.to_string(), present());
        }
    }
    Ok(reference)
}

/// A run folder's manifest and tables, read back for reports.
pub struct RunTables {
    pub manifest: Manifest,
    pub documents: Table,
    pub hits: Table,
    pub trends: Table,
    pub skipped: Table,
}

/// Read every table of a run folder (Parquet or CSV, as its manifest says).
pub fn read_run(run: &Path) -> Result<RunTables> {
    let manifest = manifest::read(run, "give a folder written by `framewatch run`")?;
    let format = manifest.options.format;
    Ok(RunTables {
        documents: read_table(run, format, "documents")?,
        hits: read_table(run, format, "hits")?,
        trends: read_table(run, format, "trends")?,
        skipped: read_table(run, format, "skipped")?,
        manifest,
    })
}

impl Table {
    pub(super) fn from_frame(df: DataFrame) -> Table {
        Table { df }
    }
}
