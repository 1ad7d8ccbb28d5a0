//! `framewatch tag`: per-document category counts on stdout (CSV or JSON
//! Lines), through the same analyse → match → stance path as `run`, for
//! pipelines and for side-by-side benchmarks against other taggers.

use super::{EXIT_OK, EXIT_STRICT};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::interop;
use crate::model::{DocResult, HitStatus, Stance};
use crate::pipeline::{self, DEFAULT_BATCH, Outcome, Tagger};
use crate::shard::Shard;
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
    /// Files and folders to read, as for `framewatch run`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// Lexicon: framewatch TOML, or a quanteda YAML (.yml/.yaml) or LIWC
    /// (.dic) dictionary imported on the fly. Default: the built-in lexicon.
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

    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn run(args: Args) -> Result<u8> {
    let (lexicon, analyzer, notes) = interop::load_any(args.lexicon.as_deref(), args.stem)?;
    if !args.quiet {
        for n in &notes {
            eprintln!("framewatch: {n}");
        }
    }
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let mut corpus = Corpus::discover(&args.inputs, &Default::default())?;
    if let Some(s) = shard {
        corpus.docs.retain(|d| s.owns(&d.doc_id));
        corpus
            .skipped
            .retain(|k| s.owns(k.doc_id.as_deref().unwrap_or(&k.path)));
    }
    super::print_skipped(&corpus.skipped);
    let tagger = Tagger::new(lexicon, analyzer);
    let lex = &tagger.lexicon;
    let ncat = lex.categories.len();
    let sub_cat: Vec<usize> = lex.subframes.iter().map(|s| s.category).collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let io = |e: std::io::Error| Error::Other(format!("cannot write to stdout: {e}"));
    if args.format == TagFormat::Csv {
        let mut header = String::from("doc");
        for c in &lex.categories {
            header.push(',');
            header.push_str(&c.name);
        }
        writeln!(out, "{header}").map_err(io)?;
    }
    let mut skipped = corpus.skipped.len();
    let docs = std::mem::take(&mut corpus.docs);
    let progress = super::progress::Progress::new(&docs, args.quiet);
    let mut line = String::new();
    pipeline::run(
        &tagger,
        docs,
        args.threads,
        DEFAULT_BATCH,
        &Default::default(),
        |outcomes| {
            for o in outcomes {
                let d = match o {
                    Outcome::Tagged(d) => d,
                    Outcome::Skipped(s) => {
                        progress.suspend(|| super::print_skipped([&s]));
                        skipped += 1;
                        continue;
                    }
                };
                progress.add(d.bytes);
                line.clear();
                format_doc(&mut line, &d, args.format, args.counts, &sub_cat, ncat, lex);
                out.write_all(line.as_bytes()).map_err(io)?;
            }
            Ok(())
        },
    )?;
    progress.finish();
    out.flush().map_err(io)?;
    if args.strict && skipped > 0 {
        eprintln!("framewatch: --strict: {skipped} documents were skipped");
        return Ok(EXIT_STRICT);
    }
    Ok(EXIT_OK)
}

fn format_doc(
    line: &mut String,
    d: &DocResult,
    format: TagFormat,
    counts: Counts,
    sub_cat: &[usize],
    ncat: usize,
    lex: &crate::lexicon::Lexicon,
) {
    use std::fmt::Write as _;
    // [category][endorsed, negated, distanced, no_context]
    let mut by = vec![[0u64; 4]; ncat];
    for (si, s) in d.subframe_hits.iter().enumerate() {
        for st in Stance::ALL {
            by[sub_cat[si]][st as usize] += s[st as usize];
        }
        by[sub_cat[si]][3] += d.no_context[si];
    }
    debug_assert_eq!(
        d.hits.len() as u64,
        by.iter().flatten().sum::<u64>(),
        "every hit is counted once"
    );
    debug_assert!(
        d.hits
            .iter()
            .all(|h| matches!(h.status, HitStatus::Counted | HitStatus::NoContext))
    );
    match format {
        TagFormat::Csv => {
            line.push_str(&csv_field(&d.meta.path));
            for c in &by {
                let n = match counts {
                    Counts::All => c.iter().sum::<u64>(),
                    Counts::Endorsed => c[Stance::Endorsed as usize],
                };
                let _ = write!(line, ",{n}");
            }
            line.push('\n');
        }
        TagFormat::Jsonl => {
            let obj = |k: usize| -> serde_json::Value {
                lex.categories
                    .iter()
                    .zip(&by)
                    .map(|(c, v)| {
                        let n = if k == 4 { v.iter().sum::<u64>() } else { v[k] };
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
    }
}
