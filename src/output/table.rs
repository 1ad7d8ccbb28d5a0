//! Small result tables (keyness, collocates) written as CSV, JSON Lines
//! or Parquet, from columns the study tools fill: one writer for every
//! format, so the three always carry the same columns in the same order.

use super::{pe, write_df};
use crate::error::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    Text(Vec<String>),
    Int(Vec<u64>),
    Float(Vec<f64>),
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<(&'static str, Cells)>,
}

/// Format of a result table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Jsonl,
    Parquet,
}

impl Table {
    fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| match c {
            Cells::Text(v) => v.len(),
            Cells::Int(v) => v.len(),
            Cells::Float(v) => v.len(),
        })
    }

    /// The table as CSV or JSON Lines text (floats in Rust's shortest
    /// round-trip form; a non-finite float is empty in CSV, null in JSON).
    pub fn to_text(&self, format: TableFormat) -> Result<String> {
        let cell = |c: &Cells, i: usize| -> serde_json::Value {
            match c {
                Cells::Text(v) => v[i].clone().into(),
                Cells::Int(v) => v[i].into(),
                Cells::Float(v) => {
                    serde_json::Number::from_f64(v[i]).map_or(serde_json::Value::Null, Into::into)
                }
            }
        };
        match format {
            TableFormat::Jsonl => {
                let mut out = String::new();
                for i in 0..self.rows() {
                    // Columns in table order (serde_json's map would sort them).
                    let fields: Vec<String> = self
                        .columns
                        .iter()
                        .map(|(n, c)| format!("{}:{}", serde_json::Value::from(*n), cell(c, i)))
                        .collect();
                    out.push('{');
                    out.push_str(&fields.join(","));
                    out.push_str("}\n");
                }
                Ok(out)
            }
            TableFormat::Csv | TableFormat::Parquet => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let err = |e: csv::Error| Error::Other(format!("cannot write CSV: {e}"));
                w.write_record(self.columns.iter().map(|(n, _)| *n))
                    .map_err(err)?;
                for i in 0..self.rows() {
                    let row: Vec<String> = self
                        .columns
                        .iter()
                        .map(|(_, c)| match cell(c, i) {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Null => String::new(),
                            v => v.to_string(),
                        })
                        .collect();
                    w.write_record(&row).map_err(err)?;
                }
                let bytes = w
                    .into_inner()
                    .map_err(|e| Error::Other(format!("cannot write CSV: {e}")))?;
                Ok(String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8"))
            }
        }
    }

    /// Write the table to `path`, whole or not at all.
    pub fn write(&self, path: &Path, format: TableFormat) -> Result<()> {
        match format {
            TableFormat::Parquet => super::atomic::write_with(path, |tmp| {
                let columns: Vec<Column> = self
                    .columns
                    .iter()
                    .map(|(n, c)| match c {
                        Cells::Text(v) => Column::new((*n).into(), v),
                        Cells::Int(v) => Column::new((*n).into(), v),
                        Cells::Float(v) => Column::new((*n).into(), v),
                    })
                    .collect();
                let mut df = DataFrame::new(self.rows(), columns).map_err(pe(path))?;
                write_df(&mut df, tmp, super::Format::Parquet)
            }),
            text => super::atomic::write_file(path, self.to_text(text)?.as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_jsonl_carry_the_same_columns() {
        let t = Table {
            columns: vec![
                ("term", Cells::Text(vec!["a,b".into(), "c".into()])),
                ("n", Cells::Int(vec![1, 2])),
                ("x", Cells::Float(vec![0.5, f64::NEG_INFINITY])),
            ],
        };
        assert_eq!(
            t.to_text(TableFormat::Csv).unwrap(),
            "term,n,x\n\"a,b\",1,0.5\nc,2,\n"
        );
        assert_eq!(
            t.to_text(TableFormat::Jsonl).unwrap(),
            "{\"term\":\"a,b\",\"n\":1,\"x\":0.5}\n{\"term\":\"c\",\"n\":2,\"x\":null}\n"
        );
    }
}
