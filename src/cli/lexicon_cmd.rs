//! `framewatch lexicon check FILE...`: validate lexicon files.

use super::{EXIT_ERROR, EXIT_OK};
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use clap::Subcommand;
use std::path::PathBuf;

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
}

pub fn run(cmd: LexiconCommand) -> Result<u8> {
    match cmd {
        LexiconCommand::Check { files } => {
            let targets: Vec<Option<PathBuf>> = if files.is_empty() { vec![None] } else { files.into_iter().map(Some).collect() };
            let mut code = EXIT_OK;
            for t in targets {
                match Lexicon::load(t.as_deref()) {
                    Ok((lex, _)) => println!(
                        "{}: ok: {} {} ({}), {} categories, {} sub-frames, {} entries, sha256 {}",
                        lex.origin,
                        lex.name,
                        lex.version,
                        lex.language,
                        lex.categories.len(),
                        lex.subframes.len(),
                        lex.entries.len(),
                        lex.sha256
                    ),
                    Err(Error::Lexicon { problems }) => {
                        for p in &problems {
                            eprintln!("{p}");
                        }
                        let shown = t.map_or_else(|| "built-in lexicon".to_string(), |p| p.display().to_string());
                        eprintln!("{shown}: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
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
    }
}
