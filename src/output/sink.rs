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

/// The Parquet compression of a table written batch by batch: zstd (the
/// writer's default) for all but `sentences`, whose text column with
/// `run --sentence-text all` is the whole corpus again. There zstd was
/// most of the writer thread's time; LZ4 (raw) costs about a tenth of that
/// and makes the file about 1.6 times larger (20.5 MB instead of 12.5 on
/// the shared corpora). With the default `labelled` the two cost the same
/// (4.0 MB against 2.7).
pub fn table_compression(table: &str) -> ParquetCompression {
    match table {
        "sentences" => SENTENCES_CODEC,
        _ => ParquetCompression::default(),
    }
}

const SENTENCES_CODEC: ParquetCompression = ParquetCompression::Lz4Raw;

/// A table written batch by batch.
enum Sink {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<BufWriter<File>>>),
    Csv(polars::io::csv::write::BatchedWriter<BufWriter<File>>),
}

impl Sink {
    fn create(
        path: &Path,
        format: Format,
        schema: &Schema,
        compression: ParquetCompression,
    ) -> Result<Sink> {
        let file = BufWriter::new(File::create(path).map_err(|e| Error::output(path, e))?);
        Ok(match format {
            Format::Parquet => Sink::Parquet(Box::new(
                ParquetWriter::new(file)
                    .with_compression(compression)
                    .batched(schema)
                    .map_err(pe(path))?,
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
    /// A sink for the table named `table` (which picks its compression,
    /// [`table_compression`]).
    pub fn create(
        path: PathBuf,
        table: &str,
        format: Format,
        schema: &Schema,
        rows: usize,
    ) -> Result<GroupedSink> {
        Ok(GroupedSink {
            sink: Sink::create(&path, format, schema, table_compression(table))?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentences table is written with its own codec, and reads back
    /// as it was pushed, across row groups.
    #[test]
    fn sentences_table_is_lz4_and_reads_back() {
        assert_eq!(table_compression("sentences"), ParquetCompression::Lz4Raw);
        assert_eq!(table_compression("hits"), ParquetCompression::default());
        let dir = std::env::temp_dir().join(format!("fw-sink-codec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let text: Vec<String> = (0..1000)
            .map(|i| format!("sentence {i} of the poor and of welfare"))
            .collect();
        let df = DataFrame::new(
            text.len(),
            vec![
                Column::new("sentence".into(), (0..1000u32).collect::<Vec<_>>()),
                Column::new("text".into(), text.clone()),
            ],
        )
        .expect("frame");
        let path = dir.join("sentences.parquet");
        let mut sink =
            GroupedSink::create(path.clone(), "sentences", Format::Parquet, df.schema(), 300)
                .expect("sink");
        sink.push(df.slice(0, 450)).expect("push");
        sink.push(df.slice(450, 550)).expect("push");
        sink.finish().expect("finish");
        let back = read_parquet_rows(&path, 0, 1000).expect("read");
        assert!(back.equals(&df));
        // zstd pages begin with zstd's magic number; the LZ4 file has none.
        let zstd_magic = |p: &Path| {
            std::fs::read(p)
                .expect("read")
                .windows(4)
                .any(|w| w == [0x28, 0xb5, 0x2f, 0xfd])
        };
        let zpath = dir.join("hits.parquet");
        let mut z = GroupedSink::create(zpath.clone(), "hits", Format::Parquet, df.schema(), 300)
            .expect("sink");
        z.push(df.clone()).expect("push");
        z.finish().expect("finish");
        assert!(!zstd_magic(&path) && zstd_magic(&zpath));
        assert!(
            read_parquet_rows(&zpath, 0, 1000)
                .expect("read")
                .equals(&df)
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
