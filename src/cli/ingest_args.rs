//! The reading flags shared by commands that ingest files: table columns,
//! standard input, duplicates, safety limits and symbolic links. Parsed
//! raw here, settled into [`Reading`] before the library sees them.

use crate::error::{Error, Result};
use crate::ingest::dedupe;
use crate::ingest::{IngestOptions, Limits, StdinFormat, ocr, parse_size, pdf, table};
use crate::output::IngestSettings;
use crate::output::manifest::is_run_folder;
use crate::pipeline::{Reading, Source};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, clap::Args)]
#[command(next_help_heading = "Reading inputs")]
pub struct IngestArgs {
    /// Table column (CSV, TSV, JSONL, Parquet) holding the text.
    #[arg(long, value_name = "COLUMN", default_value = "text")]
    pub text_col: String,

    /// Table column holding the date (ISO 8601, RFC 2822, YYYY-MM, YYYY
    /// or "5 March 2024"); a row with an unparseable date is skipped.
    #[arg(long, value_name = "COLUMN", default_value = "date")]
    pub date_col: String,

    /// Table column holding an id; documents are named FILE#ID (FILE#ROW
    /// without it).
    #[arg(long, value_name = "COLUMN", default_value = "id")]
    pub id_col: String,

    /// What `-` (standard input) holds: one text, or JSON Lines (one
    /// document per line, columns as for tables).
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub stdin_format: StdinFormat,

    /// Drop duplicate documents, keeping the first in input order: `exact`
    /// (same normalised text) or `near` (MinHash estimate of Jaccard
    /// similarity of 5-word shingles at least --near-threshold). Every
    /// dropped document is in the skipped table with the one it copies.
    #[arg(long, value_enum, value_name = "MODE")]
    pub dedupe: Option<dedupe::Mode>,

    /// Similarity at which `--dedupe near` calls two documents copies.
    #[arg(long, value_name = "J", default_value_t = dedupe::DEFAULT_THRESHOLD)]
    pub near_threshold: f64,

    /// Largest input file read (e.g. 512M, 2G).
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Most bytes inflated from one DOCX/ODT file (zip-bomb guard).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_unzipped_size: u64,

    /// Largest inflation ratio of a DOCX/ODT part over 1 MiB (zip-bomb guard).
    #[arg(long, value_name = "N", default_value = "100")]
    pub max_zip_ratio: u64,

    /// Longest table row or JSON line.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_row_size: u64,

    /// Most text in one document, after extraction (e.g. 32M). Bounds the
    /// memory one document takes (about 10 times its text at most).
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_size)]
    pub max_text_size: u64,

    /// Most tokens (words and punctuation) in one document.
    #[arg(long, value_name = "N", default_value = "5000000")]
    pub max_tokens: u64,

    /// Follow symbolic links that lead outside the input folders (and
    /// into linked folders).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// OCR of PDF pages with Tesseract: `auto` reads pages with no text
    /// layer or a garbage one, `force` every page, `never` none. Needs
    /// `tesseract` and `pdftoppm` (apt-get install tesseract-ocr
    /// tesseract-ocr-eng poppler-utils); without them `auto` leaves such
    /// pages out with a warning.
    #[arg(long, value_enum, default_value = "auto", value_name = "MODE")]
    pub ocr: ocr::Mode,

    /// Most seconds to render and recognise one page.
    #[arg(long, value_name = "SECONDS", default_value = "60")]
    pub ocr_timeout: u64,

    /// Tesseract language(s) of the scans, e.g. `eng` or `eng+deu`.
    #[arg(long, value_name = "LANG", default_value = "eng")]
    pub ocr_lang: String,
}

/// Whether `inputs` is standard input (`-`), which must come alone.
/// `command`: the subcommand, for the hint.
pub fn reads_stdin(inputs: &[PathBuf], command: &str) -> Result<bool> {
    let stdin = inputs.iter().any(|p| p.as_os_str() == crate::ingest::STDIN);
    if stdin && inputs.len() > 1 {
        return Err(Error::usage(
            "`-` (standard input) cannot be combined with other inputs",
            Some(format!(
                "{command} standard input on its own, or save it to a file"
            )),
        ));
    }
    Ok(stdin)
}

/// A run folder given where documents are expected: refused, since its
/// files are a run's outputs, not a corpus.
pub fn refuse_run_folders(inputs: &[PathBuf], command: &str) -> Result<()> {
    match inputs.iter().find(|p| p.is_dir() && is_run_folder(p)) {
        None => Ok(()),
        Some(dir) => Err(Error::usage(
            format!(
                "{}: a folder written by `framewatch run` (its outputs), not documents to read",
                dir.display()
            ),
            Some(format!(
                "`framewatch {command}` reads a corpus: give the folder the run read (its manifest.json lists it under options.inputs); to read the run's hits in context, use `framewatch kwic {}`",
                dir.display()
            )),
        )),
    }
}

