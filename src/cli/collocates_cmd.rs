//! `framewatch collocates RUN --node TERM|ENTRY`: the words around a
//! node within a window that stays inside the sentence, with logDice,
//! MI3 and G2, per period with `--by`; `--lines WORD` shows the node's
//! concordance lines with that collocate in the window.

use super::EXIT_OK;
use super::keyness_cmd::{TableFormatArg, aligned, emit};
use super::kwic_cmd::from_run;
use crate::aggregate::Period;
use crate::error::{Error, Result};
use crate::output::table::{Cells, Table, TableFormat};
use crate::pipeline::Job;
use crate::study::collocates::{self, Ask, Collocates, ConcLine, Node, Row, Window};
use crate::study::keyness::Unit;
use crate::study::thousands;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CollUnitArg {
    Word,
    Stem,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run folder: its documents are read again as the run read them.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// The node: a word or phrase (matched by the unit: whole words, or
    /// stems), or with --entry a lexicon entry as written.
    #[arg(long, value_name = "TERM|ENTRY")]
    pub node: String,
    /// The node is a lexicon entry: its counted hits (after context rules
    /// and longest-match) are the node.
    #[arg(long)]
    pub entry: bool,
    /// Words left and right of the node; a window never crosses a
    /// sentence end.
    #[arg(long, default_value = "5,5", value_name = "L,R", value_parser = parse_window)]
    pub window: Window,
    /// Count collocates (and match a word node) as words or stems.
    #[arg(long, value_enum, default_value = "word")]
    pub unit: CollUnitArg,
    /// Collocates per period of this unit, so a collocate's rise shows.
    #[arg(long)]
    pub by: Option<Period>,
    /// Only these periods (labelled as by --by; repeatable).
    #[arg(long, requires = "by")]
    pub period: Vec<String>,
    /// Keep collocates seen at least N times in the node's windows.
    #[arg(long, default_value = "3", value_name = "N")]
    pub min_freq: u64,
    /// Text output: the N strongest collocates per period (0: all).
    #[arg(long, default_value = "15", value_name = "N")]
    pub top: usize,
    /// Instead of the table, the node's concordance lines with this
    /// collocate in the window.
    #[arg(long, value_name = "COLLOCATE")]
    pub lines: Option<String>,
    /// Lexicon (for an entry node). Default: the run's.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Output format; text is aligned for reading, the others hold every
    /// collocate kept.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TableFormatArg,
    /// Write to this file (required for parquet).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_window(s: &str) -> std::result::Result<Window, String> {
    let bad = || format!("\"{s}\": expected L,R (words left and right, e.g. 5,5)");
    let (l, r) = s.split_once(',').ok_or_else(bad)?;
    Ok(Window {
        left: l.trim().parse().map_err(|_| bad())?,
        right: r.trim().parse().map_err(|_| bad())?,
    })
}

pub fn run(args: Args) -> Result<u8> {
    let from = from_run(&args.run, &[], args.lexicon.as_deref())?;
    let tagger = from.tagger()?;
    let unit = match args.unit {
        CollUnitArg::Word => Unit::Word,
        CollUnitArg::Stem => Unit::Stem,
    };
    let node = Node::parse(&tagger, &args.node, unit, args.entry)?;
    let lines_for = args.lines.as_deref().map(|l| match unit {
        Unit::Stem => tagger.analyzer.stem(&l.to_lowercase()).into_owned(),
        _ => l.to_lowercase(),
    });
    let ask = Ask {
        node: &node,
        window: args.window,
        unit,
        lines_for: lines_for.as_deref(),
    };
    let job = Job::new(&tagger, &from.reading);
    let by = args.by;
    let periods = args.period.clone();
    let owns = from.owns();
    let keep = move |d: &crate::model::DocMeta| {
        owns(d) && (periods.is_empty() || by.is_some_and(|p| periods.contains(&p.label(d.date))))
    };
    let mut c = collocates::collocates(&job, from.source, keep, &ask, by, args.min_freq)?;
    super::print_skipped(&c.skipped);
    if c.periods.iter().all(|p| p.2 == 0) {
        return Err(Error::usage(
            format!("--node \"{}\": not found in {}", args.node, args.run.display()),
            Some("a word node matches whole words (as normalised: lower case); try --unit stem, or an entry as written in the lexicon".into()),
        ));
    }
    if args.lines.is_some() {
        c.lines.sort_by(|a, b| {
            (&a.period, &a.doc_id, a.line, a.column).cmp(&(&b.period, &b.doc_id, b.line, b.column))
        });
        print!("{}", format_lines(&c.lines));
        eprintln!("framewatch: {} lines", c.lines.len());
        return Ok(EXIT_OK);
    }
    let format = match args.format {
        TableFormatArg::Text => None,
        TableFormatArg::Csv => Some(TableFormat::Csv),
        TableFormatArg::Jsonl => Some(TableFormat::Jsonl),
        TableFormatArg::Parquet => Some(TableFormat::Parquet),
    };
    let command = |r: &Row| lines_command(&args, r);
    emit(
        &table(&c.rows, &command),
        format,
        args.out.as_deref(),
        || format_text(&args, &c, &command),
    )?;
    eprintln!("framewatch: {} collocates kept", c.rows.len());
    Ok(EXIT_OK)
}

