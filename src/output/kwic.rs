//! Concordance lines written to a file: CSV, JSON Lines or Parquet.

use super::{Format, pe, write_df};
use crate::error::{Error, Result};
use polars::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Format of a concordance written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KwicFormat {
    Csv,
    Jsonl,
    Parquet,
}

fn kwic_frame(lines: &[crate::study::kwic::Line]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::study::kwic::Line) -> Option<String>| {
        Column::new(name.into(), lines.iter().map(f).collect::<Vec<_>>())
    };
    let num = |name: &str, f: &dyn Fn(&crate::study::kwic::Line) -> u32| {
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
            text("model_label", &|l| l.model.map(|m| m.0.to_string())),
            Column::new(
                "model_p".into(),
                lines
                    .iter()
                    .map(|l| l.model.map(|m| m.1))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Write concordance lines as CSV, JSON Lines or Parquet.
pub fn write_kwic(
    lines: &[crate::study::kwic::Line],
    path: &Path,
    format: KwicFormat,
) -> Result<()> {
    crate::output::atomic::write_with(path, |tmp| write_kwic_to(lines, tmp, path, format))
}

/// [`write_kwic`] at `tmp`; errors name `path`.
fn write_kwic_to(
    lines: &[crate::study::kwic::Line],
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
