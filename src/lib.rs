//! framewatch: make the framing of poverty in policy and media text
//! visible. The modules mirror the pipeline and import one way:
//!
//! `model` ← `ingest` ← `analyze` ← `lexicon` ← `matcher` ← `stance` ← `score` ←
//! `aggregate` ← `pipeline` ← `output` ← `cli`.

pub mod aggregate;
pub mod analyze;
pub mod audit;
pub mod cli;
pub mod dedupe;
pub mod drivers;
pub mod error;
pub mod ingest;
pub mod inspect;
pub mod interop;
pub mod kwic;
pub mod lexicon;
pub mod matcher;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod sample;
pub mod score;
pub mod stance;
