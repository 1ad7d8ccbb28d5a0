//! Library error type. Messages are lower-case, quote user values and may
//! carry a `hint:` line; the CLI maps them to exit codes.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A usage problem: bad input path, empty corpus, bad option value.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// A lexicon failed validation; every problem is listed.
    #[error("{}", .problems.join("\n"))]
    Lexicon { problems: Vec<String> },

    /// A dictionary in another format (quanteda YAML, LIWC) is malformed.
    #[error("{message}")]
    Import { message: String },

    /// A sidecar metadata file is unusable as a whole.
    #[error("{path}: {message}")]
    Metadata {
        path: String,
        message: String,
        hint: Option<String>,
    },

    /// Writing an output failed.
    #[error("{}: {message}", .path.display())]
    Output { path: PathBuf, message: String },

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. } | Error::Metadata { hint, .. } => hint.as_deref(),
            Error::Lexicon { .. } => {
                Some("fix the lines above; `framewatch lexicon check FILE` lists every problem")
            }
            Error::Import { .. } => Some("fix the dictionary file at that line and import again"),
            _ => None,
        }
    }

    pub fn output(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Error {
        Error::Output {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
