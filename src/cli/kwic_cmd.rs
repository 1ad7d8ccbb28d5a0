//! `framewatch kwic`: concordance lines for any category, sub-frame,
//! entry, stance, period or metadata value.

use super::EXIT_OK;
use super::ingest_args::{self, IngestArgs};
use crate::aggregate::Period;
use crate::error::{Error, Result};
use crate::ingest::{DEMO_NAME, STDIN};
use crate::model::{DocMeta, Pole, Stance};
use crate::output::{self, KwicFormat, manifest};
use crate::pipeline::{Job, Reading, Source};
use crate::shard::Shard;
use crate::study::kwic::{self, Filter, Line, SortKey};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SortArg {
    Position,
    Date,
    Source,
    Right,
    Left,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KwicFormatArg {
    Text,
    Csv,
    Jsonl,
    Parquet,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read, as for `framewatch run`. None: the inputs
    /// of --run, else the bundled demo corpus. A run folder alone stands
    /// for `--run RUN_DIR`.
    pub inputs: Vec<PathBuf>,
    /// Read the documents that run read, with its lexicon and reading
    /// options, from its manifest.json (the lexicon must still have the
    /// sha256 the run recorded): the lines are the run's hits.
    #[arg(long, value_name = "RUN_DIR")]
    pub run: Option<PathBuf>,
    /// Lexicon TOML file. Default: the run's lexicon, else the built-in one.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Only these categories (repeatable).
    #[arg(long, short = 'c')]
    pub category: Vec<String>,
    /// Only these sub-frames, as `name` or `category.name` (repeatable).
    #[arg(long, short = 's')]
    pub subframe: Vec<String>,
    /// Only these entries, as written in the lexicon (repeatable).
    #[arg(long, short = 'e')]
    pub entry: Vec<String>,
    /// Only these stances: endorsed, negated, distanced (repeatable).
    #[arg(long, value_parser = ["endorsed", "negated", "distanced"])]
    pub stance: Vec<String>,
    /// Only these periods, labelled as by --by (e.g. 2012, 2010s, 2012-Q3).
    #[arg(long)]
    pub period: Vec<String>,
    /// Period unit for --period. Default: the run's --by with --run, else
    /// year.
    #[arg(long, value_enum)]
    pub by: Option<Period>,
    /// Only documents whose metadata FIELD equals VALUE (repeatable).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub filters: Vec<String>,
    /// Also show hits a context rule rejected.
    #[arg(long)]
    pub rejected: bool,
    /// Words of context either side.
    #[arg(long, short = 'w', default_value = "8")]
    pub window: usize,
    /// Order of the lines.
    #[arg(long, value_enum, default_value = "position")]
    pub sort: SortArg,
    /// Keep a random sample of N lines (reproducible with --seed).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Seed for --sample.
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Output format; text is aligned for reading.
    #[arg(long, value_enum, default_value = "text")]
    pub format: KwicFormatArg,
    /// Write to this file (required for parquet).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Colour the match in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Display width of each context column in text output. Default: six
    /// columns per word of --window (48 for the default window of 8).
    #[arg(long)]
    pub width: Option<usize>,
    /// A model from `framewatch train`: show its label of each line's
    /// sentence and the probability of endorsed. Default: the model the
    /// run used (with --run), else the built-in model when it fits the
    /// lexicon; `none` for no model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestArgs,
}

impl Args {
    /// Whether any reading flag was given (they all have defaults).
    fn ingest_given(&self) -> bool {
        self.ingest != IngestArgs::defaults()
    }
}

/// What `--run` (or a run folder given as the input) settles: the
/// documents, lexicon and reading options of that run.
pub(super) struct FromRun {
    pub(super) source: Source,
    pub(super) lexicon: Option<PathBuf>,
    /// The trained model the run measured with.
    pub(super) model: Option<PathBuf>,
    /// The run's period unit.
    pub(super) by: Option<Period>,
    pub(super) sha256: Option<String>,
    pub(super) reading: Reading,
    pub(super) shard: Option<Shard>,
}

pub(super) fn from_run(run: &Path, inputs: &[PathBuf], lexicon: Option<&Path>) -> Result<FromRun> {
    let m = manifest::read(run, "give the folder a `framewatch run` wrote")?;
    let source = if !inputs.is_empty() {
        ingest_args::refuse_run_folders(inputs, "kwic")?;
        Source::Paths(inputs.to_vec())
    } else if m.options.inputs.iter().any(|i| i == STDIN) {
        return Err(Error::usage(
            format!(
                "{}: that run read standard input, which cannot be read again",
                run.display()
            ),
            Some("give the documents again as files: `framewatch kwic --run DIR FILE...`".into()),
        ));
    } else if m.options.inputs.iter().all(|i| i == DEMO_NAME) {
        Source::Demo
    } else {
        Source::Paths(
            m.options
                .inputs
                .iter()
                .filter(|i| *i != DEMO_NAME)
                .map(PathBuf::from)
                .collect(),
        )
    };
    let (lexicon, sha256) = match lexicon {
        Some(p) => (Some(p.to_path_buf()), None),
        None => {
            let origin = &m.lexicon.origin;
            let path = (!origin.starts_with("builtin:")).then(|| PathBuf::from(origin));
            (path, Some(m.lexicon.sha256.clone()))
        }
    };
    Ok(FromRun {
        source,
        lexicon,
        model: m.options.model.as_ref().map(|m| PathBuf::from(&m.origin)),
        by: Some(m.options.by),
        sha256,
        reading: ingest_args::reading_of(&m.options.ingest),
        shard: m.shard.as_ref().map(|s| s.shard()),
    })
}

impl FromRun {
    /// The run's tagger; its lexicon must still have the sha256 the run
    /// recorded (unless another was asked for).
    pub(super) fn tagger(&self) -> Result<crate::tagger::Tagger> {
        let tagger = super::load_tagger(self.lexicon.as_deref(), false, false)?;
        let lexicon = &tagger.lexicon;
        if let Some(sha) = &self.sha256 {
            if *sha != lexicon.sha256 {
                return Err(Error::usage(
                    format!(
                        "lexicon {} has changed since the run (sha256 {} in the manifest, {} now)",
                        lexicon.origin,
                        &sha[..12.min(sha.len())],
                        &lexicon.sha256[..12]
                    ),
                    Some(
                        "re-run `framewatch run`, or pass --lexicon to use the current file".into(),
                    ),
                ));
            }
        }
        Ok(tagger)
    }

    /// Whether a document belongs to the run (its shard's, for a shard).
    pub(super) fn owns(&self) -> impl Fn(&DocMeta) -> bool + Send + use<> {
        let shard = self.shard;
        move |d: &DocMeta| shard.is_none_or(|s| s.owns(&d.doc_id))
    }
}

pub fn run(args: Args) -> Result<u8> {
    // A run folder given as the input stands for `--run`.
    let run_dir = match (&args.run, args.inputs.as_slice()) {
        (Some(r), _) => Some(r.clone()),
        (None, [one]) if one.is_dir() && manifest::is_run_folder(one) => Some(one.clone()),
        _ => None,
    };
    let from = match &run_dir {
        Some(run) => {
            let inputs: &[PathBuf] = if args.run.is_some() {
                &args.inputs
            } else {
                &[]
            };
            if args.ingest_given() {
                return Err(Error::usage(
                    format!(
                        "{}: a run folder is read with the options that run recorded; reading flags do not apply",
                        run.display()
                    ),
                    Some(
                        "leave out the reading flags, or give the corpus instead of the run".into(),
                    ),
                ));
            }
            from_run(run, inputs, args.lexicon.as_deref())?
        }
        None => FromRun {
            source: ingest_args::source(&args.inputs, args.ingest.stdin_format, "kwic")?,
            lexicon: args.lexicon.clone(),
            model: None,
            by: None,
            sha256: None,
            reading: args.ingest.settle()?,
            shard: None,
        },
    };
    let tagger = from.tagger()?;
    let lexicon = &tagger.lexicon;
    let model = match args.model.as_ref().or(from.model.as_ref()) {
        Some(p) if p.as_os_str() == "none" => None,
        p => super::load_model(p.map(PathBuf::as_path), lexicon)?.map(|(m, _)| m),
    };
    let by = args.by.or(from.by).unwrap_or(Period::Year);
    let filter = filter(&args, lexicon)?;
    let job = Job::new(&tagger, &from.reading);
    let shard = from.shard;
    let owns = from.owns();
    let (mut lines, periods, skipped, found) = kwic::lines(
        &job,
        from.source,
        owns,
        by,
        &filter,
        args.window,
        model.as_ref(),
    )?;
    super::print_skipped(&super::found_skipped(&found, shard));
    super::print_skipped(&skipped);
    for (k, v) in &filter.fields {
        if !(found.has_field(k) || k == "path") {
            let known: Vec<String> = found.field_names().into_iter().collect();
            return Err(Error::usage(
                format!("--where \"{k}={v}\": no such metadata field \"{k}\""),
                Some(format!("available: doc_id, path, {}", known.join(", "))),
            ));
        }
    }
    let unknown: Vec<&String> = args
        .period
        .iter()
        .filter(|p| !periods.contains(*p))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = periods.iter().map(String::as_str).collect();
        return Err(Error::usage(
            format!(
                "--period {}: no document falls in {} by {}",
                unknown
                    .iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                if unknown.len() == 1 { "it" } else { "them" },
                by.as_str()
            ),
            Some(format!("periods by {}: {}", by.as_str(), known.join(", "))),
        ));
    }
    let total = lines.len();
    if let Some(n) = args.sample {
        lines = kwic::sample(lines, n, args.seed);
    }
    kwic::sort(
        &mut lines,
        match args.sort {
            SortArg::Position => SortKey::Position,
            SortArg::Date => SortKey::Date,
            SortArg::Source => SortKey::Source,
            SortArg::Right => SortKey::Right,
            SortArg::Left => SortKey::Left,
        },
    );
    emit(&lines, &args)?;
    eprintln!("framewatch: {} of {total} concordance lines", lines.len());
    Ok(EXIT_OK)
}

