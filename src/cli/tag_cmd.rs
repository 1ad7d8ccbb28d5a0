//! `framewatch tag`: per-document category counts on stdout (CSV or JSON
//! Lines), through the same analyse → match → stance path as `run`, for
//! pipelines and for side-by-side benchmarks against other taggers.

use super::ingest_args::IngestArgs;
use super::{EXIT_OK, EXIT_STRICT};
use crate::error::{Error, Result};
use crate::model::{DocMeta, DocResult, Stance};
use crate::pipeline::{Job, Outcome};
use crate::shard::Shard;
use crate::tagger::View;
use std::io::Write;
use std::path::PathBuf;

/// Which hits a count column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Counts {
    /// Every match the lexicon finds, whatever its stance or context: what
    /// other dictionary taggers count.
    All,
    /// Only endorsed hits with their context: what rates, share and balance use.
    Endorsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TagFormat {
    /// `doc,<category>...`, one row per document.
    Csv,
    /// One JSON object per document with tokens and counts by stance.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read, as for `framewatch run`; `-` reads
    /// standard input (see --stdin-format).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// Lexicon: framewatch TOML, or a quanteda YAML (.yml/.yaml), LIWC
    /// (.dic) or WordStat (.cat) dictionary imported on the fly. Default:
    /// the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,

    /// For an imported YAML/LIWC dictionary: match its plain words by
    /// Snowball stem instead of as exact forms (wildcards stay surface
    /// prefixes). TOML lexicons say per entry and ignore this.
    #[arg(long)]
    pub stem: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: TagFormat,

    /// Which hits the CSV counts (JSON Lines always has both).
    #[arg(long, value_enum, default_value = "all")]
    pub counts: Counts,

    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Tag only shard K of N (a stable hash of each document's id).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Exit with code 3 if any document was skipped.
    #[arg(long)]
    pub strict: bool,

    /// No progress bar, warnings or summary line (skipped documents are
    /// still reported).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

pub fn run(args: Args) -> Result<u8> {
    let tagger = super::load_tagger(args.lexicon.as_deref(), args.stem, args.quiet)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let reading = args.ingest.settle()?;
    let source = super::ingest_args::source(&args.inputs, args.ingest.stdin_format, "tag")?;
    let owns = move |id: &str| shard.is_none_or(|s| s.owns(id));
    let lex = &tagger.lexicon;
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let io = |e: std::io::Error| Error::Other(format!("cannot write to stdout: {e}"));
    let csv_io = |e: csv::Error| Error::Other(format!("cannot write to stdout: {e}"));
    // CSV rows go through the csv crate (quoting); JSON lines are written
    // whole. The CSV header is written with the first row (or at the end),
    // so that a discovery error leaves stdout empty.
    let mut csv_out = None;
    let mut json_out = None;
    let mut header = vec!["doc"];
    header.extend(lex.categories.iter().map(|c| c.name.as_str()));
    let mut header_due = args.format == TagFormat::Csv;
    if args.format == TagFormat::Csv {
        csv_out = Some(csv::Writer::from_writer(stdout));
    } else {
        json_out = Some(stdout);
    }
    let mut tagged = 0usize;
    let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
    // Discovery walks the inputs on its own thread and hands documents on
    // as it finds them: tagging starts at once, and memory does not grow
    // with the number of documents.
    let progress = super::progress::Progress::counting(0, args.quiet);
    let mut line = String::new();
    let owns_doc = |d: &DocMeta| owns(&d.doc_id);
    let sink = |outcomes: Vec<Outcome>| {
        for o in outcomes {
            let d = match o {
                Outcome::Tagged(d, ()) => d,
                Outcome::Skipped(s) => {
                    progress.suspend(|| super::print_skipped([&s]));
                    *by_reason.entry(s.reason.as_str()).or_default() += 1;
                    continue;
                }
            };
            tagged += 1;
            progress.add(d.bytes);
            let by = &d.score.categories;
            if let Some(w) = csv_out.as_mut() {
                if std::mem::take(&mut header_due) {
                    w.write_record(&header).map_err(csv_io)?;
                }
                let mut row = vec![d.meta.path.clone()];
                row.extend(by.iter().map(|c| match args.counts {
                    Counts::All => c[..crate::model::HIT_KINDS].iter().sum::<u64>().to_string(),
                    Counts::Endorsed => c[Stance::Endorsed as usize].to_string(),
                }));
                w.write_record(&row).map_err(csv_io)?;
            }
            if let Some(w) = json_out.as_mut() {
                line.clear();
                json_line(&mut line, &d, by, lex);
                w.write_all(line.as_bytes()).map_err(io)?;
            }
        }
        Ok(())
    };
    let job = Job::new(&tagger, &reading).threads(args.threads);
    let corpus = job.run(source, owns_doc, &|_: &View<'_>| (), sink)?;
    if !args.quiet {
        progress.suspend(|| corpus.warnings.iter().for_each(|w| eprintln!("{w}")));
    }
    let found_skipped = super::found_skipped(&corpus, shard);
    progress.suspend(|| super::print_skipped(&found_skipped));
    for k in &found_skipped {
        *by_reason.entry(k.reason.as_str()).or_default() += 1;
    }
    progress.finish();
    if let Some(mut w) = csv_out {
        if header_due {
            w.write_record(&header).map_err(csv_io)?;
        }
        w.flush().map_err(io)?;
    }
    if let Some(mut w) = json_out {
        w.flush().map_err(io)?;
    }
    let skipped: usize = by_reason.values().sum();
    if !args.quiet {
        eprintln!(
            "framewatch: {tagged} documents tagged, {}",
            super::skipped_summary(by_reason.iter().map(|(r, &n)| (*r, n)))
        );
    }
    if args.strict && skipped > 0 {
        eprintln!("framewatch: --strict: {skipped} documents were skipped");
        return Ok(EXIT_STRICT);
    }
    Ok(EXIT_OK)
}

/// One JSON line: the document and its counts by stance.
fn json_line(line: &mut String, d: &DocResult, by: &[[u64; 5]], lex: &crate::lexicon::Lexicon) {
    use std::fmt::Write as _;
    let obj = |k: usize| -> serde_json::Value {
        lex.categories
            .iter()
            .zip(by)
            .map(|(c, v)| {
                let hits = &v[..crate::model::HIT_KINDS];
                let n = if k == 4 {
                    hits.iter().sum::<u64>()
                } else {
                    v[k]
                };
                (c.name.clone(), serde_json::Value::from(n))
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let row = serde_json::json!({
        "doc": d.meta.path,
        "doc_id": d.meta.doc_id,
        "bytes": d.bytes,
        "tokens": d.words,
        "sentences": d.sentences,
        "all": obj(4),
        "endorsed": obj(0),
        "negated": obj(1),
        "distanced": obj(2),
        "no_context": obj(3),
    });
    let _ = writeln!(line, "{row}");
}
