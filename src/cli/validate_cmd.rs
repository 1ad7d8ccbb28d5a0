//! `framewatch validate --gold FILE`: the lexicon against hand coding.

use super::ingest_args::IngestArgs;
use super::{EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::pipeline::Job;
use crate::study::classify;
use crate::study::validate::{self, Gold, GoldOptions, Interval, Report, Target};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Hand-coded units, CSV (TSV by extension) or JSONL: `unit_id`; `text`
    /// and/or `doc_id` (+ `byte_start`, `byte_end`); label columns named
    /// like a category (`behavioural`) or sub-frame
    /// (`behavioural.dependency`) coded 1/0 or endorsed/distanced/none;
    /// optional `coder`, `role` (coder or adjudicator), `inclusion_prob`,
    /// `stratum`, and an old-style `stance` column.
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// The corpus the units' doc_ids refer to, as for `framewatch run`.
    /// None: the demo corpus. Units whose document is not found are tagged
    /// from their own text.
    pub inputs: Vec<PathBuf>,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// The category the `stance` column codes. Default: the first
    /// category that is not the context category.
    #[arg(long, value_name = "CATEGORY")]
    pub stance_of: Option<String>,
    /// Bootstrap resamples for the 95% intervals (0: none); each draws
    /// documents with replacement within the sampling strata, with their
    /// units in that stratum together.
    #[arg(long, default_value = "1000", value_name = "N")]
    pub bootstrap: usize,
    /// Resample clusters of units named by this gold column (passages,
    /// pages) instead of documents: for units from one or a few documents,
    /// where resampling documents cannot show how much the figures would
    /// vary. A cluster is the units of one document with one value (page
    /// 1 of two documents is two clusters). Every row needs a value.
    #[arg(long, value_name = "COLUMN")]
    pub cluster: Option<String>,
    /// Seed of the bootstrap.
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Keep only gold rows whose column has this value, e.g.
    /// `--where split=test --where corpus=us_sotu` (repeatable; all must
    /// hold). Several values, comma-separated, keep rows with any of them:
    /// `--where split=train,dev`.
    #[arg(long = "where", value_name = "COLUMN=VALUE", value_parser = parse_where)]
    pub filters: Vec<(String, String)>,
    /// The sample's design: a CSV with `unit_id`, `inclusion_prob` and
    /// optionally `stratum` (the key file `framewatch sample` writes).
    /// Precision, recall and F1 are then also reported weighted by
    /// 1 / inclusion probability. A gold file's own `inclusion_prob` column
    /// does the same.
    #[arg(long, value_name = "FILE")]
    pub design: Option<PathBuf>,
    /// A model from `framewatch train` (`builtin`: the default model,
    /// trained on the project's coded corpus): measure it on the same units and
    /// report it beside the lexicon (its figures nested under `model` in
    /// JSON). `--min-f1` checks the lexicon's figures.
    #[arg(long, value_name = "MODEL", conflicts_with = "cv")]
    pub model: Option<PathBuf>,
    /// K-fold cross-validation of the trained model on these coded units
    /// (folds by document; each unit labelled by a model trained, with
    /// `framewatch train`'s defaults, on the other folds), reported beside
    /// the lexicon as `--model` is: for a corpus coded with your own
    /// codebook, before any unit is set aside for a test.
    #[arg(long, value_name = "K")]
    pub cv: Option<u32>,
    /// Print JSON (schema framewatch-validate/2) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when an F1 is below a floor (or cannot be computed):
    /// `0.7` for every category label, `"behavioural (endorsed)=0.6"` for
    /// one label (repeatable). With design weights the weighted F1 is
    /// checked.
    #[arg(long, value_name = "[LABEL=]F1", value_parser = parse_floor)]
    pub min_f1: Vec<(Option<String>, f64)>,
    /// False positives and negatives shown per label in the text report.
    #[arg(long, default_value = "5", value_name = "N")]
    pub show: usize,
    /// Write every false positive and false negative to this CSV: the
    /// lexicon's, and the model's with --model or --cv (column `method`).
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestArgs,
}

pub(crate) fn parse_where(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("{s:?}: expected COLUMN=VALUE, e.g. split=test")),
    }
}

fn parse_floor(s: &str) -> std::result::Result<(Option<String>, f64), String> {
    let (label, num) = match s.rsplit_once('=') {
        Some((l, n)) => (Some(l.trim().to_string()), n),
        None => (None, s),
    };
    let f: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{num:?} is not a number (give F1 or LABEL=F1)"))?;
    if !(0.0..=1.0).contains(&f) {
        return Err(format!("{f}: F1 is between 0 and 1"));
    }
    Ok((label, f))
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}", v))
        .unwrap_or_else(|| "  - ".into())
}