/// The command that shows a collocate's lines.
fn lines_command(args: &Args, r: &Row) -> String {
    let q = |s: &str| {
        if s.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut cmd = format!(
        "framewatch collocates {} --node {} --window {},{}",
        q(&args.run.display().to_string()),
        q(&args.node),
        args.window.left,
        args.window.right
    );
    if args.entry {
        cmd += " --entry";
    }
    if matches!(args.unit, CollUnitArg::Stem) {
        cmd += " --unit stem";
    }
    if let Some(by) = args.by {
        cmd += &format!(" --by {} --period {}", by.as_str(), q(&r.period));
    }
    if let Some(l) = &args.lexicon {
        cmd += &format!(" --lexicon {}", q(&l.display().to_string()));
    }
    cmd + &format!(" --lines {}", q(&r.collocate))
}

fn table(rows: &[Row], command: &dyn Fn(&Row) -> String) -> Table {
    let text = |f: fn(&Row) -> String| Cells::Text(rows.iter().map(f).collect());
    let int = |f: fn(&Row) -> u64| Cells::Int(rows.iter().map(f).collect());
    let float = |f: fn(&Row) -> f64| Cells::Float(rows.iter().map(f).collect());
    Table {
        columns: vec![
            ("period", text(|r| r.period.clone())),
            ("collocate", text(|r| r.collocate.clone())),
            ("freq", int(|r| r.freq)),
            ("docs", int(|r| r.docs)),
            ("node_freq", int(|r| r.node_freq)),
            ("collocate_freq", int(|r| r.collocate_freq)),
            ("words", int(|r| r.words)),
            ("log_dice", float(|r| r.log_dice)),
            ("mi3", float(|r| r.mi3)),
            ("g2", float(|r| r.g2)),
            ("lines", Cells::Text(rows.iter().map(command).collect())),
        ],
    }
}

fn format_text(args: &Args, c: &Collocates, command: &dyn Fn(&Row) -> String) -> String {
    let mut out = format!(
        "collocates of \"{}\" ({}s, window {} left, {} right, within the sentence; seen {}+ times)\n",
        args.node,
        match args.unit {
            CollUnitArg::Word => "word",
            CollUnitArg::Stem => "stem",
        },
        args.window.left,
        args.window.right,
        args.min_freq
    );
    out += "  freq: in the node's windows; docs: documents with it there; logDice (Rychlý 2008), MI3, signed G2\n";
    let header = ["collocate", "freq", "docs", "total", "logDice", "MI3", "G2"];
    let right = [false, true, true, true, true, true, true];
    let n = if args.top == 0 { usize::MAX } else { args.top };
    for (period, words, node) in &c.periods {
        let rows: Vec<&Row> = c
            .rows
            .iter()
            .filter(|r| &r.period == period)
            .take(n)
            .collect();
        out += &format!(
            "\n{period}: node {} times in {} words\n",
            thousands(*node as f64),
            thousands(*words as f64)
        );
        if rows.is_empty() {
            continue;
        }
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.collocate.clone(),
                    r.freq.to_string(),
                    r.docs.to_string(),
                    r.collocate_freq.to_string(),
                    format!("{:.2}", r.log_dice),
                    format!("{:.2}", r.mi3),
                    format!("{:+.1}", r.g2),
                ]
            })
            .collect();
        out += &aligned(&header, &right, &cells);
        out += &format!("  lines: {}\n", command(rows[0]));
    }
    out
}

fn format_lines(lines: &[ConcLine]) -> String {
    let loc = |l: &ConcLine| format!("{} {}:{}:{}", l.period, l.doc_id, l.line, l.column);
    let pad = lines
        .iter()
        .map(|l| loc(l).chars().count())
        .max()
        .unwrap_or(0);
    let lw = lines
        .iter()
        .map(|l| l.left.chars().count())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            let at = loc(l);
            format!(
                "{at}{}  {}{} [{}] {}\n",
                " ".repeat(pad - at.chars().count()),
                " ".repeat(lw - l.left.chars().count()),
                l.left,
                l.node,
                l.right
            )
            .replace(" \n", "\n")
        })
        .collect()
}
