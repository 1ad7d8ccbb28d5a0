//! `framewatch run`: the whole pipeline, inputs → datasets.

use super::ingest_args::IngestArgs;
use super::progress::Progress;
use super::{EXIT_OK, EXIT_STRICT};
use crate::aggregate::{Aggregator, GroupField, Period, Shape, Stats};
use crate::error::{Error, Result};
use crate::ingest::DEMO_NAME;
use crate::model::DocMeta;
use crate::model::SentenceLabel;
use crate::output::atomic::Staging;
use crate::output::{
    Counts, Format, Manifest, Measure, ModelInfo, RunOptions, RunWriter, SentenceText,
};
use crate::pipeline::{Job, Outcome, Reading, Source};
use crate::score;
use crate::shard::Shard;
use crate::study::classify::Model;
use crate::study::measure;
use crate::tagger::{Tagger, View};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read: .txt .md .pdf .docx .odt .html .csv
    /// .tsv .jsonl .parquet, RSS/Atom feeds (.rss .atom .xml); a folder
    /// with a metadata.csv is read as a corpus manifest. `-` reads
    /// standard input. None: the bundled demo corpus.
    pub inputs: Vec<PathBuf>,

    /// Lexicon: framewatch TOML, or a quanteda YAML, LIWC .dic or
    /// WordStat .cat dictionary imported on the fly. Default: the built-in
    /// poverty-framing lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,

    /// What to measure with: the lexicon's hits, the trained model's
    /// sentence labels (a `sentences` table and `model_*` columns), or
    /// both side by side. Default: both when a model fits the lexicon
    /// (the built-in lexicon has one), else the lexicon.
    #[arg(long, value_enum, value_name = "MEASURE")]
    pub measure: Option<Measure>,

    /// Which rows of the `sentences` table carry the sentence's text:
    /// `labelled` (the default) those the model labels other than `none`
    /// for some framing or that hold a counted hit of the lexicon, `all`
    /// every sentence (the table then holds the corpus again), `none`
    /// none (spans only). Other rows' `text` is null.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "labelled")]
    pub sentence_text: SentenceText,

    /// A model from `framewatch train` for the lexicon in use
    /// (`builtin`: the default model). Default: the built-in model with the
    /// built-in lexicon.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,

    /// Compare these two categories in share and balance (default: the
    /// lexicon's `[lexicon] poles`, or behavioural and structural when
    /// both exist; without poles share and balance are left out).
    #[arg(long, value_name = "A,B")]
    pub poles: Option<String>,

    /// Time unit of the trends table.
    #[arg(long, value_enum, default_value = "year")]
    pub by: Period,

    /// Metadata column to cross with the period in trends (repeatable:
    /// source, kind, title, or any extra metadata.csv column).
    #[arg(long, short = 'g', value_name = "COLUMN")]
    pub group: Vec<String>,

    /// Table format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: Format,

    /// Output folder. It is written whole: built beside its place and
    /// swapped in when the run is complete, so a failed or killed run
    /// leaves the previous outputs as they were.
    #[arg(long, short = 'o', value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    /// Replace --out even if it is a folder framewatch did not write
    /// (everything in it is removed).
    #[arg(long)]
    pub force: bool,

    /// Worker threads (default: all cores). Outputs are identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Bootstrap resamples of documents per trend cell, for 95% intervals
    /// of rates, share and balance (0: none).
    #[arg(long, value_name = "N", default_value = "1000")]
    pub bootstrap: usize,

    /// Seed for the bootstrap (same seed, same intervals).
    #[arg(long, default_value = "1")]
    pub seed: u64,

    /// Flag trend cells with fewer documents than this as low_n.
    #[arg(long, value_name = "N", default_value = "5")]
    pub min_docs: u64,

    /// Flag trend cells with fewer word tokens than this as low_n.
    #[arg(long, value_name = "N", default_value = "2000")]
    pub min_tokens: u64,

    /// Process only shard K of N: the documents whose id hashes to K (a
    /// stable hash, not file order). Run all N, then `framewatch merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Exit with code 3 if any document was skipped.
    #[arg(long)]
    pub strict: bool,

    /// Print only errors and skipped documents (and no progress bar).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

/// What the model gives a document in the worker: its sentences' labels
/// and, per framing, how many are endorsed and distanced.
type Labelled = (Vec<SentenceLabel>, Vec<[u64; 2]>);