fn ci(i: Interval) -> String {
    match i {
        (Some(a), Some(b)) => format!("[{a:.2}, {b:.2}]"),
        _ => "[  -  ,  -  ]".into(),
    }
}

fn print_text(r: &Report, show: usize) {
    println!(
        "{}: {} units, coded by {}; lexicon {} {}",
        r.gold,
        r.units,
        match r.coders.as_slice() {
            [one] if one.is_empty() => "one coder".to_string(),
            [one] => one.clone(),
            many => format!("{} coders ({})", many.len(), many.join(", ")),
        },
        r.lexicon,
        r.lexicon_version
    );
    if r.standalone_units > 0 {
        println!(
            "note: {} units were tagged from their own text (their documents are not in the corpus), without paragraph context",
            r.standalone_units
        );
    }
    if !r.coder_agreement.is_empty() {
        println!(
            "\nagreement between coders (Krippendorff's alpha, nominal; pairwise Cohen's kappa):"
        );
        for a in &r.coder_agreement {
            println!(
                "  {:<32} alpha {}  ({} units coded twice or more)",
                a.label,
                pct(a.alpha),
                a.units
            );
            for p in &a.pairs {
                println!(
                    "    {} / {}: kappa {}, agreement {} on {} units",
                    p.a,
                    p.b,
                    pct(p.kappa),
                    pct(p.agreement),
                    p.n
                );
            }
        }
        if r.adjudicated_units > 0 {
            println!(
                "\nthe tool against the reference label (the adjudicator's on {} units, else the coders' majority; ties left out):",
                r.adjudicated_units
            );
        } else {
            println!("\nthe tool against the majority label (ties left out):");
        }
    } else {
        println!("\nthe tool against the coder:");
    }
    print_labels(r, show);
    if let Some(m) = &r.model {
        match m.method {
            "model" => println!("\nthe trained model on the same units:"),
            _ => println!(
                "\nthe trained model, cross-validated (each unit labelled by a model trained on the other folds, folds by document):"
            ),
        }
        print_labels(m, show);
        print_comparison(m);
    }
}

/// The model against the lexicon, unit by unit.
fn print_comparison(m: &Report) {
    if m.against_lexicon.is_empty() {
        return;
    }
    println!(
        "\nthe model against the lexicon on the same units (its F1 minus the lexicon's; the interval resamples the same documents for both):"
    );
    println!(
        "  {:<32} {:>24} {:>24}  {:<22}",
        "label", "coded yes: found by", "coded no: flagged by", "F1 difference [95% CI]"
    );
    println!(
        "  {:<32} {:>5} {:>5} {:>6} {:>5} {:>5} {:>5} {:>6} {:>5}",
        "", "both", "model", "lexic.", "none", "both", "model", "lexic.", "none"
    );
    let signed = |x: Option<f64>| x.map_or("  - ".to_string(), |v| format!("{v:+.2}"));
    let ci_signed = |i: Interval| match i {
        (Some(a), Some(b)) => format!("[{a:+.2}, {b:+.2}]"),
        _ => "[  -  ,  -  ]".into(),
    };
    for c in &m.against_lexicon {
        let (p, n) = (&c.positives, &c.negatives);
        println!(
            "  {:<32} {:>5} {:>5} {:>6} {:>5} {:>5} {:>5} {:>6} {:>5}  {} {}",
            c.label,
            p.both,
            p.model_only,
            p.lexicon_only,
            p.neither,
            n.both,
            n.model_only,
            n.lexicon_only,
            n.neither,
            signed(c.f1_difference),
            ci_signed(c.f1_difference_ci)
        );
        if let Some(w) = &c.weighted {
            println!(
                "    {:<30} {:>49}  {} {}",
                "design-weighted",
                "",
                signed(w.f1_difference),
                ci_signed(w.f1_difference_ci)
            );
        }
    }
}