/// The hit and document filters of the flags, checked against the lexicon.
fn filter(args: &Args, lexicon: &crate::lexicon::Lexicon) -> Result<Filter> {
    let mut fields = Vec::new();
    for f in &args.filters {
        let Some((k, v)) = f.split_once('=') else {
            return Err(Error::usage(
                format!("--where \"{f}\": expected FIELD=VALUE"),
                None,
            ));
        };
        fields.push((k.to_string(), v.to_string()));
    }
    for c in &args.category {
        if lexicon.category_index(c).is_none() {
            let names: Vec<&str> = lexicon.categories.iter().map(|c| c.name.as_str()).collect();
            return Err(Error::usage(
                format!("--category \"{c}\": not in lexicon {}", lexicon.name),
                Some(format!("categories: {}", names.join(", "))),
            ));
        }
    }
    Ok(Filter {
        categories: args.category.clone(),
        subframes: args.subframe.clone(),
        entries: args.entry.clone(),
        stances: args
            .stance
            .iter()
            .filter_map(|s| Stance::parse(s))
            .collect(),
        periods: args.period.clone(),
        fields,
        include_rejected: args.rejected,
        include_context: false,
    })
}

/// Write the lines where and as the flags say.
fn emit(lines: &[Line], args: &Args) -> Result<()> {
    let file_format = match args.format {
        KwicFormatArg::Text => None,
        KwicFormatArg::Csv => Some(KwicFormat::Csv),
        KwicFormatArg::Jsonl => Some(KwicFormat::Jsonl),
        KwicFormatArg::Parquet => Some(KwicFormat::Parquet),
    };
    match (file_format, &args.out) {
        (Some(f), Some(out)) => output::write_kwic(lines, out, f)?,
        (Some(KwicFormat::Parquet), None) => {
            return Err(Error::usage("--format parquet needs --out FILE", None));
        }
        (Some(f), None) => {
            let tmp =
                std::env::temp_dir().join(format!("framewatch-kwic-{}.tmp", std::process::id()));
            output::write_kwic(lines, &tmp, f)?;
            let bytes = std::fs::read(&tmp).map_err(|e| Error::output(&tmp, e))?;
            let _ = std::fs::remove_file(&tmp);
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Error::output("stdout", e))?;
        }
        (None, out) => {
            let color = match args.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => out.is_none() && std::io::stdout().is_terminal(),
            };
            let width = args.width.unwrap_or(args.window * 6).max(4);
            let text = format_lines(lines, width, color);
            match out {
                Some(p) => crate::output::atomic::write_file(p, text.as_bytes())?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

/// Keep the last `width` display columns of `s`, marking a cut with "…".
fn tail_to_width(s: &str, width: usize) -> String {
    if s.width() <= width {
        return format!("{}{s}", " ".repeat(width - s.width()));
    }
    let mut out: Vec<char> = Vec::new();
    let mut w = 1; // the ellipsis
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.reverse();
    format!(
        "{}…{}",
        " ".repeat(width - w),
        out.into_iter().collect::<String>()
    )
}

/// Keep the first `width` display columns of `s`.
fn head_to_width(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 1;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width {
            break;
        }
        w += cw;
        out.push(c);
    }
    out + "…"
}

/// `doc:line:col`, with ` p.12` for a hit on a PDF page.
fn location(l: &Line) -> String {
    match l.page {
        Some(p) => format!("{}:{}:{} p.{p}", l.doc_id, l.line, l.column),
        None => format!("{}:{}:{}", l.doc_id, l.line, l.column),
    }
}

/// Aligned lines: `doc:line:col  left MATCH right  [category.subframe stance]`,
/// the location column padded to the widest.
pub fn format_lines(lines: &[Line], width: usize, color: bool) -> String {
    let pad = lines.iter().map(|l| location(l).width()).max().unwrap_or(0);
    lines
        .iter()
        .map(|l| format_line(l, pad, width, color) + "\n")
        .collect()
}

fn format_line(l: &Line, pad: usize, width: usize, color: bool) -> String {
    let keyword = if color {
        let code = match (Pole::of(&l.category), l.stance) {
            (_, Stance::Negated | Stance::Distanced) => "2;4",
            (Some(Pole::Behavioural), _) => "1;38;5;208",
            (Some(Pole::Structural), _) => "1;38;5;33",
            (None, _) => "1",
        };
        format!("\x1b[{code}m{}\x1b[0m", l.keyword)
    } else {
        l.keyword.clone()
    };
    let stance = if l.stance == Stance::Endorsed {
        String::new()
    } else {
        format!(" {}", l.stance.as_str())
    };
    let loc = location(l);
    let model = match l.model {
        Some((label, p)) => format!("; model: {label}, p(endorsed) {p:.2}"),
        None => String::new(),
    };
    format!(
        "{loc}{}  {} {} {}  [{}.{}{}{model}]",
        " ".repeat(pad.saturating_sub(loc.width())),
        tail_to_width(&l.left, width),
        keyword,
        head_to_width(&l.right, width),
        l.category,
        l.subframe,
        stance
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_counts_display_columns_not_bytes() {
        assert_eq!(tail_to_width("café", 6), "  café");
        assert_eq!(tail_to_width("日本語 low", 6), " … low");
        assert_eq!(tail_to_width("日本語 low", 7), "…語 low");
        assert_eq!(tail_to_width("日本語 low", 6).width(), 6);
        assert_eq!(head_to_width("pay – über alles", 8), "pay – ü…");
        assert_eq!(head_to_width("日本語日本語", 5).width(), 5);
    }
}
