//! The command line: the only module that knows clap, prints, or decides
//! exit codes. Flags are parsed here and settled into library calls.
//!
//! Exit codes: 0 success; 1 a check failed (`lexicon test`, an audit
//! threshold); 2 usage,
//! lexicon or fatal error; 3 `--strict` and at least one document was
//! skipped.

mod audit_cmd;
mod bench_cmd;
mod collocates_cmd;
mod drivers_cmd;
mod extract_cmd;
mod ingest_args;
mod keyness_cmd;
mod kwic_cmd;
mod lexicon_cmd;
mod merge_cmd;
mod progress;
mod report_cmd;
mod run_cmd;
mod sample_cmd;
mod serve_cmd;
mod serve_ref;
mod suggest_cmd;
mod tag_cmd;
mod train_cmd;
mod validate_cmd;

use crate::aggregate::Period;
use crate::error::Error;
use crate::output::Format;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub const EXIT_OK: u8 = 0;
/// A check ran and failed: a lexicon example, an audit threshold, `validate --min-f1`.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
pub const EXIT_STRICT: u8 = 3;

/// Make the framing of poverty in policy and media text visible.
///
/// framewatch tags behavioural framings (dependency, lifestyle choices,
/// worklessness, "hard-working families") against structural ones
/// (austerity, benefit cuts, low pay, housing costs, inequality) with an
/// editable lexicon, and writes trend datasets that trace every count to
/// the sentence that produced it.
#[derive(Debug, Parser)]
#[command(name = "framewatch", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tag a corpus and write documents, hits, trends and skipped tables.
    Run(run_cmd::Args),
    /// Per-document category counts on stdout (CSV or JSON Lines), for
    /// pipelines and side-by-side benchmarks; nothing written to disk.
    Tag(tag_cmd::Args),
    /// Combine the output folders of `run --shard K/N` jobs into exactly
    /// what one run over the whole corpus writes.
    Merge(merge_cmd::Args),
    /// Audit documents: summary, every hit, HTML/JSON/SARIF/GitHub
    /// output, and thresholds that set the exit code (1 when crossed).
    Audit(audit_cmd::Args),
    /// A local web page: drop in a document, read its framing highlighted;
    /// nothing leaves the machine or is written to disk. Also an API:
    /// `POST /api/audit?name=FILE` answers as `audit --format json`.
    Serve(serve_cmd::Args),
    /// Which entries drive the change in each category between two periods or groups.
    Drivers(drivers_cmd::Args),
    /// Concordance lines: each hit with its context, filtered and sorted.
    Kwic(kwic_cmd::Args),
    /// Print the text framewatch reads from each document (after
    /// extraction, decoding, OCR and line-break normalisation), with PDF
    /// page markers, or as JSON Lines with offsets, metadata and warnings.
    Extract(extract_cmd::Args),
    /// Key terms of a selection of a run's documents (a period, a metadata
    /// value) against another: G2, Log Ratio, %DIFF, document counts.
    Keyness(keyness_cmd::Args),
    /// What keeps company with a word, phrase or entry: logDice, MI3 and
    /// G2 in a window that stays inside the sentence, per period.
    Collocates(collocates_cmd::Args),
    /// One self-contained HTML report (inline SVG charts) from a run folder.
    Report(report_cmd::Args),
    /// Draw a stratified, seeded sample of sentences into a blind coding sheet.
    Sample(sample_cmd::Args),
    /// Measure the lexicon against hand-coded units: precision, recall, F1,
    /// kappa, and agreement between coders.
    Validate(validate_cmd::Args),
    /// Train the sentence classifier on coded units (the gold format
    /// `validate` reads) and write a model file.
    Train(train_cmd::Args),
    /// Work with lexicon files.
    #[command(subcommand)]
    Lexicon(lexicon_cmd::LexiconCommand),
    /// Time reading inputs per format (for benches/ingest.py).
    #[command(hide = true)]
    IngestBench(bench_cmd::Args),
}

// The library's enums stay free of clap; the CLI teaches clap their names.
impl clap::ValueEnum for Period {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Period::Day,
            Period::Week,
            Period::Month,
            Period::Quarter,
            Period::Year,
            Period::Decade,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl clap::ValueEnum for crate::output::SentenceText {
    fn value_variants<'a>() -> &'a [Self] {
        use crate::output::SentenceText;
        &[
            SentenceText::All,
            SentenceText::Labelled,
            SentenceText::None,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Parquet, Format::Csv]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.ext()))
    }
}

impl clap::ValueEnum for crate::ingest::dedupe::Mode {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            crate::ingest::dedupe::Mode::Exact,
            crate::ingest::dedupe::Mode::Near,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl clap::ValueEnum for crate::ingest::ocr::Mode {
    fn value_variants<'a>() -> &'a [Self] {
        use crate::ingest::ocr::Mode;
        &[Mode::Auto, Mode::Never, Mode::Force]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl clap::ValueEnum for crate::ingest::StdinFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            crate::ingest::StdinFormat::Text,
            crate::ingest::StdinFormat::Jsonl,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            crate::ingest::StdinFormat::Text => "text",
            crate::ingest::StdinFormat::Jsonl => "jsonl",
        }))
    }
}

/// Load a lexicon (framewatch TOML, or a quanteda YAML or LIWC
/// dictionary imported on the fly; the built-in one without a path) and
/// build its tagger: the one loader of every command. `stem`: match an
/// imported dictionary's plain words by stem. Notes about an import are
/// printed unless `quiet`.
pub fn load_tagger(
    path: Option<&std::path::Path>,
    stem: bool,
    quiet: bool,
) -> crate::error::Result<crate::tagger::Tagger> {
    let (lexicon, analyzer, notes) = crate::lexicon::interop::load_any(path, stem)?;
    if !quiet {
        for n in &notes {
            eprintln!("framewatch: {n}");
        }
    }
    Ok(crate::tagger::Tagger::new(lexicon, analyzer))
}