pub fn run(args: Args) -> Result<u8> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let mut tagger = super::load_tagger(args.lexicon.as_deref(), false, args.quiet)?;
    super::apply_poles(&mut tagger, args.poles.as_deref())?;
    let reading = args.ingest.settle()?;
    let source = super::ingest_args::source(&args.inputs, args.ingest.stdin_format, "run")?;
    for (i, g) in args.group.iter().enumerate() {
        if args.group[..i].contains(g) {
            return Err(Error::usage(
                format!("--group \"{g}\" is given twice"),
                None,
            ));
        }
    }
    let stdin = matches!(source, Source::Stdin(_));
    let (measure, model) = settle_measure(&args, &tagger)?;
    let mut options = options(&args, &tagger, &reading, stdin, shard);
    options.measure = measure;
    options.model = model.as_ref().map(|(_, info)| info.clone());
    let model = model.map(|(m, _)| m);
    let staging = Staging::begin(&args.out, args.force)?;
    let mut writer = RunWriter::create(staging.dir(), &tagger, &options)?;
    let framings: Vec<String> = model
        .iter()
        .flat_map(|m| m.framings.iter().map(|f| f.framing.clone()))
        .collect();
    let shape = Shape::of(&tagger.lexicon).with_model(&tagger.lexicon, &framings);
    let aggregator = Aggregator {
        by: args.by,
        groups: args.group.iter().map(|g| GroupField::parse(g)).collect(),
        shape,
    };
    let mut stats = Stats::new(shape);
    let job = Job::new(&tagger, &reading).threads(args.threads);
    let fields = job.fields.clone();
    let quiet = args.quiet;
    // Discovery walks the inputs alongside tagging, so the number of
    // documents is not known in advance: the progress line counts.
    let progress = Progress::counting(0, args.quiet);
    let sink = |outcomes: Vec<Outcome<Labelled>>| {
        let mut tagged = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            match o {
                Outcome::Tagged(mut d, (labels, counts)) => {
                    d.labels = labels;
                    d.model = counts;
                    progress.add(d.bytes);
                    if !quiet && !d.warnings.is_empty() {
                        progress.suspend(|| super::print_warnings(&d.meta.path, &d.warnings));
                    }
                    tagged.push(d)
                }
                Outcome::Skipped(s) => {
                    progress.suspend(|| super::print_skipped([&s]));
                    writer.add_skipped(s);
                }
            }
        }
        let fields = fields.get();
        stats.merge(aggregator.stats(&tagged, &fields));
        writer.add_docs(&tagger, tagged, &fields)
    };
    let owns = |d: &DocMeta| shard.is_none_or(|s| s.owns(&d.doc_id));
    // The model labels each sentence in the worker that tagged it, and
    // counts the labels there, while they are in that core's cache.
    let label = |v: &View<'_>| match &model {
        Some(m) => {
            let labels = measure::label_sentences(&tagger, m, v, args.sentence_text);
            let counts = crate::model::label_counts(&labels, framings.len());
            (labels, counts)
        }
        None => (Vec::new(), vec![[0; 2]; framings.len()]),
    };
    let found = job.run(source, owns, &label, sink)?;
    progress.finish();
    for s in super::found_skipped(&found, shard) {
        super::print_skipped([&s]);
        writer.add_skipped(s);
    }
    super::print_found(&found, args.quiet);
    for g in &args.group {
        if !found.has_field(g) {
            let known: Vec<String> = found.field_names().into_iter().collect();
            return Err(Error::usage(
                format!("--group \"{g}\": no such metadata column"),
                Some(format!("available: {}", known.join(", "))),
            ));
        }
    }
    // What the last line reports: endorsed hits of the poles and the share,
    // or of every category when share and balance are left out.
    let lex = &tagger.lexicon;
    let endorsed: Vec<(String, u64)> = lex
        .categories
        .iter()
        .map(|c| c.name.clone())
        .zip(stats.totals.categories.iter().copied())
        .collect();
    let counted = match shape.poles {
        Some(p) => Counted::Poles([p.behavioural, p.structural].map(|i| endorsed[i].clone())),
        None => Counted::Categories(endorsed, lex.no_poles_note().unwrap_or_default()),
    };
    let model_poles = shape.model_poles.map(|p| p.map(|f| stats.totals.model[f]));
    let manifest = writer.finish(&tagger, stats, &found, &options)?;
    staging.commit()?;
    let c = &manifest.counts;
    if c.documents_read == 0 {
        return Err(Error::usage(
            format!("no readable documents: {}", skipped_summary(c)),
            Some(format!(
                "see the reasons above and {}/skipped.{}",
                options.out,
                options.format.ext()
            )),
        ));
    }
    if !args.quiet {
        print_summary(&manifest, counted, model_poles);
    }
    if args.strict && c.documents_skipped > 0 {
        eprintln!(
            "framewatch: --strict: {} documents were skipped",
            c.documents_skipped
        );
        return Ok(EXIT_STRICT);
    }
    Ok(EXIT_OK)
}

/// Every option that shapes the run's outputs, for its manifest.
fn options(
    args: &Args,
    tagger: &Tagger,
    reading: &Reading,
    stdin: bool,
    shard: Option<Shard>,
) -> RunOptions {
    RunOptions {
        shard,
        inputs: if args.inputs.is_empty() {
            vec![DEMO_NAME.to_string()]
        } else {
            args.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        },
        lexicon: tagger.lexicon.origin.clone(),
        by: args.by,
        group: args.group.clone(),
        format: args.format,
        out: args.out.display().to_string(),
        strict: args.strict,
        bootstrap: args.bootstrap,
        seed: args.seed,
        min_docs: args.min_docs,
        min_tokens: args.min_tokens,
        ingest: args.ingest.settings(reading, stdin),
        measure: Measure::Lexicon,
        model: None,
        sentence_text: args.sentence_text,
    }
}

