//! `framewatch sample`: a blind coding sheet of sentences for validation.

use super::EXIT_OK;
use super::ingest_args::IngestArgs;
use crate::aggregate::Period;
use crate::error::{Error, Result};
use crate::pipeline::Job;
use crate::study::sample;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read, as for `framewatch run`. None: the demo corpus.
    pub inputs: Vec<PathBuf>,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Sentences to draw.
    #[arg(long, short = 'n', default_value = "200")]
    pub n: usize,
    /// Seed (same inputs, lexicon, n and seed: same sheet).
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Period unit of the strata.
    #[arg(long, value_enum, default_value = "year")]
    pub by: Period,
    /// The coding sheet to write; the tool's labels go to FILE with
    /// `.key.csv` in place of `.csv`.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "coding-sheet.csv"
    )]
    pub out: PathBuf,
    /// How to choose: `stratified` (period x source x whether the lexicon
    /// fired) or `uncertain` (the sentences a `--model` is least sure of,
    /// plus a `--random-share` drawn at random, for calibration).
    #[arg(long, value_enum, default_value = "stratified")]
    pub strategy: Strategy,
    /// A model from `framewatch train` (`builtin`: the default model), for
    /// `--strategy uncertain`; its labels also go to the key.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// With `--strategy uncertain`: the share of the sheet drawn at random.
    #[arg(long, default_value = "0.2", value_name = "SHARE")]
    pub random_share: f64,
    #[command(flatten)]
    pub ingest: IngestArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    Stratified,
    Uncertain,
}

pub fn run(args: Args) -> Result<u8> {
    let tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    let reading = args.ingest.settle()?;
    let source = super::ingest_args::source(&args.inputs, args.ingest.stdin_format, "sample")?;
    if args.strategy == Strategy::Uncertain && args.model.is_none() {
        return Err(Error::usage(
            "--strategy uncertain needs --model MODEL".to_string(),
            Some("train one first: framewatch train --gold CODED.csv -o model.json".into()),
        ));
    }
    if !(0.0..=1.0).contains(&args.random_share) {
        return Err(Error::usage(
            format!(
                "--random-share {}: a share is between 0 and 1",
                args.random_share
            ),
            None,
        ));
    }
    let model = match &args.model {
        Some(p) => Some(crate::study::classify::Model::read(p, &tagger.lexicon)?),
        None => None,
    };
    let job = Job::new(&tagger, &reading);
    let (units, skipped, found) = sample::units(&job, source, args.by, model.as_ref())?;
    super::print_skipped(&found.skipped);
    super::print_skipped(&skipped);
    let total = units.len();
    let fired = units.iter().filter(|u| u.fired).count();
    let picked = match args.strategy {
        Strategy::Stratified => sample::draw(units, args.n, args.seed),
        Strategy::Uncertain => sample::draw_uncertain(units, args.n, args.seed, args.random_share),
    };
    let key_path = match args.out.to_str().and_then(|s| s.strip_suffix(".csv")) {
        Some(stem) => PathBuf::from(format!("{stem}.key.csv")),
        None => PathBuf::from(format!("{}.key.csv", args.out.display())),
    };
    // One blank column per framing category for the coders: the poles,
    // or every category but the context one.
    let lex = &tagger.lexicon;
    let coded: Vec<&str> = match lex.pole_names() {
        Some(p) => p.to_vec(),
        None => lex
            .categories
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != lex.context_category)
            .map(|(_, c)| c.name.as_str())
            .collect(),
    };
    let mut header = vec![
        "unit_id",
        "doc_id",
        "period",
        "source",
        "sentence",
        "page",
        "byte_start",
        "byte_end",
        "text",
    ];
    header.extend(&coded);
    header.extend(["stance", "coder", "notes"]);
    super::write_csv(
        &args.out,
        &header,
        picked.iter().map(|u| {
            let mut row = vec![
                u.unit_id.clone(),
                u.doc_id.clone(),
                u.period.clone(),
                u.source.clone(),
                u.sentence.to_string(),
                u.page.map(|p| p.to_string()).unwrap_or_default(),
                u.byte_start.to_string(),
                u.byte_end.to_string(),
                u.text.clone(),
            ];
            row.resize(header.len(), String::new());
            row
        }),
    )?;
    super::write_csv(
        &key_path,
        &[
            "unit_id",
            "fired",
            "labels",
            "stratum",
            "inclusion_prob",
            "model",
            "uncertainty",
            "lexicon",
            "lexicon_sha256",
        ],
        picked.iter().map(|u| {
            vec![
                u.unit_id.clone(),
                u.fired.to_string(),
                u.labels.join(" "),
                u.stratum.clone(),
                u.inclusion_prob.to_string(),
                u.model_labels.join("; "),
                if u.model_labels.is_empty() {
                    String::new()
                } else {
                    format!("{:.4}", u.uncertainty)
                },
                format!("{} {}", tagger.lexicon.name, tagger.lexicon.version),
                tagger.lexicon.sha256.clone(),
            ]
        }),
    )?;
    let picked_fired = picked.iter().filter(|u| u.fired).count();
    eprintln!(
        "framewatch: drew {} of {total} sentences ({picked_fired} where the lexicon fired; {fired} in all) -> {} (blind sheet) and {} (the tool's labels)",
        picked.len(),
        args.out.display(),
        key_path.display()
    );
    Ok(EXIT_OK)
}
