//! `framewatch train --gold FILE... -o MODEL`: fit the sentence classifier.

use super::EXIT_OK;
use super::ingest_args::IngestArgs;
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::pipeline::Job;
use crate::study::classify::{self, FeatureConfig, Provenance, TrainOptions};
use crate::study::validate::{self, Gold, GoldOptions};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Coded units to learn from (the gold format `validate` reads; label
    /// columns coded endorsed/distanced/none per framing). Repeatable.
    #[arg(long, value_name = "FILE", required = true)]
    pub gold: Vec<PathBuf>,
    /// The corpus the units' doc_ids refer to, as for `framewatch validate`.
    pub inputs: Vec<PathBuf>,
    /// Lexicon TOML file whose hits become features. Default: the built-in
    /// lexicon. The model only works with this lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Keep only gold rows whose column has this value (`split=train`);
    /// several values, comma-separated, keep rows with any (`split=train,dev`).
    #[arg(long = "where", value_name = "COLUMN=VALUE", value_parser = super::validate_cmd::parse_where)]
    pub filters: Vec<(String, String)>,
    /// Where to write the model (JSON).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Also measure by K-fold cross-validation, folds by document, and
    /// record the figures in the model.
    #[arg(long, value_name = "K", default_value = "0")]
    pub cv: u32,
    /// Passes over the training units.
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    pub epochs: u32,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = TrainOptions::default().learning_rate)]
    pub learning_rate: f64,
    /// L2 regularisation.
    #[arg(long, default_value_t = TrainOptions::default().l2)]
    pub l2: f64,
    /// Class weighting: 0 none, 1 fully balanced (weights (N / 3 n_class)^X).
    #[arg(long, default_value_t = TrainOptions::default().balance_power)]
    pub balance: f64,
    /// Seed of the training order and of the folds.
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    pub seed: u64,
    /// Choose each framing's endorsed threshold by K-fold cross-validation
    /// on the training units (0: the most probable class wins).
    #[arg(long, value_name = "K", default_value_t = TrainOptions::default().tune_folds)]
    pub tune_folds: u32,
    /// Weigh only features found in at least N of a framing's training
    /// units (0 or 1: all).
    #[arg(long, value_name = "N", default_value_t = TrainOptions::default().min_count)]
    pub min_count: u32,
    /// The feature groups, comma-separated: words, bigrams, stems, hits
    /// (the lexicon's), cues (of stance), length, neighbours (the sentence
    /// before or after mentions the lexicon's context topic).
    #[arg(long, value_name = "LIST", default_value_t = FeatureConfig::default().groups().join(","))]
    pub features: String,
    /// Hashed feature dimensions: 2^BITS.
    #[arg(long, value_name = "BITS", default_value_t = FeatureConfig::default().hash_bits, value_parser = clap::value_parser!(u32).range(8..=24))]
    pub hash_bits: u32,
    /// The value of each lexicon feature (word features share about 1).
    #[arg(long, value_name = "X", default_value_t = FeatureConfig::default().hit_value)]
    pub hit_value: f64,
    #[command(flatten)]
    pub ingest: IngestArgs,
}

