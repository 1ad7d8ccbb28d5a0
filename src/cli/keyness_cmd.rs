//! `framewatch keyness RUN --target SELECTION [--reference SELECTION]`:
//! the terms a selection of a run's documents uses more (and less) than
//! another, with G2, Log Ratio, %DIFF and Bonferroni-corrected p-values.

use super::EXIT_OK;
use super::kwic_cmd::from_run;
use crate::error::{Error, Result};
use crate::output::table::{Cells, Table, TableFormat};
use crate::pipeline::Job;
use crate::study::keyness::{self, Row, Selection, Side, Thresholds, Unit};
use crate::study::thousands;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnitArg {
    Word,
    Stem,
    Entry,
}

impl UnitArg {
    pub fn unit(self) -> Unit {
        match self {
            UnitArg::Word => Unit::Word,
            UnitArg::Stem => Unit::Stem,
            UnitArg::Entry => Unit::Entry,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TableFormatArg {
    Text,
    Csv,
    Jsonl,
    Parquet,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run folder: its documents are read again as the run read them.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// The documents to find key terms of: a period (`1990s`, `2010`,
    /// `2012-Q3`, `2012-03`) or a metadata value (`party=Lab`).
    #[arg(long, value_name = "SELECTION")]
    pub target: String,
    /// What to compare against, as for --target. Default: every other
    /// document of the run.
    #[arg(long, value_name = "SELECTION")]
    pub reference: Option<String>,
    /// Count words, stems or lexicon entries.
    #[arg(long, value_enum, default_value = "word")]
    pub unit: UnitArg,
    /// Test only terms seen at least N times on both sides together.
    #[arg(long, default_value = "5", value_name = "N")]
    pub min_freq: u64,
    /// Test only terms found in at least N documents on both sides together.
    #[arg(long, default_value = "2", value_name = "N")]
    pub min_docs: u64,
    /// Text output: show the N terms most key to each side (0: all).
    #[arg(long, default_value = "25", value_name = "N")]
    pub top: usize,
    /// Lexicon for --unit entry. Default: the run's.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Output format; text is aligned for reading, the others hold every
    /// tested term.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TableFormatArg,
    /// Write to this file (required for parquet).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Read a run's documents again and count them, for keyness and the
/// report: target and reference sides.
pub(super) fn count_run(
    run: &Path,
    lexicon: Option<&Path>,
    target: &Selection,
    reference: &Selection,
    unit: Unit,
) -> Result<(Side, Side)> {
    let from = from_run(run, &[], lexicon)?;
    let tagger = from.tagger()?;
    let job = Job::new(&tagger, &from.reading);
    let owns = from.owns();
    let counted = keyness::count(&job, from.source, owns, target, reference, unit)?;
    super::print_skipped(&counted.skipped);
    for s in [target, reference] {
        if let Some(k) = s.field() {
            if !(counted.found.has_field(k) || crate::aggregate::KNOWN_FIELDS.contains(&k)) {
                let known: Vec<String> = counted.found.field_names().into_iter().collect();
                return Err(Error::usage(
                    format!(
                        "selection \"{}\": no such metadata field \"{k}\"",
                        s.label()
                    ),
                    Some(format!(
                        "available: {}, {}",
                        crate::aggregate::KNOWN_FIELDS.join(", "),
                        known.join(", ")
                    )),
                ));
            }
        }
    }
    for (side, s) in [(&counted.target, target), (&counted.reference, reference)] {
        if side.docs == 0 {
            return Err(Error::usage(
                format!(
                    "selection \"{}\" takes no document of {}",
                    s.label(),
                    run.display()
                ),
                Some(
                    "periods are labelled as by `run --by` (1990s, 2010, 2012-Q3); check the value"
                        .into(),
                ),
            ));
        }
    }
    Ok((counted.target, counted.reference))
}

pub fn run(args: Args) -> Result<u8> {
    let target = Selection::parse(&args.target)?;
    let reference = match &args.reference {
        Some(r) => Selection::parse(r)?,
        None => Selection::Rest,
    };
    let unit = args.unit.unit();
    let (t, r) = count_run(
        &args.run,
        args.lexicon.as_deref(),
        &target,
        &reference,
        unit,
    )?;
    let th = Thresholds {
        min_freq: args.min_freq,
        min_docs: args.min_docs,
    };
    let rows = keyness::compare(&t, &r, th);
    let format = match args.format {
        TableFormatArg::Text => None,
        TableFormatArg::Csv => Some(TableFormat::Csv),
        TableFormatArg::Jsonl => Some(TableFormat::Jsonl),
        TableFormatArg::Parquet => Some(TableFormat::Parquet),
    };
    let heading = Heading {
        target: target.label(),
        reference: reference.label(),
        unit,
        th,
    };
    emit(&table(&rows), format, args.out.as_deref(), || {
        format_text(&heading, &t, &r, &rows, args.top)
    })?;
    eprintln!(
        "framewatch: {} terms tested ({} documents, {} words against {} documents, {} words)",
        rows.len(),
        t.docs,
        t.words,
        r.docs,
        r.words
    );
    Ok(EXIT_OK)
}

/// Write a result table where and as the flags say; `text` makes the
/// aligned text.
pub(super) fn emit(
    table: &Table,
    format: Option<TableFormat>,
    out: Option<&Path>,
    text: impl FnOnce() -> String,
) -> Result<()> {
    match (format, out) {
        (Some(f), Some(out)) => table.write(out, f),
        (Some(TableFormat::Parquet), None) => {
            Err(Error::usage("--format parquet needs --out FILE", None))
        }
        (Some(f), None) => {
            print!("{}", table.to_text(f)?);
            Ok(())
        }
        (None, Some(out)) => crate::output::atomic::write_file(out, text().as_bytes()),
        (None, None) => {
            print!("{}", text());
            Ok(())
        }
    }
}

/// The rows as a table: every tested term.
pub fn table(rows: &[Row]) -> Table {
    let text = |f: fn(&Row) -> String| Cells::Text(rows.iter().map(f).collect());
    let int = |f: fn(&Row) -> u64| Cells::Int(rows.iter().map(f).collect());
    let float = |f: fn(&Row) -> f64| Cells::Float(rows.iter().map(f).collect());
    Table {
        columns: vec![
            ("term", text(|r| r.term.clone())),
            ("target_freq", int(|r| r.target_freq)),
            ("reference_freq", int(|r| r.reference_freq)),
            ("target_docs", int(|r| r.target_docs)),
            ("reference_docs", int(|r| r.reference_docs)),
            ("target_total", int(|r| r.target_total)),
            ("reference_total", int(|r| r.reference_total)),
            ("g2", float(|r| r.g2)),
            ("log_ratio", float(|r| r.log_ratio)),
            ("pct_diff", float(|r| r.pct_diff)),
            ("p_value", float(|r| r.p_value)),
        ],
    }
}

/// What the text header says.
pub struct Heading {
    pub target: String,
    pub reference: String,
    pub unit: Unit,
    pub th: Thresholds,
}

/// Columns padded to their widest cell: text left-aligned, numbers
/// (`right[i]`) right-aligned, two spaces between.
pub(super) fn aligned(header: &[&str], right: &[bool], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(width[i] - c.width());
                if right[i] {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

/// A p-value for reading: three decimals, or two significant digits below 0.001.
pub(super) fn p_text(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else if p > 0.0 {
        format!("{p:.1e}")
    } else {
        "<1e-300".to_string()
    }
}

/// The aligned text: a header with both sides' sizes, then the terms most
/// key to the target and to the reference.
pub fn format_text(h: &Heading, t: &Side, r: &Side, rows: &[Row], top: usize) -> String {
    let mut out = format!(
        "keyness of {} against {} ({}s; terms seen {}+ times in {}+ documents: {} tested)\n",
        h.target,
        h.reference,
        h.unit.as_str(),
        h.th.min_freq,
        h.th.min_docs,
        thousands(rows.len() as f64)
    );
    out += &format!(
        "  target     {}: {} documents, {} words\n  reference  {}: {} documents, {} words\n",
        h.target,
        thousands(t.docs as f64),
        thousands(t.words as f64),
        h.reference,
        thousands(r.docs as f64),
        thousands(r.words as f64)
    );
    out += "  G2: signed log-likelihood; LR: Log Ratio (log2 of the ratio of relative frequencies, 0 counted as 0.5); per 10k words; p Bonferroni-corrected\n";
    let n = if top == 0 { rows.len() } else { top };
    let per10k = |f: u64, total: u64| {
        if total == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", f as f64 * 1e4 / total as f64)
        }
    };
    let cells = |x: &Row| {
        vec![
            x.term.clone(),
            x.target_freq.to_string(),
            per10k(x.target_freq, x.target_total),
            x.target_docs.to_string(),
            x.reference_freq.to_string(),
            per10k(x.reference_freq, x.reference_total),
            x.reference_docs.to_string(),
            format!("{:+.1}", x.g2),
            format!("{:+.2}", x.log_ratio),
            format!("{:+.0}", x.pct_diff),
            p_text(x.p_value),
        ]
    };
    let header = [
        "term", "target", "/10k", "docs", "ref", "/10k", "docs", "G2", "LR", "%DIFF", "p",
    ];
    let right = [
        false, true, true, true, true, true, true, true, true, true, true,
    ];
    let over: Vec<Vec<String>> = rows
        .iter()
        .filter(|x| x.g2 > 0.0)
        .take(n)
        .map(cells)
        .collect();
    let under: Vec<Vec<String>> = rows
        .iter()
        .rev()
        .filter(|x| x.g2 < 0.0)
        .take(n)
        .map(cells)
        .collect();
    out += &format!("\nkey in {} ({} shown)\n", h.target, over.len());
    out += &aligned(&header, &right, &over);
    out += &format!("\nkey in {} ({} shown)\n", h.reference, under.len());
    out += &aligned(&header, &right, &under);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(p_text(0.5), "0.500");
        assert_eq!(p_text(0.00012), "1.2e-4");
        assert_eq!(p_text(0.0), "<1e-300");
        assert_eq!(
            aligned(
                &["a", "n"],
                &[false, true],
                &[vec!["xyz".into(), "1".into()]]
            ),
            "a    n\nxyz  1\n"
        );
    }
}
