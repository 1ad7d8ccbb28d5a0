//! `framewatch report RUN_DIR -o report.html`.

use super::EXIT_OK;
use crate::error::{Error, Result};
use crate::output::read_run;
use crate::study::report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A folder written by `framewatch run`.
    pub run: PathBuf,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "report.html")]
    pub out: PathBuf,
    /// Also write each chart as a PNG (2x scale) into this folder.
    #[arg(long, value_name = "DIR")]
    pub png: Option<PathBuf>,
    /// The key words section: this selection (a period or FIELD=VALUE)
    /// against --keyness-reference. Default: the last dated period
    /// against the first.
    #[arg(long, value_name = "SELECTION", requires = "keyness_reference")]
    pub keyness_target: Option<String>,
    #[arg(long, value_name = "SELECTION", requires = "keyness_target")]
    pub keyness_reference: Option<String>,
    /// Collocate tables for this many entries with the most hits.
    #[arg(long, default_value = "3", value_name = "N")]
    pub collocates: usize,
    /// Leave out the key words and collocate sections (they read the
    /// run's documents again).
    #[arg(long)]
    pub no_linguistics: bool,
}

/// Key words and collocates of the run: its documents read again.
fn linguistics(args: &Args, tables: &crate::output::RunTables) -> Result<report::Linguistics> {
    use crate::study::collocates::{self, Ask, Node, Window};
    use crate::study::keyness::{self, Selection, Thresholds, Unit};
    let mut ling = report::Linguistics::default();
    let periods = report::dated_periods(tables);
    let pair = match (&args.keyness_target, &args.keyness_reference) {
        (Some(t), Some(r)) => Some((Selection::parse(t)?, Selection::parse(r)?)),
        _ => match (periods.first(), periods.last()) {
            (Some(f), Some(l)) if f != l => Some((Selection::parse(l)?, Selection::parse(f)?)),
            _ => None,
        },
    };
    if let Some((t, r)) = pair {
        let (ts, rs) = super::keyness_cmd::count_run(&args.run, None, &t, &r, Unit::Word)?;
        let th = Thresholds {
            min_freq: 5,
            min_docs: 2,
        };
        ling.keyness = Some(report::KeynessSection {
            target: t.label(),
            reference: r.label(),
            sizes: [(ts.docs, ts.words), (rs.docs, rs.words)],
            rows: keyness::compare(&ts, &rs, th),
        });
    }
    let from = super::kwic_cmd::from_run(&args.run, &[], None)?;
    let tagger = from.tagger()?;
    let window = Window { left: 5, right: 5 };
    for entry in report::top_entries(tables, args.collocates) {
        let node = Node::parse(&tagger, &entry, Unit::Word, true)?;
        let ask = Ask {
            node: &node,
            window,
            unit: Unit::Word,
            lines_for: None,
        };
        let job = crate::pipeline::Job::new(&tagger, &from.reading);
        let c = collocates::collocates(&job, from.source.clone(), from.owns(), &ask, None, 2)?;
        let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let lines = format!(
            "framewatch collocates {} --node {} --entry --window 5,5 --lines",
            q(&args.run.display().to_string()),
            q(&entry)
        );
        ling.collocates.push((entry, c.rows, lines));
    }
    Ok(ling)
}

pub fn run(args: Args) -> Result<u8> {
    let tables = read_run(&args.run)?;
    let label = args.run.file_name().map_or_else(
        || args.run.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let ling = if args.no_linguistics {
        report::Linguistics::default()
    } else {
        match linguistics(&args, &tables) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("framewatch: report: key words and collocates left out: {e}");
                report::Linguistics::default()
            }
        }
    };
    let rendered = report::render_with(&tables, &label, &ling)?;
    crate::output::atomic::write_file(&args.out, rendered.html.as_bytes())?;
    eprintln!("framewatch: wrote {}", args.out.display());
    if let Some(dir) = &args.png {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
        for (name, svg) in &rendered.charts {
            let path = dir.join(format!("{name}.png"));
            let png = report::svg_to_png(svg, 2.0).map_err(|e| Error::output(&path, e))?;
            crate::output::atomic::write_file(&path, &png)?;
        }
        eprintln!(
            "framewatch: wrote {} charts as PNG into {}",
            rendered.charts.len(),
            dir.display()
        );
    }
    Ok(EXIT_OK)
}