/// The trained model to measure `lexicon` with: the file given (checked
/// against the lexicon: a model for another lexicon is an error), or with
/// no file the built-in model when it fits, which it does for the built-in
/// lexicon; `None` when no file is given and it does not fit.
pub fn load_model(
    path: Option<&std::path::Path>,
    lexicon: &crate::lexicon::Lexicon,
) -> crate::error::Result<Option<(crate::study::classify::Model, std::path::PathBuf)>> {
    use crate::study::classify::Model;
    match path {
        Some(p) => Ok(Some((Model::read(p, lexicon)?, p.to_path_buf()))),
        None => {
            let builtin = std::path::PathBuf::from("builtin");
            Ok(Model::read(&builtin, lexicon).ok().map(|m| (m, builtin)))
        }
    }
}

/// `--poles A,B`: compare categories A and B in share and balance.
pub fn apply_poles(
    tagger: &mut crate::tagger::Tagger,
    poles: Option<&str>,
) -> crate::error::Result<()> {
    let Some(p) = poles else {
        return Ok(());
    };
    let Some((a, b)) = p.split_once(',') else {
        return Err(crate::error::Error::usage(
            format!("--poles \"{p}\": give two categories, --poles A,B"),
            None,
        ));
    };
    tagger.lexicon.set_poles(a.trim(), b.trim())
}

/// Report skipped inputs on stderr, one `path: skipped: reason: detail` line each.
pub fn print_skipped<'a>(skipped: impl IntoIterator<Item = &'a crate::model::Skipped>) {
    for s in skipped {
        eprintln!("{}: skipped: {}: {}", s.path, s.reason, s.detail);
    }
}

/// "7 skipped (corrupt-pdf 1, empty-text 2, zip-bomb 4)": the skip count
/// by reason, for the last line of a run.
pub fn skipped_summary<'a>(by_reason: impl IntoIterator<Item = (&'a str, usize)>) -> String {
    let mut by: Vec<(&str, usize)> = by_reason.into_iter().filter(|&(_, n)| n > 0).collect();
    by.sort();
    let total: usize = by.iter().map(|&(_, n)| n).sum();
    if total == 0 {
        return "0 skipped".to_string();
    }
    let parts: Vec<String> = by.iter().map(|(r, n)| format!("{r} {n}")).collect();
    format!("{total} skipped ({})", parts.join(", "))
}

/// The inputs discovery skipped (an unreadable folder entry, a bad
/// sidecar row, a table without its text column), those of `shard` only.
pub fn found_skipped(
    found: &crate::ingest::Corpus,
    shard: Option<crate::shard::Shard>,
) -> Vec<crate::model::Skipped> {
    found
        .skipped
        .iter()
        .filter(|k| shard.is_none_or(|s| s.owns(k.doc_id.as_deref().unwrap_or(&k.path))))
        .cloned()
        .collect()
}

/// What discovery has to say besides skipped inputs: warnings (standard
/// input's guessed encoding) and files a `metadata.csv` leaves out.
pub fn print_found(found: &crate::ingest::Corpus, quiet: bool) {
    if quiet {
        return;
    }
    for w in &found.warnings {
        eprintln!("{w}");
    }
    let n = found.unlisted.len();
    if n > 0 {
        let shown: Vec<&str> = found.unlisted.iter().take(3).map(String::as_str).collect();
        eprintln!(
            "framewatch: {n} file{} not listed in metadata.csv left out ({}{})",
            if n == 1 { "" } else { "s" },
            shown.join(", "),
            if n > 3 { ", ..." } else { "" }
        );
    }
}

/// Report warnings about documents that were read, one `path: warning: ...` line each.
pub fn print_warnings(path: &str, warnings: &[String]) {
    for w in warnings {
        eprintln!("{path}: warning: {w}");
    }
}

/// Write a CSV file with a header row.
pub fn write_csv(
    path: &std::path::Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> crate::error::Result<()> {
    crate::output::atomic::write_with(path, |tmp| {
        let mut w = csv::Writer::from_path(tmp).map_err(|e| Error::output(path, e))?;
        w.write_record(header).map_err(|e| Error::output(path, e))?;
        for r in rows {
            w.write_record(&r).map_err(|e| Error::output(path, e))?;
        }
        w.flush().map_err(|e| Error::output(path, e))
    })
}

/// Print an error with its hint, the one way errors reach the user.
pub fn report(err: &Error) {
    eprintln!("framewatch: error: {err}");
    if let Some(h) = err.hint() {
        eprintln!("hint: {h}");
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Run(args) => run_cmd::run(args),
        Command::Tag(args) => tag_cmd::run(args),
        Command::Merge(args) => merge_cmd::run(args),
        Command::Audit(args) => audit_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Drivers(args) => drivers_cmd::run(args),
        Command::Kwic(args) => kwic_cmd::run(args),
        Command::Extract(args) => extract_cmd::run(args),
        Command::Keyness(args) => keyness_cmd::run(args),
        Command::Collocates(args) => collocates_cmd::run(args),
        Command::Lexicon(cmd) => lexicon_cmd::run(cmd),
        Command::Report(args) => report_cmd::run(args),
        Command::Sample(args) => sample_cmd::run(args),
        Command::IngestBench(args) => bench_cmd::run(args),
        Command::Validate(args) => validate_cmd::run(args),
        Command::Train(args) => train_cmd::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report(&e);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

impl clap::ValueEnum for crate::output::Measure {
    fn value_variants<'a>() -> &'a [Self] {
        use crate::output::Measure;
        &[Measure::Lexicon, Measure::Model, Measure::Both]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}
