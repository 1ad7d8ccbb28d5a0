//! `framewatch report RUN_DIR -o report.html`.

use super::EXIT_OK;
use crate::error::{Error, Result};
use crate::output::read_run;
use crate::report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A folder written by `framewatch run`.
    pub run: PathBuf,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "report.html")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<u8> {
    let tables = read_run(&args.run)?;
    let label = args.run.file_name().map_or_else(|| args.run.display().to_string(), |n| n.to_string_lossy().into_owned());
    let html = report::render(&tables, &label)?;
    std::fs::write(&args.out, html).map_err(|e| Error::output(&args.out, e))?;
    eprintln!("framewatch: wrote {}", args.out.display());
    Ok(EXIT_OK)
}
