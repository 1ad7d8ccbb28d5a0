//! `framewatch merge RUN_DIR... --out DIR`: shard folders → one run folder.

use super::EXIT_OK;
use crate::error::Result;
use crate::output;
use crate::output::atomic::Staging;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folders of `framewatch run --shard K/N`, all N of them, in any order.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Output folder for the merged run: the same files, byte for byte, as
    /// one `framewatch run --out DIR` over the whole corpus.
    #[arg(long, short = 'o', value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Replace --out even if it is a folder framewatch did not write
    /// (everything in it is removed).
    #[arg(long)]
    pub force: bool,
    /// Print only errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<u8> {
    let staging = Staging::begin(&args.out, args.force)?;
    let manifest = output::merge_runs(&args.runs, staging.dir(), &args.out.display().to_string())?;
    staging.commit()?;
    if !args.quiet {
        let c = &manifest.counts;
        eprintln!(
            "framewatch: merged {} shards: {} documents read, {}; {} tokens, {} hits, {} trend rows -> {}/",
            args.runs.len(),
            c.documents_read,
            super::skipped_summary(c.skipped_by_reason.iter().map(|(r, &n)| (r.as_str(), n))),
            c.tokens,
            c.hits,
            c.trend_rows,
            args.out.display()
        );
    }
    Ok(EXIT_OK)
}
