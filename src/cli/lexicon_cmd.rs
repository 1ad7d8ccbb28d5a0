//! `framewatch lexicon check|test|explain|expand|import|export` (and
//! `suggest`, in [`super::suggest_cmd`]).

use super::ingest_args::IngestArgs;
use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};
use crate::ingest::file_doc;
use crate::lexicon::Lexicon;
use crate::lexicon::explain::{self, Explanation};
use crate::lexicon::interop;
use crate::model::{DocMeta, Origin};
use crate::pipeline::{Job, Outcome};
use crate::study::classify::{Features, Model, Prediction};
use crate::study::measure;
use crate::tagger::{Tagger, View};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum LexiconCommand {
    /// Validate lexicon files; print every problem as path:line:col: message.
    ///
    /// Exits 0 when every file is valid, 2 otherwise. With no file, checks
    /// the built-in default lexicon.
    Check {
        /// Lexicon TOML files.
        files: Vec<PathBuf>,
    },
    /// Run the must_match / must_not_match examples a lexicon carries.
    ///
    /// Prints each failure with its tokens, stems, hits and the rules
    /// involved. Exits 0 when all pass, 1 when any fails, 2 when a lexicon
    /// is invalid. With no file, tests the built-in lexicon.
    Test {
        /// Lexicon TOML files.
        files: Vec<PathBuf>,
        /// Also list the examples that pass.
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Show how a text tokenises, stems and matches: every token, every hit
    /// with its stance and the rule that set it, and every candidate match
    /// that was suppressed, and why.
    Explain {
        /// The text to explain (or use --file).
        #[arg(required_unless_present = "file")]
        text: Option<String>,
        /// Read the text from a file.
        #[arg(long, short = 'f', value_name = "FILE", conflicts_with = "text")]
        file: Option<PathBuf>,
        /// Lexicon TOML file. Default: the built-in lexicon.
        #[arg(long, short = 'l', value_name = "FILE")]
        lexicon: Option<PathBuf>,
        /// A model from `framewatch train`: its label of each sentence and
        /// the features that pushed it each way. Default: the built-in
        /// model when it fits the lexicon; `none` for no model.
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        #[command(flatten)]
        ingest: IngestArgs,
    },
    /// List, for each wildcard entry, the distinct words it matched in a
    /// corpus, with counts: an over-broad pattern shows at once.
    Expand {
        /// Lexicon TOML file ("-" for the built-in lexicon).
        lexicon: PathBuf,
        /// Files and folders to read, as for `framewatch run`.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Show at most this many forms per entry.
        #[arg(long, default_value = "20")]
        top: usize,
        #[command(flatten)]
        ingest: IngestArgs,
    },
    /// Convert a quanteda YAML, LIWC .dic or WordStat .cat dictionary to lexicon TOML.
    Import {
        /// The dictionary file (.yml/.yaml, .dic or .cat).
        file: PathBuf,
        /// Input format; default: from the file extension.
        #[arg(long, value_parser = ["yaml", "liwc", "wordstat"])]
        from: Option<String>,
        /// A value that cannot be an entry is an error, not a skipped
        /// entry with a warning.
        #[arg(long)]
        strict: bool,
        /// A value listed under several keys stays in the first only
        /// (default: it counts under each, as in quanteda and LIWC).
        #[arg(long)]
        first_key_wins: bool,
        /// Write here instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Propose entries per sub-frame from coded sentences (train and dev
    /// splits only): keyness, collocates of current entries, the model's
    /// strongest features; a TOML patch with the evidence, never applied.
    Suggest(super::suggest_cmd::Args),
    /// Write a lexicon as quanteda-style YAML.
    Export {
        /// Lexicon TOML file. Default: the built-in lexicon.
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_parser = ["yaml"], default_value = "yaml")]
        to: String,
        /// Write here instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn targets(files: Vec<PathBuf>) -> Vec<Option<PathBuf>> {
    if files.is_empty() {
        vec![None]
    } else {
        files.into_iter().map(Some).collect()
    }
}

fn shown(t: &Option<PathBuf>) -> String {
    t.as_ref().map_or_else(
        || "built-in lexicon".to_string(),
        |p| p.display().to_string(),
    )
}

fn load_tagger(path: Option<&Path>) -> Result<Tagger> {
    let path = path.filter(|p| p.as_os_str() != "-");
    super::load_tagger(path, false, false)
}

fn write_out(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(p) => crate::output::atomic::write_file(p, text.as_bytes()),
    }
}

