//! Tables written batch by batch, in row groups that depend only on the
//! sequence of rows (never on batches or threads), so that `merge`
//! rebuilds a single run's files byte for byte.

use super::{Format, pe};
use crate::error::{Error, Result};
use polars::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Documents converted to table rows at a time.
pub const ROW_GROUP_DOCS: usize = 512;
/// Rows per Parquet row group of the documents and hits tables. A writer
/// keeps metadata per row group, so they must not be small.
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

/// A table that writes rows in groups of exactly `rows` (the last group
/// holds the rest), however they are pushed.
pub struct GroupedSink {
    sink: Sink,
    path: PathBuf,
    rows: usize,
    buf: Option<DataFrame>,
    /// Rows pushed so far.
    pub height: usize,
}

impl GroupedSink {
    pub fn create(
        path: PathBuf,
        format: Format,
        schema: &Schema,
        rows: usize,
    ) -> Result<GroupedSink> {
        Ok(GroupedSink {
            sink: Sink::create(&path, format, schema)?,
            path,
            rows: rows_per_group(rows),
            buf: None,
            height: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn push(&mut self, df: DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        self.height += df.height();
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

    pub fn finish(mut self) -> Result<()> {
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
pub struct TrimOnDrop;

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

/// Rows `from..from + len` of a Parquet file.
pub fn read_parquet_rows(path: &Path, from: usize, len: usize) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::output(path, e))?;
    ParquetReader::new(file)
        .with_slice(Some((from, len)))
        .finish()
        .map_err(pe(path))
}
