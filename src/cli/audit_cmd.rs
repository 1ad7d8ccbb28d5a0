//! `framewatch audit FILE`: one document — summary, every hit, HTML,
//! JSON, SARIF or GitHub annotations, and thresholds that set the exit code.

use super::ingest_args::IngestArgs;
use super::{EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};
use crate::ingest::file_doc;
use crate::model::{DocMeta, HitStatus, Stance};
use crate::output;
use crate::pipeline::{Job, Outcome, Reading};
use crate::study::audit::{self, Audit};
use crate::study::classify::Model;
use crate::tagger::{Tagger, View};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document: .txt, .md, .pdf, .docx, .odt or .html.
    pub file: PathBuf,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Output on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Also write a self-contained HTML page with every hit highlighted.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Place the document's share and rates among a run's documents.
    #[arg(long, value_name = "RUN_DIR")]
    pub reference: Option<PathBuf>,
    /// Fail (exit 1) if METRIC OP NUMBER holds, e.g. "behavioural.endorsed > 5",
    /// "share >= 0.6", "rate.behavioural > 20", "behavioural.dependency > 0"
    /// (repeatable).
    #[arg(long = "fail-if", value_name = "EXPR")]
    pub fail_if: Vec<String>,
    /// Fail if the behavioural share is above this.
    #[arg(long, value_name = "SHARE")]
    pub max_share: Option<f64>,
    /// Fail if a category's rate per 10,000 words is above a limit:
    /// CATEGORY=RATE (repeatable).
    #[arg(long, value_name = "CATEGORY=RATE")]
    pub max_rate: Vec<String>,
    /// A model from `framewatch train`: its label of each hit's sentence,
    /// and the sentences it reads as framed. Default: the built-in model
    /// when it fits the lexicon; `none` for no model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestArgs,

    /// Compare these two categories in share and balance (default: the
    /// lexicon's `[lexicon] poles`, or behavioural and structural when
    /// both exist; without poles share and balance are left out).
    #[arg(long, value_name = "A,B")]
    pub poles: Option<String>,
}

pub fn run(args: Args) -> Result<u8> {
    let mut tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    super::apply_poles(&mut tagger, args.poles.as_deref())?;
    let reading = args.ingest.settle()?;
    let shown = args.file.display().to_string();
    super::ingest_args::refuse_run_folders(std::slice::from_ref(&args.file), "audit")?;
    if !args.file.is_file() {
        return Err(Error::usage(
            format!("{shown}: no such file"),
            Some(
                "framewatch audit takes one document (.txt, .md, .pdf, .docx, .odt, .html)".into(),
            ),
        ));
    }
    let meta = file_doc(&args.file).ok_or_else(|| {
        Error::usage(
            format!("{shown}: a table or feed holds many documents"),
            Some("use `framewatch run` on it, or `framewatch kwic`".into()),
        )
    })?;
    let model = match &args.model {
        Some(p) if p.as_os_str() == "none" => None,
        p => super::load_model(p.as_deref(), &tagger.lexicon)?,
    };
    let (mut a, text, _) = match audit_doc(&tagger, model.as_ref(), &reading, meta, &shown)? {
        Outcome::Tagged(d, out) => {
            super::print_warnings(&shown, &d.warnings);
            out
        }
        Outcome::Skipped(s) => {
            return Err(Error::usage(
                format!("{shown}: {}: {}", s.reason, s.detail),
                None,
            ));
        }
    };
    if let Some(run) = &args.reference {
        a.place(&output::read_reference(run)?);
    }
    let mut exprs = args.fail_if.clone();
    if let Some(s) = args.max_share {
        exprs.push(format!("share > {s}"));
    }
    for m in &args.max_rate {
        let Some((cat, limit)) = m.split_once('=') else {
            return Err(Error::usage(
                format!("--max-rate \"{m}\": expected CATEGORY=RATE"),
                None,
            ));
        };
        exprs.push(format!("rate.{cat} > {limit}"));
    }
    for e in &exprs {
        a.check(e).map_err(|msg| {
            Error::usage(
                msg,
                Some("see `framewatch audit --help` for metrics".into()),
            )
        })?;
    }
    if let Some(out) = &args.html {
        crate::output::atomic::write_file(out, a.to_html(&text).as_bytes())?;
    }
    match args.format {
        AuditFormat::Text => print!("{}", to_text(&a)),
        AuditFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&a.to_json()).expect("JSON values serialise")
        ),
        AuditFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&a.to_sarif(&tagger)).expect("JSON values serialise")
        ),
        AuditFormat::Github => print!("{}", a.to_github()),
    }
    Ok(if a.failed() { EXIT_FAILED } else { EXIT_OK })
}

/// A document's audit, its text and its sentences' byte spans.
pub(super) type Audited = (Audit, String, Vec<(u32, u32)>);