pub fn run(cmd: LexiconCommand) -> Result<u8> {
    match cmd {
        LexiconCommand::Check { files } => check(files),
        LexiconCommand::Suggest(args) => super::suggest_cmd::run(args),
        LexiconCommand::Test { files, verbose } => test(files, verbose),
        LexiconCommand::Explain {
            text,
            file,
            lexicon,
            model,
            ingest,
        } => explain(text, file, lexicon, model, ingest),
        LexiconCommand::Expand {
            lexicon,
            inputs,
            top,
            ingest,
        } => expand(lexicon, inputs, top, ingest),
        LexiconCommand::Import {
            file,
            from,
            out,
            strict,
            first_key_wins,
        } => import(
            file,
            from,
            out,
            interop::ImportOptions {
                strict,
                first_key_wins,
            },
        ),
        LexiconCommand::Export { file, to: _, out } => export(file, out),
    }
}

fn check(files: Vec<PathBuf>) -> Result<u8> {
    let mut code = EXIT_OK;
    for t in targets(files) {
        match Lexicon::load(t.as_deref()) {
            Ok((lex, _)) => println!(
                "{}: ok: {} {} ({}), {} categories, {} sub-frames, {} entries, {} examples, sha256 {}",
                lex.origin,
                lex.name,
                lex.version,
                lex.language,
                lex.categories.len(),
                lex.subframes.len(),
                lex.entries.len(),
                lex.examples.len(),
                lex.sha256
            ),
            Err(Error::Lexicon { problems }) => {
                for p in &problems {
                    eprintln!("{p}");
                }
                eprintln!(
                    "{}: {} problem{}",
                    shown(&t),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                code = EXIT_ERROR;
            }
            Err(e) => {
                super::report(&e);
                code = EXIT_ERROR;
            }
        }
    }
    Ok(code)
}

fn test(files: Vec<PathBuf>, verbose: bool) -> Result<u8> {
    let mut code = EXIT_OK;
    for t in targets(files) {
        let tagger = match load_tagger(t.as_deref()) {
            Ok(x) => x,
            Err(e) => {
                super::report(&e);
                code = EXIT_ERROR;
                continue;
            }
        };
        let results = explain::run_examples(&tagger);
        let failed = results.iter().filter(|r| !r.passed).count();
        for r in &results {
            if r.passed && !verbose {
                continue;
            }
            let verdict = if r.passed { "ok" } else { "FAILED" };
            println!(
                "{}:{}: {verdict}: {:?}",
                tagger.lexicon.origin, r.example.line, r.example.text
            );
            if !r.passed {
                println!("  expected {}", r.expected);
                print_explanation(&tagger, &r.explanation, "  ");
            }
        }
        println!(
            "{}: {} examples, {} passed, {} failed",
            tagger.lexicon.origin,
            results.len(),
            results.len() - failed,
            failed
        );
        if failed > 0 && code == EXIT_OK {
            code = EXIT_FAILED;
        }
    }
    Ok(code)
}

fn explain(
    text: Option<String>,
    file: Option<PathBuf>,
    lexicon: Option<PathBuf>,
    model: Option<PathBuf>,
    ingest: IngestArgs,
) -> Result<u8> {
    let tagger = load_tagger(lexicon.as_deref())?;
    let model = match model {
        Some(p) if p.as_os_str() == "none" => None,
        p => super::load_model(p.as_deref(), &tagger.lexicon)?,
    };
    let reading = ingest.settle()?;
    let meta = match (text, file) {
        (Some(t), _) => DocMeta::bare("text", "text", Origin::Text(Arc::from(t))),
        (None, Some(f)) => {
            super::ingest_args::refuse_run_folders(std::slice::from_ref(&f), "lexicon explain")?;
            let shown = f.display().to_string();
            match file_doc(&f) {
                Some(meta) if f.is_file() => meta,
                Some(_) => {
                    return Err(Error::usage(
                        format!("{shown}: cannot read: no such file"),
                        None,
                    ));
                }
                None => {
                    return Err(Error::usage(
                        format!("{shown}: a table or feed holds many documents"),
                        Some("explain one document, or quote the text".into()),
                    ));
                }
            }
        }
        (None, None) => unreachable!("clap requires text or --file"),
    };
    let job = Job::new(&tagger, &reading);
    let inspect = |v: &View<'_>| {
        let sentences = model.as_ref().map(|(m, _)| {
            measure::predict_sentences(&tagger, m, v)
                .into_iter()
                .enumerate()
                .map(|(i, (span, p))| {
                    let f = measure::sentence_features(&tagger, &m.features, v, i, span);
                    (measure::sentence_text(v.text, span), f, p)
                })
                .collect::<Vec<_>>()
        });
        (explain::explain_view(&tagger, v), sentences)
    };
    match job.one(meta, &inspect)? {
        Outcome::Tagged(d, (ex, sentences)) => {
            super::print_warnings(&d.meta.path, &d.warnings);
            print_explanation(&tagger, &ex, "");
            if let (Some((m, path)), Some(sentences)) = (&model, sentences) {
                print_model_explanation(m, &path.display().to_string(), &sentences);
            }
        }
        // Nothing to explain in an empty text.
        Outcome::Skipped(s) if s.reason == "empty-text" => {}
        Outcome::Skipped(s) => {
            return Err(Error::usage(
                format!("{}: {}: {}", s.path, s.reason, s.detail),
                None,
            ));
        }
    }
    Ok(EXIT_OK)
}