/// The run's measure and, when it uses one, the trained model (checked
/// against the lexicon) with what the manifest records of it.
fn settle_measure(args: &Args, tagger: &Tagger) -> Result<(Measure, Option<(Model, ModelInfo)>)> {
    let wanted = args.measure.unwrap_or(Measure::Both);
    if !wanted.model() {
        return Ok((wanted, None));
    }
    let (model, path) = match super::load_model(args.model.as_deref(), &tagger.lexicon)? {
        Some(m) => m,
        // Asked for: a model, but the built-in one is for another lexicon.
        None if args.measure.is_some() => {
            return Err(Error::usage(
                format!(
                    "--measure {}: the built-in model was trained for the built-in lexicon, not \"{}\"",
                    wanted.as_str(),
                    tagger.lexicon.name
                ),
                Some("train one with `framewatch train` and give it with --model".into()),
            ));
        }
        None => {
            if !args.quiet {
                eprintln!(
                    "framewatch: no trained model for lexicon \"{}\": measuring with the lexicon only (train one with `framewatch train`, give it with --model)",
                    tagger.lexicon.name
                );
            }
            return Ok((Measure::Lexicon, None));
        }
    };
    let bytes = match path.as_os_str() == "builtin" {
        true => crate::study::classify::DEFAULT_MODEL.as_bytes().to_vec(),
        false => std::fs::read(&path).map_err(|e| {
            Error::usage(format!("{}: cannot read model: {e}", path.display()), None)
        })?,
    };
    let info = ModelInfo {
        origin: path.display().to_string(),
        sha256: crate::lexicon::hex_sha256(&bytes),
        format: model.format.clone(),
        framings: model.framings.iter().map(|f| f.framing.clone()).collect(),
        units: model.provenance.units,
        filters: model.provenance.filters.clone(),
    };
    Ok((wanted, Some((model, info))))
}

fn skipped_summary(c: &Counts) -> String {
    super::skipped_summary(c.skipped_by_reason.iter().map(|(r, &n)| (r.as_str(), n)))
}

/// Endorsed hits for the last line: (category, hits) of the two poles, or
/// of every category with the reason share and balance are left out.
enum Counted {
    Poles([(String, u64); 2]),
    Categories(Vec<(String, u64)>, String),
}

/// The run's last lines: what was read and counted, and where it went.
/// `counted`: the endorsed hits of the poles, or of every category;
/// `model`: the sentences the model labels endorsed for the two poles.
fn print_summary(manifest: &Manifest, counted: Counted, model: Option<[u64; 2]>) {
    let (c, options) = (&manifest.counts, &manifest.options);
    let ext = options.format.ext();
    let endorsed = match &counted {
        Counted::Poles([(bn, b), (sn, s)]) => {
            let share = score::share(*b, *s)
                .map_or_else(|| "n/a".to_string(), |x| format!("{:.1}%", x * 100.0));
            format!("endorsed {bn} {b}, {sn} {s}, {bn} share {share}")
        }
        Counted::Categories(cats, _) => {
            let each: Vec<String> = cats.iter().map(|(n, h)| format!("{n} {h}")).collect();
            format!("endorsed {}", each.join(", "))
        }
    };
    eprintln!(
        "framewatch: {} documents read, {}, {} undated; {} tokens, {} hits ({endorsed}; {} negated, {} distanced, {} without context) -> {}/ ({ext})",
        c.documents_read,
        skipped_summary(c),
        c.undated,
        c.tokens,
        c.hits,
        c.negated,
        c.distanced,
        c.no_context,
        options.out,
    );
    if let (Some([mb, ms]), Some(m)) = (model, &options.model) {
        let share = score::share(mb, ms)
            .map_or_else(|| "n/a".to_string(), |x| format!("{:.1}%", x * 100.0));
        eprintln!(
            "framewatch: the trained model ({}) labels {mb} sentences endorsed behavioural and {ms} endorsed structural, behavioural share {share}; per sentence in sentences.{ext}",
            m.origin
        );
    }
    if let Counted::Categories(_, why) = &counted {
        eprintln!("framewatch: {why}");
    }
    if c.duplicates > 0 {
        eprintln!(
            "framewatch: --dedupe: {} duplicate{} dropped, each listed in skipped.{ext} with the document it copies (duplicate_of)",
            c.duplicates,
            if c.duplicates == 1 { "" } else { "s" },
        );
    }
    if c.coarse_dates > 0 {
        eprintln!(
            "framewatch: {} documents have dates coarser than --by {} (e.g. a year only); they are counted in the period's first bucket, see date_precision",
            c.coarse_dates,
            options.by.as_str()
        );
    }
}
