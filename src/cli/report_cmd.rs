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
}

pub fn run(args: Args) -> Result<u8> {
    let tables = read_run(&args.run)?;
    let label = args.run.file_name().map_or_else(
        || args.run.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let rendered = report::render(&tables, &label)?;
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