fn expand(lexicon: PathBuf, inputs: Vec<PathBuf>, top: usize, ingest: IngestArgs) -> Result<u8> {
    let tagger = load_tagger(Some(&lexicon))?;
    let reading = ingest.settle()?;
    let source = super::ingest_args::source(&inputs, ingest.stdin_format, "lexicon expand")?;
    let job = Job::new(&tagger, &reading);
    let (forms, skipped, found) = explain::expand(&job, source)?;
    super::print_skipped(&found.skipped);
    super::print_skipped(&skipped);
    if forms.is_empty() {
        println!("{}: no wildcard entries", tagger.lexicon.origin);
    }
    for (entry, list) in forms {
        let e = &tagger.lexicon.entries[entry as usize];
        let total: u64 = list.iter().map(|x| x.1).sum();
        println!(
            "{} ({}, line {}): {} hits, {} distinct forms",
            e.text,
            tagger.lexicon.subframe_path(e.subframe),
            e.line,
            total,
            list.len()
        );
        for (form, n) in list.iter().take(top) {
            println!("  {n:>7}  {form}");
        }
        if list.len() > top {
            println!("  ... {} more", list.len() - top);
        }
    }
    Ok(EXIT_OK)
}

fn import(
    file: PathBuf,
    from: Option<String>,
    out: Option<PathBuf>,
    options: interop::ImportOptions,
) -> Result<u8> {
    let text = interop::read_dictionary(&file)?;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = match from.as_deref() {
        Some(f) => f.to_string(),
        None if ext == "yml" || ext == "yaml" => "yaml".into(),
        None if ext == "dic" => "liwc".into(),
        None if ext == "cat" => "wordstat".into(),
        None => {
            return Err(Error::usage(
                format!(
                    "{}: cannot tell the format from the extension",
                    file.display()
                ),
                Some("give --from yaml, --from liwc or --from wordstat".into()),
            ));
        }
    };
    let path = file.display().to_string();
    let (imported, format_name) = interop::import_any(&path, &text, &format, options)?;
    for n in &imported.notes {
        eprintln!("{n}");
    }
    let name = interop::sanitize(
        &file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let toml = interop::to_toml(&imported, &name, &path, format_name);
    // Say what is left to do before the lexicon can be used.
    if let Err(Error::Lexicon { problems }) = Lexicon::parse(
        out.as_ref()
            .map_or("<imported>".into(), |p| p.display().to_string())
            .as_str(),
        &toml,
    ) {
        eprintln!("framewatch: the imported lexicon needs editing before use:");
        for p in problems {
            eprintln!("{p}");
        }
    }
    write_out(out.as_deref(), &toml)?;
    eprintln!(
        "framewatch: imported {} entries in {} groups from {path}{}",
        imported.entry_count(),
        imported.groups.len(),
        if imported.skipped > 0 {
            format!(" ({} values skipped, see above)", imported.skipped)
        } else {
            String::new()
        }
    );
    Ok(EXIT_OK)
}

fn export(file: Option<PathBuf>, out: Option<PathBuf>) -> Result<u8> {
    let (lexicon, _) = Lexicon::load(file.as_deref())?;
    write_out(out.as_deref(), &interop::to_yaml(&lexicon))?;
    Ok(EXIT_OK)
}

/// Each sentence as the model labels it: per framing the label, the three
/// probabilities, and the features that pushed towards endorsed and away.
fn print_model_explanation(
    model: &Model,
    shown: &str,
    sentences: &[(String, Features, Vec<Prediction>)],
) {
    println!(
        "model ({shown}): each sentence, per framing: label (p none / endorsed / distanced); the features that pushed towards endorsed (+) and away (-):"
    );
    for (i, (text, f, preds)) in sentences.iter().enumerate() {
        println!("  [s{i}] \"{text}\"");
        for (m, p) in model.framings.iter().zip(preds) {
            println!(
                "    {}: {} ({:.2} / {:.2} / {:.2})",
                m.framing,
                p.label(),
                p.p[0],
                p.p[1],
                p.p[2]
            );
            let mut pull = m.explain(f, 1, 12);
            pull.retain(|(name, _)| name != "bias");
            let side = |up: bool| {
                let v: Vec<(String, f64)> = pull
                    .iter()
                    .filter(|(_, w)| (*w > 0.0) == up)
                    .take(5)
                    .cloned()
                    .collect();
                if v.is_empty() {
                    "-".to_string()
                } else {
                    measure::reasons(&v)
                }
            };
            println!("      towards endorsed: {}", side(true));
            println!("      away:             {}", side(false));
        }
    }
}

fn print_explanation(tagger: &Tagger, ex: &Explanation, indent: &str) {
    let lex = &tagger.lexicon;
    println!("{indent}tokens (word, sentence, paragraph, normalised -> stem):");
    let mut line = String::new();
    for t in &ex.tokens {
        let piece = match (&t.word, &t.stem) {
            (Some(w), Some(stem)) => format!(
                "{w}:{}{}",
                t.norm,
                if *stem != t.norm {
                    format!("->{stem}")
                } else {
                    String::new()
                }
            ),
            _ => t.norm.clone(),
        };
        let piece = format!("[s{} p{}] {piece}", t.sentence, t.paragraph);
        if line.len() + piece.len() > 96 && !line.is_empty() {
            println!("{indent}  {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push_str("  ");
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        println!("{indent}  {line}");
    }
    if ex.hits.is_empty() {
        println!("{indent}hits: none");
    } else {
        println!("{indent}hits:");
    }
    for h in &ex.hits {
        let e = &lex.entries[h.entry as usize];
        let rule = if h.stance_rule.is_empty() {
            String::new()
        } else {
            format!(" by {}", h.stance_rule)
        };
        let status = if h.status == crate::model::HitStatus::Counted {
            String::new()
        } else {
            format!(
                "; not counted: {} (needs a {} term within {} words in the paragraph)",
                h.status.as_str(),
                lex.context_category
                    .map_or("context", |c| lex.categories[c].name.as_str()),
                lex.context_window
            )
        };
        println!(
            "{indent}  {:?} words {}..{} sentence {}: {} \"{}\" (line {}, {}){rule}: {}{status}",
            h.surface,
            h.word_start,
            h.word_end,
            h.sentence,
            lex.subframe_path(e.subframe),
            e.text,
            e.line,
            tagger.matcher.match_kind(h.entry).as_str(),
            h.stance.as_str()
        );
    }
    for s in &ex.suppressed {
        let e = &lex.entries[s.entry as usize];
        println!(
            "{indent}  suppressed {:?} words {}..{}: {} \"{}\" (line {}): {}",
            s.surface,
            s.word_start,
            s.word_end,
            lex.subframe_path(e.subframe),
            e.text,
            e.line,
            s.reason
        );
    }
}