/// Where a command's documents come from: the bundled demo corpus (no
/// inputs), standard input (`-`), or files and folders (never a run
/// folder).
pub fn source(inputs: &[PathBuf], stdin_format: StdinFormat, command: &str) -> Result<Source> {
    if inputs.is_empty() {
        return Ok(Source::Demo);
    }
    if reads_stdin(inputs, command)? {
        return Ok(Source::Stdin(stdin_format));
    }
    refuse_run_folders(inputs, command)?;
    Ok(Source::Paths(inputs.to_vec()))
}

/// The reading options a run recorded, to read its documents again the
/// same way.
pub fn reading_of(settings: &IngestSettings) -> Reading {
    Reading {
        ingest: IngestOptions {
            limits: settings.limits.clone(),
            columns: table::Columns {
                text: settings.text_col.clone(),
                date: settings.date_col.clone(),
                id: settings.id_col.clone(),
            },
            follow_symlinks: settings.follow_symlinks,
            pdf: settings.pdf.clone(),
        },
        dedupe: settings.dedupe.map(|m| {
            (
                m,
                settings.near_threshold.unwrap_or(dedupe::DEFAULT_THRESHOLD),
            )
        }),
    }
}

impl IngestArgs {
    /// The flags as they are when none is given.
    pub fn defaults() -> IngestArgs {
        use clap::{Args, FromArgMatches};
        let cmd = IngestArgs::augment_args(clap::Command::new("defaults"));
        IngestArgs::from_arg_matches(&cmd.get_matches_from(["defaults"]))
            .expect("every reading flag has a default")
    }

    /// Check the flags and build the reading options.
    pub fn settle(&self) -> Result<Reading> {
        if !(self.near_threshold > 0.0 && self.near_threshold <= 1.0) {
            return Err(Error::usage(
                format!(
                    "--near-threshold {}: must be in (0, 1]",
                    self.near_threshold
                ),
                Some(
                    "0.8 catches light edits of the same story; 0.95 only near-identical copies"
                        .into(),
                ),
            ));
        }
        for (flag, v) in [
            ("--text-col", &self.text_col),
            ("--date-col", &self.date_col),
            ("--id-col", &self.id_col),
        ] {
            if v.trim().is_empty() {
                return Err(Error::usage(format!("{flag}: give a column name"), None));
            }
        }
        if self.ocr_lang.is_empty()
            || !self
                .ocr_lang
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+'))
        {
            return Err(Error::usage(
                format!("--ocr-lang \"{}\": not a Tesseract language", self.ocr_lang),
                Some("give codes like `eng` or `eng+deu` (`tesseract --list-langs`)".into()),
            ));
        }
        if self.ocr == ocr::Mode::Force
            && let Err(why) = ocr::available(&self.ocr_lang)
        {
            return Err(Error::usage(
                format!("--ocr force: {why}"),
                Some("or use `--ocr auto`, which leaves out pages it cannot read".into()),
            ));
        }
        if self.text_col == self.date_col || self.text_col == self.id_col {
            return Err(Error::usage(
                format!(
                    "--text-col \"{}\" is also the date or id column",
                    self.text_col
                ),
                None,
            ));
        }
        Ok(Reading {
            ingest: IngestOptions {
                limits: Limits {
                    max_file: self.max_file_size,
                    max_unzipped: self.max_unzipped_size,
                    max_zip_ratio: self.max_zip_ratio.max(1),
                    max_row: self.max_row_size,
                    max_text: self.max_text_size,
                    max_tokens: self.max_tokens,
                },
                columns: table::Columns {
                    text: self.text_col.clone(),
                    date: self.date_col.clone(),
                    id: self.id_col.clone(),
                },
                follow_symlinks: self.follow_symlinks,
                pdf: pdf::Options {
                    ocr: ocr::Options {
                        mode: self.ocr,
                        timeout_secs: self.ocr_timeout.max(1),
                        lang: self.ocr_lang.clone(),
                    },
                    keep_furniture: false,
                },
            },
            dedupe: self.dedupe.map(|m| (m, self.near_threshold)),
        })
    }

    /// What the manifest records.
    pub fn settings(&self, reading: &Reading, stdin: bool) -> IngestSettings {
        IngestSettings {
            text_col: self.text_col.clone(),
            date_col: self.date_col.clone(),
            id_col: self.id_col.clone(),
            stdin_format: stdin.then(|| match self.stdin_format {
                StdinFormat::Text => "text".to_string(),
                StdinFormat::Jsonl => "jsonl".to_string(),
            }),
            follow_symlinks: self.follow_symlinks,
            limits: reading.ingest.limits.clone(),
            dedupe: self.dedupe,
            near_threshold: (self.dedupe == Some(dedupe::Mode::Near))
                .then_some(self.near_threshold),
            pdf: reading.ingest.pdf.clone(),
        }
    }
}
