//! `framewatch validate --gold FILE`: the lexicon against hand coding.

use super::{EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::lexicon::Lexicon;
use crate::pipeline::Tagger;
use crate::validate::{self, Gold, Interval, Report, Target};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Hand-coded units, CSV (TSV by extension) or JSONL: `unit_id`; `text`
    /// and/or `doc_id` (+ `byte_start`, `byte_end`); label columns named
    /// like a category (`behavioural`) or sub-frame
    /// (`behavioural.dependency`) coded 1/0; optional `stance` and `coder`.
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
    /// Bootstrap resamples of units for the 95% intervals (0: none).
    #[arg(long, default_value = "1000", value_name = "N")]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Print JSON (schema framewatch-validate/1) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any category's F1 is below this (or cannot be computed).
    #[arg(long, value_name = "F1")]
    pub min_f1: Option<f64>,
    /// False positives and negatives shown per label in the text report.
    #[arg(long, default_value = "5", value_name = "N")]
    pub show: usize,
    /// Write every false positive and false negative to this CSV.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
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
        println!("\nthe tool against the majority label (ties left out):");
    } else {
        println!("\nthe tool against the coder:");
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
    }
    if let Some(s) = &r.stance {
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
    if let Some(t) = args.min_f1
        && !(0.0..=1.0).contains(&t)
    {
        return Err(Error::usage(
            format!("--min-f1 {t}: F1 is between 0 and 1"),
            None,
        ));
    }
    let (lexicon, analyzer) = Lexicon::load(args.lexicon.as_deref())?;
    let gold = Gold::read(&args.gold, &lexicon, args.stance_of.as_deref())?;
    let tagger = Tagger::new(lexicon, analyzer);
    let needs_corpus = gold.units.iter().any(|u| u.doc_id.is_some());
    let corpus = match (needs_corpus, args.inputs.is_empty()) {
        (false, _) => Corpus::default(),
        (true, true) => Corpus::demo()?,
        (true, false) => Corpus::discover(&args.inputs, &Default::default())?,
    };
    let tool = validate::tag_units(&gold, &tagger, &corpus.docs)?;
    let report = validate::evaluate(&gold, &tool, &tagger.lexicon, args.bootstrap, args.seed);
    if let Some(path) = &args.errors {
        let mut rows = Vec::new();
        for m in &report.labels {
            for (kind, cases) in [("fp", &m.false_positives), ("fn", &m.false_negatives)] {
                for c in cases {
                    rows.push(vec![
                        m.label.clone(),
                        kind.to_string(),
                        c.unit_id.clone(),
                        c.text.clone(),
                        c.entries.join("; "),
                    ]);
                }
            }
        }
        super::write_csv(
            path,
            &["label", "error", "unit_id", "text", "entries"],
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
    let Some(min) = args.min_f1 else {
        return Ok(EXIT_OK);
    };
    let mut failed = false;
    for (m, l) in report.labels.iter().zip(&gold.labels) {
        if !matches!(l.target, Target::Category(_)) {
            continue;
        }
        match m.f1 {
            Some(f) if f >= min => {}
            Some(f) => {
                eprintln!("framewatch: {}: F1 {f:.3} is below --min-f1 {min}", m.label);
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