pub fn run(args: Args) -> Result<u8> {
    for (flag, k) in [("--cv", args.cv), ("--tune-folds", args.tune_folds)] {
        if k == 1 {
            return Err(Error::usage(
                format!("{flag} 1: cross-validation needs at least 2 folds"),
                None,
            ));
        }
    }
    if !(args.hit_value > 0.0 && args.hit_value <= classify::MAX_HIT_VALUE) {
        return Err(Error::usage(
            format!(
                "--hit-value {}: give a positive number up to {}",
                args.hit_value,
                classify::MAX_HIT_VALUE
            ),
            Some("2 (the default) weighs each lexicon feature twice all the words together".into()),
        ));
    }
    let tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    let lexicon = &tagger.lexicon;
    let reading = args.ingest.settle()?;
    let opts = GoldOptions {
        filters: args.filters.clone(),
        ..Default::default()
    };
    let golds: Vec<Gold> = args
        .gold
        .iter()
        .map(|p| Gold::read(p, lexicon, &opts))
        .collect::<Result<_>>()?;
    let framings: Vec<usize> = {
        let mut v: Vec<usize> = golds.iter().flat_map(|g| g.stance_cats.clone()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if framings.is_empty() {
        return Err(Error::usage(
            format!(
                "{}: no framing is coded endorsed/distanced/none",
                args.gold[0].display()
            ),
            Some(
                "code each framing column (e.g. `behavioural`) as endorsed, distanced or none"
                    .into(),
            ),
        ));
    }
    let needs_corpus = golds
        .iter()
        .flat_map(|g| &g.units)
        .any(|u| u.doc_id.is_some());
    let corpus = match (needs_corpus, args.inputs.is_empty()) {
        (false, _) => Corpus::default(),
        (true, true) => Corpus::demo()?,
        (true, false) => {
            super::ingest_args::refuse_run_folders(&args.inputs, "train")?;
            Corpus::discover(&args.inputs, &reading.ingest)?
        }
    };
    let job = Job::new(&tagger, &reading);
    let cfg = FeatureConfig {
        hash_bits: args.hash_bits,
        hit_value: args.hit_value,
        ..FeatureConfig::default()
    }
    .with_groups(&args.features)
    .map_err(|e| Error::usage(format!("--features: {e}"), None))?;
    let mut examples = Vec::new();
    let mut ties = 0;
    for gold in &golds {
        let tool = validate::tag_units_with(gold, &job, &corpus.docs, Some(&cfg))?;
        let (more, tied) = validate::examples(gold, tool, &framings);
        examples.extend(more);
        ties += tied;
    }
    let gold_hashes = args
        .gold
        .iter()
        .map(|p| {
            let bytes =
                std::fs::read(p).map_err(|e| Error::Other(format!("{}: {e}", p.display())))?;
            Ok((
                p.display().to_string(),
                format!("{:x}", Sha256::digest(&bytes)),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let provenance = Provenance {
        framewatch_version: env!("CARGO_PKG_VERSION").into(),
        lexicon_name: tagger.lexicon.name.clone(),
        lexicon_version: tagger.lexicon.version.clone(),
        lexicon_sha256: tagger.lexicon.sha256.clone(),
        gold: gold_hashes,
        filters: args
            .filters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        units: examples.len() as u64,
    };
    let train_opts = TrainOptions {
        epochs: args.epochs,
        learning_rate: args.learning_rate,
        l2: args.l2,
        seed: args.seed,
        balance_power: args.balance,
        tune_folds: args.tune_folds,
        min_count: args.min_count,
    };
    let names: Vec<String> = framings
        .iter()
        .map(|&c| tagger.lexicon.categories[c].name.clone())
        .collect();
    let model = classify::train(&examples, &names, &cfg, &train_opts, args.cv, provenance);
    crate::output::atomic::write_file(&args.out, model.to_json().as_bytes())?;
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.2}"));
    for f in &model.framings {
        let [n, e, d] = f.class_counts;
        eprint!(
            "framewatch: {}: {n} none, {e} endorsed, {d} distanced; {} weights; endorsed threshold {}",
            f.framing,
            f.weights.len(),
            f.endorsed_threshold
                .map_or("- (most probable class)".to_string(), |t| format!("{t:.2}"))
        );
        match &f.cv {
            Some(cv) => eprintln!(
                "; {}-fold cross-validation: endorsed P {} R {} F1 {}, any stance F1 {}",
                cv.folds,
                pct(cv.endorsed[0]),
                pct(cv.endorsed[1]),
                pct(cv.endorsed[2]),
                pct(cv.present[2])
            ),
            None => eprintln!(),
        }
    }
    eprintln!(
        "framewatch: trained on {} units ({ties} framing codes left out as coder ties) -> {}",
        examples.len(),
        args.out.display()
    );
    Ok(EXIT_OK)
}
