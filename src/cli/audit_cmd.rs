//! `framewatch audit FILE...`: each document — summary, every hit, HTML,
//! JSON, SARIF (one run for all) or GitHub annotations with a job
//! summary, and thresholds that set the exit code.

use super::ingest_args::IngestArgs;
use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};
use crate::ingest::file_doc;
use crate::model::{DocMeta, HitStatus, Stance};
use crate::output;
use crate::pipeline::{Job, Outcome, Reading};
use crate::study::audit::{self, Audit};
use crate::study::audit_ci::{self, Unread};
use crate::study::classify::Model;
use crate::study::thousands;
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
    /// The documents: .txt, .md, .pdf, .docx, .odt or .html. Each is
    /// audited on its own; SARIF puts them all in one run.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Output on standard output. `github` also appends a summary table to
    /// the file $GITHUB_STEP_SUMMARY names, when it is set.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Also write a self-contained HTML page with every hit highlighted
    /// (one document only).
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Place the document's share and rates among a run's documents.
    #[arg(long, value_name = "RUN_DIR")]
    pub reference: Option<PathBuf>,
    /// Fail (exit 1) if METRIC OP NUMBER holds, e.g. "behavioural.endorsed > 5",
    /// "share >= 0.6", "rate.behavioural > 20", "behavioural.dependency > 0"
    /// (repeatable; checked for each document).
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
    /// With --format sarif: the run's category (`automationDetails.id`),
    /// which GitHub code scanning keeps one analysis per. Default:
    /// `framewatch/PATH/` for one document, `framewatch/` for several.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
    /// With --format github: annotations of each level (error, warning,
    /// notice) to print at most. GitHub shows 10 of each per step; lower
    /// it when several audits share a step.
    #[arg(long, value_name = "N", default_value_t = audit_ci::ANNOTATIONS_PER_LEVEL as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub max_annotations: u16,
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
    super::ingest_args::refuse_run_folders(&args.files, "audit")?;
    if args.html.is_some() && args.files.len() > 1 {
        return Err(Error::usage(
            format!(
                "--html writes one document's page; {} documents given",
                args.files.len()
            ),
            Some("run `framewatch audit FILE --html OUT.html` for each document".into()),
        ));
    }
    if args.sarif_category.is_some() && !matches!(args.format, AuditFormat::Sarif) {
        return Err(Error::usage(
            "--sarif-category goes with --format sarif",
            None,
        ));
    }
    let model = match &args.model {
        Some(p) if p.as_os_str() == "none" => None,
        p => super::load_model(p.as_deref(), &tagger.lexicon)?,
    };
    let reference = match &args.reference {
        Some(run) => Some(output::read_reference(run)?),
        None => None,
    };
    let exprs = thresholds(&args)?;
    let mut audits = Vec::new();
    let mut unread = Vec::new();
    for file in &args.files {
        let shown = file.display().to_string();
        let (mut a, text) = match audit_file(&tagger, model.as_ref(), &reading, file, &shown) {
            Ok(done) => done,
            // One document: its error is the command's. Several: say
            // why on stderr and in the output, and audit the rest.
            Err(e) if args.files.len() == 1 => return Err(e),
            Err(e) => {
                super::report(&e);
                let reason = e.to_string();
                let reason = reason
                    .strip_prefix(&format!("{shown}: "))
                    .unwrap_or(&reason)
                    .to_string();
                unread.push(Unread {
                    path: shown,
                    reason,
                });
                continue;
            }
        };
        if let Some(r) = &reference {
            a.place(r);
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
        audits.push(a);
    }
    let json =
        |v: &serde_json::Value| serde_json::to_string_pretty(v).expect("JSON values serialise");
    match args.format {
        AuditFormat::Text => {
            let texts: Vec<String> = audits.iter().map(to_text).collect();
            print!("{}", texts.join("\n"));
        }
        AuditFormat::Json => match audits.as_slice() {
            [one] => println!("{}", json(&one.to_json())),
            many => println!(
                "{}",
                json(&serde_json::Value::Array(
                    many.iter().map(Audit::to_json).collect()
                ))
            ),
        },
        AuditFormat::Sarif => {
            let paths: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
            let category = args
                .sarif_category
                .clone()
                .unwrap_or_else(|| audit_ci::default_category(&paths));
            println!(
                "{}",
                json(&audit_ci::sarif(&audits, &unread, &tagger, &category))
            );
        }
        AuditFormat::Github => {
            let limit = usize::from(args.max_annotations);
            let summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty());
            if let Some(path) = &summary {
                let md = audit_ci::summary(&audits, &unread, limit);
                append(std::path::Path::new(path), &md)?;
            }
            print!(
                "{}",
                audit_ci::github(&audits, &unread, limit, summary.is_some())
            );
        }
    }
    Ok(if !unread.is_empty() {
        EXIT_ERROR
    } else if audits.iter().any(Audit::failed) {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

/// The thresholds asked for, as expressions `Audit::check` reads.
fn thresholds(args: &Args) -> Result<Vec<String>> {
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
    Ok(exprs)
}

/// One file audited, or why it could not be.
fn audit_file(
    tagger: &Tagger,
    model: Option<&(Model, PathBuf)>,
    reading: &Reading,
    file: &std::path::Path,
    shown: &str,
) -> Result<(Audit, String)> {
    if file.is_dir() {
        return Err(Error::usage(
            format!("{shown}: a folder; audit reads documents"),
            Some(format!(
                "give the documents in it, e.g. `framewatch audit {shown}/*.md`"
            )),
        ));
    }
    if !file.is_file() {
        return Err(Error::usage(
            format!("{shown}: no such file"),
            Some("framewatch audit takes documents (.txt, .md, .pdf, .docx, .odt, .html)".into()),
        ));
    }
    let meta = file_doc(file).ok_or_else(|| {
        Error::usage(
            format!("{shown}: a table or feed holds many documents"),
            Some("use `framewatch run` on it, or `framewatch kwic`".into()),
        )
    })?;
    match audit_doc(tagger, model, reading, meta, shown)? {
        Outcome::Tagged(d, (a, text, _)) => {
            super::print_warnings(shown, &d.warnings);
            Ok((a, text))
        }
        Outcome::Skipped(s) => Err(Error::usage(
            format!("{shown}: {}: {}", s.reason, s.detail),
            None,
        )),
    }
}

/// Append text to a file (the step summary), creating it if needed.
fn append(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::output(path, e))
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
        a.path,
        thousands(a.tokens as f64),
        thousands(a.sentences as f64)
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
