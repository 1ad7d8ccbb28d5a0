//! framewatch: make the framing of poverty in policy and media text
//! visible. The modules mirror the pipeline and import one way:
//!
//! `model` ← `ingest` ← `analyze` ← `lexicon` ← `matcher` ← `stance` ←
//! `score` ← `tagger` ← `aggregate` ← `pipeline` ← `study` ← `output` ←
//! `cli`.
//!
//! - [`model`]: the plain data every stage shares (documents, tokens,
//!   hits, scores, skip reasons, the two poles).
//! - [`ingest`]: inputs → documents (discovery, sidecars, dates, one
//!   module per format, duplicates).
//! - [`analyze`], [`matcher`], [`stance`], [`score`]: the analysis core
//!   (normalise, tokenise, stem; compiled lexicon → hits; stance and
//!   context; per-document measures), put together by [`tagger`].
//! - [`lexicon`]: the lexicon file → a validated lexicon; other
//!   dictionary formats; explanations.
//! - [`aggregate`]: periods, and statistics that merge (trend cells,
//!   totals, bootstrap draws).
//! - [`pipeline`]: the one place threads run: every command that reads
//!   documents goes through [`pipeline::Job`].
//! - [`study`]: audit, concordances, drivers, reports, coding sheets and
//!   validation against hand coding.
//! - [`output`]: run folders on disk (polars lives here), shard merges.
//! - `cli`: the only module that knows clap or prints.

pub mod aggregate;
pub mod analyze;
#[cfg(feature = "tables")]
pub mod cli;
pub mod error;
pub mod ingest;
pub mod lexicon;
pub mod matcher;
pub mod model;
#[cfg(feature = "tables")]
pub mod output;
pub mod pipeline;
pub mod score;
pub mod shard;
pub mod stance;
pub mod study;
pub mod tagger;
