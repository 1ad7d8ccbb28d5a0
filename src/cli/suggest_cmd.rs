//! `framewatch lexicon suggest --gold FILE [CORPUS...|RUN]`: candidate
//! entries per sub-frame from the coded train and dev sentences (never
//! test), written as a TOML patch with the evidence in comments.

use super::EXIT_OK;
use super::ingest_args::IngestArgs;
use crate::analyze::Analysis;
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::model::TokenKind;
use crate::pipeline::{Job, Source};
use crate::study::classify::{self, Model};
use crate::study::suggest::{self, Candidate, Coded, Options};
use crate::study::validate::{self, Gold, GoldOptions, Reference, Target};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The splits suggestions learn from; the test split is never read.
pub const SPLITS: [&str; 2] = ["train", "dev"];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Coded units (the gold format `validate` reads). Only rows whose
    /// `split` is train or dev are read, when the file has a `split`
    /// column.
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// The corpus the units' doc_ids refer to, or a run folder (its
    /// inputs are read).
    pub inputs: Vec<PathBuf>,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Sentence model whose strongest features become candidates.
    /// Default: the built-in model, when the lexicon is the built-in one.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Candidates per framing and source.
    #[arg(long, default_value = "12", value_name = "N")]
    pub top: usize,
    /// Coded framing sentences a candidate must be found in.
    #[arg(long, default_value = "3", value_name = "N")]
    pub min_positive: u64,
    /// Precision on the coded sentences a candidate must reach.
    #[arg(long, default_value = "0.5", value_name = "P")]
    pub min_precision: f64,
    /// Write the patch here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestArgs,
}

/// The coded units of the train and dev splits (all units when the file
/// has no `split` column).
fn read_gold(args: &Args, lexicon: &crate::lexicon::Lexicon) -> Result<(Gold, String)> {
    let header = std::fs::read_to_string(&args.gold)
        .map_err(|e| Error::Other(format!("{}: {e}", args.gold.display())))?;
    let has_split = header
        .lines()
        .next()
        .is_some_and(|h| h.split(',').any(|c| c.trim().trim_matches('"') == "split"));
    if !has_split {
        return Ok((
            Gold::read(&args.gold, lexicon, &GoldOptions::default())?,
            "all units (no split column)".into(),
        ));
    }
    let mut gold: Option<Gold> = None;
    for split in SPLITS {
        let opts = GoldOptions {
            filters: vec![("split".into(), split.into())],
            ..Default::default()
        };
        let g = Gold::read(&args.gold, lexicon, &opts)?;
        match &mut gold {
            None => gold = Some(g),
            Some(all) => all.units.extend(g.units),
        }
    }
    Ok((gold.expect("two splits read"), SPLITS.join("+")))
}

