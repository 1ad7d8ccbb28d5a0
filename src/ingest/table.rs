//! Tables → one document per row: CSV, TSV, JSON Lines and Parquet.
//!
//! Discovery streams CSV/TSV/JSONL files once, keeping each row's metadata
//! (every column but the text) and the byte range of the row; workers
//! re-read the text from that range, so a table's text is never all in
//! memory. Parquet files are read whole (polars), text included. Rows are
//! bounded by `--max-row-size`; a longer CSV row stops the file there (the
//! quoting after it cannot be trusted), a longer JSONL line is skipped.

use super::{Limits, ReadError};
use crate::model::SkipReason;
use crate::model::{Origin, RecordField};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Table flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Tsv,
    Jsonl,
    Parquet,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Csv => "csv",
            Kind::Tsv => "tsv",
            Kind::Jsonl => "jsonl",
            Kind::Parquet => "parquet",
        }
    }
}

/// Which columns hold the text, the date and the id.
#[derive(Debug, Clone)]
pub struct Columns {
    pub text: String,
    pub date: String,
    pub id: String,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            text: "text".into(),
            date: "date".into(),
            id: "id".into(),
        }
    }
}

/// A row as discovery sees it.
pub struct Row {
    /// 1-based data row (header excluded).
    pub number: u64,
    /// 1-based line where the row starts.
    pub line: u64,
    /// Every column but the text, as text, in column order.
    pub values: Vec<(Arc<str>, String)>,
    /// Where the text is.
    pub origin: Origin,
}

/// What scanning a table yields, in file order.
pub enum Event {
    Row(Row),
    /// A row that cannot be a document: its id (else its row number),
    /// reason, detail (naming the row).
    Bad(String, SkipReason, String),
}

fn at(number: u64, line: u64) -> String {
    if number == line {
        format!("row {number}")
    } else {
        format!("row {number} (line {line})")
    }
}

fn no_text_column(cols: &Columns, names: &[String]) -> ReadError {
    (
        SkipReason::NoTextColumn,
        format!(
            "no column \"{}\" (columns: {}); name the text column with --text-col",
            cols.text,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ),
    )
}

/// A reader that refuses to run more than `limit` bytes past the last
/// mark, so one endless CSV row cannot exhaust memory.
struct Bounded<R> {
    inner: R,
    since_mark: Rc<Cell<u64>>,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_mark.get() > self.limit {
            return Err(std::io::Error::other("row too long"));
        }
        let n = self.inner.read(buf)?;
        self.since_mark.set(self.since_mark.get() + n as u64);
        Ok(n)
    }
}

/// Stream a table's rows to `emit`. An error is about the whole file.
pub fn scan(
    path: &Path,
    kind: Kind,
    cols: &Columns,
    limits: &Limits,
    emit: &mut dyn FnMut(Event),
) -> Result<(), ReadError> {
    let file = std::fs::File::open(path)
        .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
    let shared = Arc::new(path.to_path_buf());
    match kind {
        Kind::Csv | Kind::Tsv => scan_csv(file, shared, kind, cols, limits, emit),
        Kind::Jsonl => scan_jsonl(
            BufReader::new(file),
            cols,
            limits,
            emit,
            &mut |offset, len, _| Origin::Record {
                path: shared.clone(),
                offset,
                len,
                field: RecordField::Json(Arc::from(cols.text.as_str())),
            },
        ),
        #[cfg(feature = "tables")]
        Kind::Parquet => scan_parquet(file, cols, emit),
        #[cfg(not(feature = "tables"))]
        Kind::Parquet => {
            let _ = (file, emit);
            Err((
                SkipReason::UnsupportedFormat,
                "this build has no Parquet reader (the `tables` feature)".into(),
            ))
        }
    }
}