/// The label table, the stance tables and the errors of one report.
fn print_labels(r: &Report, show: usize) {
    let resampled = match &r.cluster {
        Some(c) => format!("`{c}` clusters"),
        None => "documents".to_string(),
    };
    if r.design_weighted {
        println!(
            "  (each label's second row is weighted by 1 / inclusion probability: the estimate for the population sampled{})",
            if r.strata > 0 {
                format!("; bootstrap of {resampled} within {} strata", r.strata)
            } else {
                String::new()
            }
        );
    } else if r.cluster.is_some() {
        println!("  (intervals: bootstrap of {resampled})");
    }
    println!(
        "  {:<32} {:>5} {:>4} {:>4} {:>4} {:>4}  {:<18} {:<18} {:<18} {:>6}",
        "label",
        "n",
        "tp",
        "fp",
        "fn",
        "tn",
        "precision [95% CI]",
        "recall [95% CI]",
        "F1 [95% CI]",
        "kappa"
    );
    for m in &r.labels {
        let c = &m.confusion;
        println!(
            "  {:<32} {:>5} {:>4} {:>4} {:>4} {:>4}  {} {} {} {} {} {} {:>6}{}",
            m.label,
            m.n,
            c.tp,
            c.fp,
            c.fn_,
            c.tn,
            pct(m.precision),
            ci(m.precision_ci),
            pct(m.recall),
            ci(m.recall_ci),
            pct(m.f1),
            ci(m.f1_ci),
            pct(m.kappa),
            if m.ties > 0 {
                format!("  ({} ties)", m.ties)
            } else {
                String::new()
            }
        );
        if let Some(w) = &m.weighted {
            let c = &w.confusion;
            println!(
                "  {:<32} {:>5} {:>4.0} {:>4.0} {:>4.0} {:>4.0}  {} {} {} {} {} {}",
                "  design-weighted",
                "",
                c.tp,
                c.fp,
                c.fn_,
                c.tn,
                pct(w.precision),
                ci(w.precision_ci),
                pct(w.recall),
                ci(w.recall_ci),
                pct(w.f1),
                ci(w.f1_ci),
            );
        }
    }
    for s in &r.stances {
        println!(
            "\nstance of {} framing where coders and tool both find it ({} units): accuracy {}, kappa {}",
            s.category,
            s.n,
            pct(s.accuracy),
            pct(s.kappa)
        );
        for (g, t, n) in &s.table {
            println!("  coder {g:<10} tool {t:<10} {n:>4}");
        }
    }
    for m in &r.labels {
        for (kind, cases) in [
            ("false positives", &m.false_positives),
            ("false negatives", &m.false_negatives),
        ] {
            if cases.is_empty() || show == 0 {
                continue;
            }
            println!("\n{} {} ({}):", m.label, kind, cases.len());
            for c in cases.iter().take(show) {
                println!("  {}: {}", c.unit_id, c.text);
                if !c.entries.is_empty() {
                    let what = if kind.starts_with("false p") {
                        "fired"
                    } else {
                        "found instead"
                    };
                    println!("    {what}: {}", c.entries.join("; "));
                }
            }
            if cases.len() > show {
                println!(
                    "  ... {} more (--show N, or --errors FILE for all)",
                    cases.len() - show
                );
            }
        }
    }
}

