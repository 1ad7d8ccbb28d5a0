//! framewatch: make the framing of poverty in policy and media text
//! visible. The modules mirror the pipeline and import one way:
//!
//! `model` ← `ingest` ← `analyze` ← `lexicon` ← `matcher` ← `stance` ← `score` ←
//! `aggregate` ← `pipeline` ← `output` ← `cli`.

pub mod aggregate;
pub mod analyze;
pub mod atomic;
pub mod audit;
#[cfg(feature = "tables")]
pub mod cli;

#[cfg(feature = "tables")]
pub mod drivers;
pub mod error;
pub mod ingest;

pub mod kwic;
pub mod lexicon;
pub mod matcher;
pub mod model;
#[cfg(feature = "tables")]
pub mod output;
pub mod pipeline;
#[cfg(feature = "tables")]
pub mod report;
pub mod sample;
pub mod score;
pub mod shard;
pub mod stance;
pub mod validate;