/// One document read, tagged and audited as `audit` does it (`serve`
/// too): the lexicon's hits, the model's labels when there is a model,
/// the document's text and its sentences' byte spans.
pub(super) fn audit_doc(
    tagger: &Tagger,
    model: Option<&(Model, PathBuf)>,
    reading: &Reading,
    meta: DocMeta,
    shown: &str,
) -> Result<Outcome<Audited>> {
    let job = Job::new(tagger, reading);
    let inspect = |v: &View<'_>| {
        let mut a = audit::of_view(tagger, shown, v);
        if let Some((m, origin)) = model {
            a.add_model(tagger, m, &origin.display().to_string(), v);
        }
        (a, v.text.to_string(), v.analysis.sentence_spans())
    };
    job.one(meta, &inspect)
}

fn to_text(a: &Audit) -> String {
    let fmt = |x: Option<f64>, d: usize| x.map_or("n/a".to_string(), |v| format!("{v:.d$}"));
    let mut out = format!(
        "{}: {} words, {} sentences\n",
        a.path, a.tokens, a.sentences
    );
    out.push_str(&format!(
        "{:<16}{:>9}{:>9}{:>10}{:>11}{:>9}\n",
        "category", "endorsed", "negated", "distanced", "no-context", "per 10k"
    ));
    for ((name, c), (_, rate)) in a.categories.iter().zip(&a.rates) {
        out.push_str(&format!(
            "{name:<16}{:>9}{:>9}{:>10}{:>11}{:>9}\n",
            c.endorsed,
            c.negated,
            c.distanced,
            c.no_context,
            fmt(*rate, 1)
        ));
    }
    match &a.poles {
        Ok([first, _]) => out.push_str(&format!(
            "{first} share {} · balance {} (endorsed hits)\n",
            fmt(a.share, 3),
            fmt(a.balance, 3)
        )),
        Err(why) => out.push_str(&format!("{why}\n")),
    }
    for (name, c) in a
        .subframes
        .iter()
        .filter(|(_, c)| c.endorsed + c.negated + c.distanced > 0)
    {
        out.push_str(&format!(
            "  {name:<40} endorsed {:>3}  negated {:>3}  distanced {:>3}\n",
            c.endorsed, c.negated, c.distanced
        ));
    }
    if let Some(p) = &a.placement {
        out.push_str(&format!(
            "reference {}: {} share higher than {}% of the {}",
            p.run,
            a.poles.as_ref().map_or("no", |[first, _]| first.as_str()),
            fmt(p.share, 0),
            p.described()
        ));
        for (c, r) in &p.rates {
            out.push_str(&format!("; {c} rate above {}%", fmt(*r, 0)));
        }
        out.push('\n');
    }
    for h in &a.hits {
        let stance = match (h.status, h.stance) {
            (HitStatus::NoContext, _) => audit::NO_CONTEXT_LABEL.to_string(),
            (_, Stance::Endorsed) => "endorsed".to_string(),
            (_, s) => format!("{} ({})", s.as_str(), h.stance_rule),
        };
        let model = h.model.map_or(String::new(), |(label, p)| {
            format!(" [model: {label}, p(endorsed) {p:.2}]")
        });
        // Paged documents are cited by page; text by line and column, as
        // editors jump to them.
        let at = match h.page {
            Some(_) => format!("{}, {}", a.path, h.cite()),
            None => format!("{}:{}:{}", a.path, h.line, h.column),
        };
        out.push_str(&format!(
            "{at}: {}.{} {stance}{model}: \"{}\" — {}\n",
            h.category, h.subframe, h.surface, h.sentence
        ));
    }
    if let Some(m) = &a.model {
        let counts: Vec<String> = m
            .framings
            .iter()
            .map(|(f, e, d)| format!("{f} {e} endorsed, {d} distanced"))
            .collect();
        out.push_str(&format!(
            "model ({}): sentences {}; behavioural share {} (endorsed sentences)\n",
            m.origin,
            counts.join("; "),
            fmt(m.share, 3)
        ));
        for s in m.sentences.iter().filter(|s| !s.lexicon_missed.is_empty()) {
            let at = match s.page {
                Some(p) => format!("{}, p. {p}", a.path),
                None => format!("{}:{}:{}", a.path, s.line, s.column),
            };
            out.push_str(&format!(
                "{at}: model only ({}): {}
",
                s.missed_labels(),
                s.text
            ));
        }
    }
    for c in &a.checks {
        out.push_str(&format!(
            "threshold {}: value {} → {}\n",
            c.expr,
            fmt(c.value, 3),
            if c.crossed { "CROSSED" } else { "ok" }
        ));
    }
    if !a.checks.is_empty() {
        out.push_str(&format!(
            "verdict: {}\n",
            if a.failed() { "fail" } else { "pass" }
        ));
    }
    out
}
