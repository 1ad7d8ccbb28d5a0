//! `framewatch merge RUN_DIR... --out DIR`.

use super::EXIT_OK;
use crate::error::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folders of `framewatch run --shard K/N`, one per shard, in any order.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Output folder for the merged run.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(_args: Args) -> Result<u8> {
    Ok(EXIT_OK)
}