pub fn run(args: Args) -> Result<u8> {
    let tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    let lexicon = &tagger.lexicon;
    let (gold, splits) = read_gold(&args, lexicon)?;
    let framings: Vec<usize> = gold.stance_cats.clone();
    if framings.is_empty() {
        return Err(Error::usage(
            format!(
                "{}: no framing is coded endorsed/distanced/none",
                args.gold.display()
            ),
            None,
        ));
    }
    let (source, reading) = match args.inputs.as_slice() {
        [one] if crate::output::manifest::is_run_folder(one) => {
            let from = super::kwic_cmd::from_run(one, &[], args.lexicon.as_deref())?;
            (from.source, from.reading)
        }
        [] => (Source::Demo, args.ingest.settle()?),
        inputs => (Source::Paths(inputs.to_vec()), args.ingest.settle()?),
    };
    let corpus = match source {
        Source::Paths(p) => Corpus::discover(&p, &reading.ingest)?,
        _ => Corpus::demo()?,
    };
    let model = match &args.model {
        Some(p) => Some(Model::read(p, lexicon)?),
        None if args.lexicon.is_none() => Some(Model::parse(
            "built-in model",
            classify::DEFAULT_MODEL.as_bytes(),
            lexicon,
        )?),
        None => None,
    };
    let job = Job::new(&tagger, &reading);
    let tool = validate::tag_units_with(
        &gold,
        &job,
        &corpus.docs,
        model.as_ref().map(|m| &m.features),
    )?;
    let mut units = Vec::new();
    let mut a = Analysis::default();
    let mut scratch = crate::matcher::Scratch::default();
    for (u, t) in gold.units.iter().zip(&tool) {
        let coded: Vec<Option<bool>> = framings
            .iter()
            .map(|&c| match validate::reference_class(&gold, u, c) {
                Reference::Class(k) => Some(k != 0),
                _ => None,
            })
            .collect();
        if coded.iter().any(Option::is_none) {
            continue; // a tie or no code: no evidence either way
        }
        tagger.analyzer.analyze(&t.text, &mut a);
        let words: Vec<String> = a
            .tokens
            .iter()
            .filter(|x| x.kind == TokenKind::Word)
            .map(|x| a.norm_of(x).to_string())
            .collect();
        let stems = words
            .iter()
            .map(|w| tagger.analyzer.stem(w).into_owned())
            .collect();
        let mut hits = vec![Vec::new(); framings.len()];
        let mut found = vec![false; framings.len()];
        // The unit's hits with their word ranges: the unit tagged alone
        // (its analysis is the one above), keeping the entries the tool
        // counted in the document (where context rules could see the
        // paragraph).
        let unit_hits = tagger.inspect(&t.text, &mut a, &mut scratch, |_, _, hits| hits);
        for (l, label) in gold.labels.iter().enumerate() {
            let Target::Category(cat) = label.target else {
                continue;
            };
            let Some(f) = framings.iter().position(|&c| c == cat) else {
                continue;
            };
            found[f] |= t.present[l];
            let counted: Vec<&str> = t.found[l]
                .iter()
                .map(|h| h.split(" (\"").next().unwrap_or(h))
                .collect();
            for h in &unit_hits {
                let e = &lexicon.entries[h.entry as usize];
                if lexicon.subframes[e.subframe].category == cat
                    && counted.contains(&e.text.as_str())
                {
                    hits[f].push((e.subframe, (h.word_start as usize, h.word_end as usize)));
                }
            }
        }
        let model_feats = framings
            .iter()
            .map(|&c| {
                let (Some(m), Some(feats)) = (&model, &t.features) else {
                    return Vec::new();
                };
                let Some(fm) = m.framing(&lexicon.categories[c].name) else {
                    return Vec::new();
                };
                feats
                    .features
                    .iter()
                    .filter(|x| {
                        x.name.starts_with("w:")
                            || x.name.starts_with("s:")
                            || x.name.starts_with("b:")
                    })
                    .filter_map(|x| {
                        let one = classify::Features {
                            features: vec![classify::Feature {
                                value: 1.0,
                                ..x.clone()
                            }],
                        };
                        fm.explain(&one, 1, 1).into_iter().next()
                    })
                    .collect()
            })
            .collect();
        units.push(Coded {
            unit_id: u.unit_id.clone(),
            text: t.text.clone(),
            words,
            stems,
            coded: coded.into_iter().map(|c| c.unwrap_or(false)).collect(),
            found,
            hits,
            model: model_feats,
        });
    }
    // Every entry's words as stems, to leave out what the lexicon has.
    let existing = lexicon
        .entries
        .iter()
        .map(|e| {
            tagger
                .analyzer
                .analyze(e.text.trim_start_matches('='), &mut a);
            a.tokens
                .iter()
                .filter(|x| x.kind == TokenKind::Word)
                .map(|x| tagger.analyzer.stem(a.norm_of(x)).into_owned())
                .collect()
        })
        .collect();
    let opts = Options {
        existing,
        top: args.top,
        min_positive: args.min_positive,
        min_precision: args.min_precision,
    };
    let mut patch = format!(
        "# framewatch lexicon suggest: candidate entries for review. Nothing here is applied:\n\
         # copy an entry into its sub-frame of {} by hand, with a note citing its evidence.\n\
         # Evidence: {} coded sentences of {} ({splits}; the test split is never read).\n\
         # precision: of the coded sentences holding the candidate, those coded with the framing;\n\
         # gain: coded framing sentences the lexicon misses that it would find.\n",
        lexicon.origin,
        units.len(),
        args.gold.display(),
    );
    let mut total = 0;
    for (f, &cat) in framings.iter().enumerate() {
        let cands = suggest::suggest(&units, f, &opts);
        total += cands.len();
        let cat_name = &lexicon.categories[cat].name;
        let mut by_sub: std::collections::BTreeMap<Option<usize>, Vec<&Candidate>> =
            Default::default();
        for c in &cands {
            by_sub.entry(c.subframe).or_default().push(c);
        }
        for (sub, cs) in by_sub {
            match sub {
                Some(s) => writeln!(patch, "\n[categories.{cat_name}.{}]", lexicon.subframes[s].name),
                None => writeln!(patch, "\n# categories.{cat_name}: no sub-frame fired beside these; choose one\n# [categories.{cat_name}.SUBFRAME]"),
            }
            .expect("writing to a String");
            patch += if sub.is_some() {
                "entries = [\n"
            } else {
                "# entries = [\n"
            };
            for c in cs {
                let lead = if sub.is_some() { "" } else { "# " };
                let _ = writeln!(
                    patch,
                    "  # {}: {} {:.2}; in {} coded sentences, {} coded {cat_name} (precision {:.2}); gain {}",
                    c.origin.as_str(),
                    match c.origin {
                        suggest::Origin::Keyness => "G2",
                        suggest::Origin::Collocate => "logDice",
                        suggest::Origin::Model => "weight",
                    },
                    c.score,
                    c.holding,
                    c.positive,
                    c.precision(),
                    c.gain
                );
                for (id, pos, text) in &c.lines {
                    let short: String = text.chars().take(160).collect();
                    let _ = writeln!(
                        patch,
                        "  #   {} {id}: {short}",
                        if *pos { "+" } else { "-" }
                    );
                }
                let _ = writeln!(
                    patch,
                    "  {lead}{{ term = {}, note = \"lexicon suggest ({}, {splits}): {}/{} coded {cat_name}, gain {}\" }},",
                    toml_str(&c.entry),
                    c.origin.as_str(),
                    c.positive,
                    c.holding,
                    c.gain
                );
            }
            patch += if sub.is_some() { "]\n" } else { "# ]\n" };
        }
    }
    match &args.out {
        Some(p) => crate::output::atomic::write_file(p, patch.as_bytes())?,
        None => print!("{patch}"),
    }
    eprintln!(
        "framewatch: {total} candidates from {} coded sentences ({splits})",
        units.len()
    );
    Ok(EXIT_OK)
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