pub fn run(args: Args) -> Result<u8> {
    let tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    let lexicon = &tagger.lexicon;
    let reading = args.ingest.settle()?;
    let opts = GoldOptions {
        stance_of: args.stance_of.clone(),
        filters: args.filters.clone(),
        design: match &args.design {
            Some(p) => validate::read_design(p)?,
            None => Default::default(),
        },
        cluster: args.cluster.clone(),
    };
    let gold = Gold::read(&args.gold, lexicon, &opts)?;
    for (label, _) in &args.min_f1 {
        if let Some(l) = label
            && !gold.labels.iter().any(|g| &g.name == l)
        {
            let names: Vec<&str> = gold.labels.iter().map(|g| g.name.as_str()).collect();
            return Err(Error::usage(
                format!("--min-f1 {l}=...: no label {l:?} in {}", gold.path),
                Some(format!("the labels are: {}", names.join(", "))),
            ));
        }
    }
    let needs_corpus = gold.units.iter().any(|u| u.doc_id.is_some());
    let corpus = match (needs_corpus, args.inputs.is_empty()) {
        (false, _) => Corpus::default(),
        (true, true) => Corpus::demo()?,
        (true, false) => {
            super::ingest_args::refuse_run_folders(&args.inputs, "validate")?;
            Corpus::discover(&args.inputs, &reading.ingest)?
        }
    };
    let model = match &args.model {
        Some(p) => Some(crate::study::classify::Model::read(p, &tagger.lexicon)?),
        None => None,
    };
    if args.cv.is_some_and(|k| k < 2) {
        return Err(Error::usage(
            "--cv: cross-validation needs at least 2 folds",
            None,
        ));
    }
    let cv_features = args.cv.map(|_| classify::FeatureConfig::default());
    let job = Job::new(&tagger, &reading);
    let tool = validate::tag_units_with(
        &gold,
        &job,
        &corpus.docs,
        model.as_ref().map(|m| &m.features).or(cv_features.as_ref()),
    )?;
    let mut report = validate::evaluate(&gold, &tool, &tagger.lexicon, args.bootstrap, args.seed);
    let lexicon = &tagger.lexicon;
    let names = |cats: &[usize]| -> Vec<String> {
        cats.iter()
            .map(|&c| lexicon.categories[c].name.clone())
            .collect()
    };
    // The model's report, and the model against the lexicon on the labels
    // it makes.
    let model_report = |units: Vec<validate::ToolUnit>, framings: Vec<String>| {
        let mut r =
            validate::evaluate_model(&gold, &units, lexicon, &framings, args.bootstrap, args.seed);
        let labels: Vec<String> = r.labels.iter().map(|l| l.label.clone()).collect();
        r.against_lexicon =
            validate::compare(&gold, &tool, &units, &labels, args.bootstrap, args.seed);
        Box::new(r)
    };
    if let Some(m) = &model {
        let units = validate::model_units(&gold, &tool, lexicon, m);
        let framings = m.framings.iter().map(|f| f.framing.clone()).collect();
        report.model = Some(model_report(units, framings));
    }
    if let (Some(k), Some(cfg)) = (args.cv, &cv_features) {
        let framings = gold.stance_cats.clone();
        if framings.is_empty() {
            return Err(Error::usage(
                format!(
                    "--cv: {} codes no framing endorsed/distanced/none",
                    gold.path
                ),
                Some(
                    "code each framing column (e.g. `behavioural`) as endorsed, distanced or none"
                        .into(),
                ),
            ));
        }
        let (examples, _) = validate::examples(&gold, tool.clone(), &framings);
        let all: Vec<&classify::Example> = examples.iter().collect();
        let opts = classify::TrainOptions::default();
        let held: Vec<Vec<classify::Prediction>> = (0..framings.len())
            .map(|f| classify::out_of_fold(&all, f, cfg, &opts, k))
            .collect();
        let units = validate::predicted_units(&gold, &tool, lexicon, |u, cat, _| {
            let f = framings.iter().position(|&c| c == cat)?;
            Some(held[f][u])
        });
        let mut r = model_report(units, names(&framings));
        r.method = "model (cross-validated)";
        report.model = Some(r);
    }
    if let Some(path) = &args.errors {
        // The lexicon's errors, then the model's (with --model or --cv).
        let mut rows = Vec::new();
        for r in std::iter::once(&report).chain(report.model.as_deref()) {
            for m in &r.labels {
                for (kind, cases) in [("fp", &m.false_positives), ("fn", &m.false_negatives)] {
                    for c in cases {
                        rows.push(vec![
                            r.method.to_string(),
                            m.label.clone(),
                            kind.to_string(),
                            c.unit_id.clone(),
                            c.text.clone(),
                            c.entries.join("; "),
                        ]);
                    }
                }
            }
        }
        super::write_csv(
            path,
            &["method", "label", "error", "unit_id", "text", "entries"],
            rows.into_iter(),
        )?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serialises")
        );
    } else {
        print_text(&report, args.show);
    }
    let mut failed = false;
    for (m, l) in report.labels.iter().zip(&gold.labels) {
        let floor = args.min_f1.iter().rev().find_map(|(label, f)| match label {
            Some(name) => (name == &m.label).then_some(*f),
            None => matches!(l.target, Target::Category(_)).then_some(*f),
        });
        let Some(min) = floor else { continue };
        let (f1, which) = match &m.weighted {
            Some(w) => (w.f1, "design-weighted F1"),
            None => (m.f1, "F1"),
        };
        match f1 {
            Some(f) if f >= min => {
                eprintln!(
                    "framewatch: {}: {which} {f:.3} meets --min-f1 {min}",
                    m.label
                );
            }
            Some(f) => {
                eprintln!(
                    "framewatch: {}: {which} {f:.3} is below --min-f1 {min}",
                    m.label
                );
                failed = true;
            }
            None => {
                eprintln!(
                    "framewatch: {}: F1 cannot be computed (no unit is positive for coders or tool)",
                    m.label
                );
                failed = true;
            }
        }
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}