fn scan_csv(
    file: std::fs::File,
    path: Arc<PathBuf>,
    kind: Kind,
    cols: &Columns,
    limits: &Limits,
    emit: &mut dyn FnMut(Event),
) -> Result<(), ReadError> {
    let delimiter = if kind == Kind::Tsv { b'\t' } else { b',' };
    let since_mark = Rc::new(Cell::new(0));
    // The csv reader buffers ahead; allow for that on top of the limit.
    let slack = 1 << 16;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(Bounded {
            inner: file,
            since_mark: since_mark.clone(),
            limit: limits.max_row + slack,
        });
    let names: Vec<String> = rdr
        .headers()
        .map_err(|e| (csv_reason(&e), format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let text_at = names
        .iter()
        .position(|n| *n == cols.text)
        .ok_or_else(|| no_text_column(cols, &names))?;
    let id_at = names.iter().position(|n| *n == cols.id);
    let shared: Vec<Arc<str>> = names.iter().map(|n| Arc::from(n.as_str())).collect();
    let mut rec = csv::ByteRecord::new();
    let mut number = 0;
    loop {
        since_mark.set(0);
        let start = rdr.position().clone();
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                number += 1;
                let line = start.line();
                let (reason, detail) = if csv_reason(&e) == SkipReason::RowTooLong {
                    (
                        SkipReason::RowTooLong,
                        format!(
                            "{} is longer than {}; this row and the rest of the file are not read; raise --max-row-size",
                            at(number, line),
                            super::human(limits.max_row)
                        ),
                    )
                } else {
                    (
                        SkipReason::BadRow,
                        format!(
                            "{}: {e}; the rest of the file is not read",
                            at(number, line)
                        ),
                    )
                };
                emit(Event::Bad(number.to_string(), reason, detail));
                return Ok(());
            }
        }
        number += 1;
        let pos = rec.position().map_or(start.clone(), |p| p.clone());
        let (offset, line) = (pos.byte(), pos.line());
        let key = id_at
            .and_then(|i| rec.get(i))
            .map(|v| String::from_utf8_lossy(v).trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| number.to_string());
        let len = rdr.position().byte() - offset;
        if len > limits.max_row {
            emit(Event::Bad(
                key.clone(),
                SkipReason::RowTooLong,
                format!(
                    "{} is {} long, over --max-row-size {}",
                    at(number, line),
                    super::human(len),
                    super::human(limits.max_row)
                ),
            ));
            continue;
        }
        if rec.len() != names.len() {
            emit(Event::Bad(
                key.clone(),
                SkipReason::RaggedRow,
                format!(
                    "{} has {} fields, the header has {}",
                    at(number, line),
                    rec.len(),
                    names.len()
                ),
            ));
            continue;
        }
        if rec
            .get(text_at)
            .is_none_or(|t| t.iter().all(u8::is_ascii_whitespace))
        {
            emit(Event::Bad(
                key.clone(),
                SkipReason::EmptyText,
                format!(
                    "{}: the text column \"{}\" is empty",
                    at(number, line),
                    cols.text
                ),
            ));
            continue;
        }
        let values = rec
            .iter()
            .enumerate()
            .filter(|(i, v)| *i != text_at && !v.is_empty())
            .map(|(i, v)| {
                (
                    shared[i].clone(),
                    String::from_utf8_lossy(v).trim().to_string(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        emit(Event::Row(Row {
            number,
            line,
            values,
            origin: Origin::Record {
                path: path.clone(),
                offset,
                len,
                field: RecordField::Csv {
                    delimiter,
                    index: text_at,
                },
            },
        }));
    }
    Ok(())
}

fn csv_reason(e: &csv::Error) -> SkipReason {
    match e.kind() {
        csv::ErrorKind::Io(io) if io.to_string() == "row too long" => SkipReason::RowTooLong,
        csv::ErrorKind::Io(_) => SkipReason::Unreadable,
        _ => SkipReason::BadRow,
    }
}

/// A JSON value as metadata text (`None` for null).
fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        other => Some(other.to_string()),
    }
}

/// Scan JSON Lines: one object per line; blank lines are ignored.
/// `origin` makes the row's origin from its byte range and its text.
pub fn scan_jsonl(
    mut reader: impl BufRead,
    cols: &Columns,
    limits: &Limits,
    emit: &mut dyn FnMut(Event),
    origin: &mut dyn FnMut(u64, u64, String) -> Origin,
) -> Result<(), ReadError> {
    let mut names: Vec<Arc<str>> = Vec::new();
    let mut line_buf = Vec::new();
    let (mut offset, mut line, mut number) = (0u64, 0u64, 0u64);
    loop {
        line_buf.clear();
        let (consumed, complete) = read_line_bounded(&mut reader, &mut line_buf, limits.max_row)
            .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
        if consumed == 0 {
            break;
        }
        line += 1;
        let start = offset;
        offset += consumed;
        if line_buf.iter().all(u8::is_ascii_whitespace) && complete {
            continue;
        }
        number += 1;
        if !complete {
            emit(Event::Bad(
                number.to_string(),
                SkipReason::RowTooLong,
                format!(
                    "line {line} is longer than --max-row-size {}",
                    super::human(limits.max_row)
                ),
            ));
            continue;
        }
        let value: serde_json::Value = match serde_json::from_slice(&line_buf) {
            Ok(v) => v,
            Err(e) => {
                emit(Event::Bad(
                    number.to_string(),
                    SkipReason::BadRow,
                    format!("line {line}: not JSON: {e}"),
                ));
                continue;
            }
        };
        let serde_json::Value::Object(map) = value else {
            emit(Event::Bad(
                number.to_string(),
                SkipReason::BadRow,
                format!("line {line}: not a JSON object"),
            ));
            continue;
        };
        let key = map
            .get(&cols.id)
            .and_then(json_text)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| number.to_string());
        let text = map.get(&cols.text).and_then(json_text).unwrap_or_default();
        if text.trim().is_empty() {
            let why = if map.contains_key(&cols.text) {
                "is empty"
            } else {
                "is missing"
            };
            emit(Event::Bad(
                key,
                SkipReason::EmptyText,
                format!("line {line}: the text field \"{}\" {why}", cols.text),
            ));
            continue;
        }
        let mut values = Vec::new();
        for (k, v) in &map {
            if *k == cols.text {
                continue;
            }
            let Some(v) = json_text(v).filter(|v| !v.is_empty()) else {
                continue;
            };
            let name = match names.iter().find(|n| ***n == **k) {
                Some(n) => n.clone(),
                None => {
                    names.push(Arc::from(k.as_str()));
                    names[names.len() - 1].clone()
                }
            };
            values.push((name, v));
        }
        emit(Event::Row(Row {
            number,
            line,
            values,
            origin: origin(start, consumed, text),
        }));
    }
    Ok(())
}

/// Read one line (with its `\n`) into `buf`, keeping at most `limit`
/// bytes; returns the bytes consumed and whether the line fit.
fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<(u64, bool)> {
    let mut consumed = 0u64;
    let mut fits = true;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok((consumed, fits));
        }
        let (take, done) = match memchr_newline(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if fits && (buf.len() + take) as u64 <= limit + 1 {
            buf.extend_from_slice(&chunk[..take]);
        } else {
            fits = false;
            buf.clear();
        }
        r.consume(take);
        consumed += take as u64;
        if done {
            return Ok((consumed, fits));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[cfg(feature = "tables")]
fn scan_parquet(
    file: std::fs::File,
    cols: &Columns,
    emit: &mut dyn FnMut(Event),
) -> Result<(), ReadError> {
    use polars::prelude::*;
    let df = super::guard(|| ParquetReader::new(file).finish())
        .map_err(|why| {
            (
                SkipReason::CorruptParquet,
                format!("the Parquet reader failed ({why})"),
            )
        })?
        .map_err(|e| (SkipReason::CorruptParquet, format!("cannot read: {e}")))?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !names.contains(&cols.text) {
        return Err(no_text_column(cols, &names));
    }
    let as_text = |name: &str| -> Result<Vec<Option<String>>, ReadError> {
        let c = df
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| {
                (
                    SkipReason::CorruptParquet,
                    format!("column \"{name}\": {e}"),
                )
            })?;
        let ca = c.str().map_err(|e| {
            (
                SkipReason::CorruptParquet,
                format!("column \"{name}\": {e}"),
            )
        })?;
        Ok(ca.iter().map(|v| v.map(String::from)).collect())
    };
    let text = as_text(&cols.text)?;
    let mut others = Vec::new();
    for n in names.iter().filter(|n| **n != cols.text) {
        others.push((Arc::<str>::from(n.as_str()), as_text(n)?));
    }
    for (i, t) in text.into_iter().enumerate() {
        let number = i as u64 + 1;
        let Some(t) = t.filter(|t| !t.trim().is_empty()) else {
            let key = others
                .iter()
                .find(|(n, _)| **n == *cols.id)
                .and_then(|(_, v)| v[i].clone())
                .unwrap_or_else(|| number.to_string());
            emit(Event::Bad(
                key,
                SkipReason::EmptyText,
                format!("row {number}: the text column \"{}\" is empty", cols.text),
            ));
            continue;
        };
        let values = others
            .iter()
            .filter_map(|(n, v)| {
                let v = v[i].as_deref()?.trim();
                (!v.is_empty()).then(|| (n.clone(), v.to_string()))
            })
            .collect();
        emit(Event::Row(Row {
            number,
            line: number,
            values,
            origin: Origin::Text(Arc::from(t)),
        }));
    }
    Ok(())
}

/// Re-read one record's text from its byte range.
pub fn read_record(
    path: &Path,
    offset: u64,
    len: u64,
    field: &RecordField,
) -> Result<(String, Option<String>), ReadError> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
    let mut buf = vec![0; len as usize];
    f.read_exact(&mut buf).map_err(|e| {
        (
            SkipReason::Unreadable,
            format!("the file changed since it was listed: {e}"),
        )
    })?;
    record_text(&buf, field)
}

/// The text field of one record's bytes, and a warning if its encoding
/// had to be guessed.
pub fn record_text(buf: &[u8], field: &RecordField) -> Result<(String, Option<String>), ReadError> {
    let changed = || {
        (
            SkipReason::Unreadable,
            "the file changed since it was listed".to_string(),
        )
    };
    match field {
        RecordField::Csv { delimiter, index } => {
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(*delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(buf);
            let mut rec = csv::ByteRecord::new();
            if !rdr.read_byte_record(&mut rec).map_err(|_| changed())? {
                return Err(changed());
            }
            let raw = rec.get(*index).ok_or_else(changed)?;
            // Not UTF-8: decoded as the guessed legacy encoding, and the
            // guess is reported (never a silent U+FFFD).
            let d = super::encoding::decode(raw)?;
            Ok((d.text, d.warning))
        }
        RecordField::Json(key) => {
            let v: serde_json::Value = serde_json::from_slice(buf).map_err(|_| changed())?;
            v.get(&**key)
                .and_then(json_text)
                .map(|t| (t, None))
                .ok_or_else(changed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file holding `body`, kept for the test binary's life (rows are
    /// re-read later) in the system's temporary folder.
    fn temp_file(name: &str, body: &str) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("framewatch-table-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn scan_str(kind: Kind, body: &str, limits: &Limits) -> (Vec<String>, Vec<Row>) {
        let p = temp_file("t", body);
        let mut bad = Vec::new();
        let mut rows = Vec::new();
        scan(&p, kind, &Columns::default(), limits, &mut |e| match e {
            Event::Row(r) => rows.push(r),
            Event::Bad(_, reason, detail) => bad.push(format!("{reason}: {detail}")),
        })
        .unwrap();
        // Every row's text can be read back from its byte range.
        for r in &rows {
            if let Origin::Record {
                path,
                offset,
                len,
                field,
            } = &r.origin
            {
                assert!(
                    !read_record(path, *offset, *len, field)
                        .unwrap()
                        .0
                        .is_empty()
                );
            }
        }
        (bad, rows)
    }

    #[test]
    fn csv_rows_metadata_and_bad_rows() {
        let body = "id,date,text,source\n1,2020-01-02,\"Cuts, and\nmore cuts\",Wire\n2,2020,,Wire\n3,2020\n4,1999-02-03,Low pay,\n";
        let (bad, rows) = scan_str(Kind::Csv, body, &Limits::default());
        assert_eq!(
            bad,
            [
                "empty-text: row 2 (line 4): the text column \"text\" is empty",
                "ragged-row: row 3 (line 5) has 2 fields, the header has 4"
            ]
        );
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].number, rows[0].line, rows[1].number), (1, 2, 4));
        let v: Vec<(String, String)> = rows[0]
            .values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(
            v,
            [
                ("id".into(), "1".into()),
                ("date".into(), "2020-01-02".into()),
                ("source".into(), "Wire".into())
            ]
        );
        let Origin::Record {
            path,
            offset,
            len,
            field,
        } = &rows[0].origin
        else {
            panic!()
        };
        assert_eq!(
            read_record(path, *offset, *len, field).unwrap(),
            ("Cuts, and\nmore cuts".to_string(), None)
        );
    }

    #[test]
    fn a_legacy_encoded_csv_field_is_decoded_with_a_warning() {
        let field = RecordField::Csv {
            delimiter: b',',
            index: 1,
        };
        let (text, warning) = record_text(b"1,\"caf\xe9 workers on low pay\"\n", &field).unwrap();
        assert_eq!(text, "caf\u{e9} workers on low pay");
        assert!(warning.unwrap().contains("windows-1252"));
    }

    #[test]
    fn tsv_and_missing_text_column() {
        let (bad, rows) = scan_str(Kind::Tsv, "text\tdate\nwelfare\t2001\n", &Limits::default());
        assert!(bad.is_empty());
        assert_eq!(rows.len(), 1);
        let p = temp_file("t.csv", "body,date\nx,2001\n");
        let err = scan(
            &p,
            Kind::Csv,
            &Columns::default(),
            &Limits::default(),
            &mut |_| {},
        )
        .err()
        .unwrap();
        assert_eq!(err.0, "no-text-column");
        assert!(
            err.1.contains("columns: body, date") && err.1.contains("--text-col"),
            "{}",
            err.1
        );
    }

    #[test]
    fn jsonl_lines_bad_json_and_long_lines() {
        let long = "x".repeat(300);
        let body = format!(
            "{{\"id\": \"a\", \"text\": \"Benefit cuts\", \"n\": 3}}\n\n not json\n{{\"text\": \"\"}}\n{{\"text\": \"{long}\"}}\n[1]\n{{\"text\": \"ok\", \"id\": null}}"
        );
        let limits = Limits {
            max_row: 200,
            ..Limits::default()
        };
        let (bad, rows) = scan_str(Kind::Jsonl, &body, &limits);
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(
            bad[0].starts_with("bad-row: line 3: not JSON"),
            "{}",
            bad[0]
        );
        assert_eq!(
            bad[1],
            "empty-text: line 4: the text field \"text\" is empty"
        );
        assert!(
            bad[2].starts_with("row-too-long: line 5 is longer than"),
            "{}",
            bad[2]
        );
        assert_eq!(bad[3], "bad-row: line 6: not a JSON object");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line, rows[1].number), (1, 7, 6));
        let v: Vec<String> = rows[0]
            .values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(v, ["id=a", "n=3"]);
    }

    #[test]
    fn an_endless_csv_row_stops_the_file_without_eating_memory() {
        let body = format!("text\nfine\n\"{}", "y".repeat(400_000));
        let limits = Limits {
            max_row: 1000,
            ..Limits::default()
        };
        let (bad, rows) = scan_str(Kind::Csv, &body, &limits);
        assert_eq!(rows.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].starts_with("row-too-long: row 2 (line 3) is longer than"),
            "{}",
            bad[0]
        );
    }
}
