//! The one place threads run: documents are read, analysed and matched in
//! ordered batches on a rayon pool, each worker with its own scratch
//! (analysis buffers and word cache); results come back in input order,
//! so output never depends on the number of threads. Only one batch of
//! texts is in memory at a time.
//!
//! With `--dedupe`, each batch goes in three steps: read (parallel), drop
//! duplicates (sequential, in input order, so the first copy is always the
//! one kept), tag (parallel); without, each document is read and tagged in
//! one parallel step.

use crate::analyze::{Analysis, Analyzer};
use crate::dedupe;
use crate::error::{Error, Result};
use crate::ingest::{Corpus, Doc, IngestOptions, Limits, guard, read_doc};
use crate::lexicon::Lexicon;
use crate::matcher::{Matcher, Scratch};
use crate::model::{DocMeta, DocResult, Hit, HitStatus, Skipped};
use crate::stance::Annotator;
use rayon::prelude::*;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Documents per batch: bounds memory to one batch of texts.
pub const DEFAULT_BATCH: usize = 512;

/// Token capacity a worker keeps between documents (about 30 MB).
const SCRATCH_TOKENS_KEPT: usize = 1 << 20;

/// The outcome of one document. Most are `Tagged`, so boxing it to
/// shrink the rare `Skipped` would cost an allocation per document.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    Tagged(DocResult),
    Skipped(Skipped),
}

/// A lexicon with the analyzer it was compiled by and its matcher.
pub struct Tagger {
    pub lexicon: Lexicon,
    pub analyzer: Analyzer,
    pub matcher: Matcher,
    id: u64,
}

static NEXT_TAGGER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Per-worker scratch, tagged with the id of the tagger it belongs to.
    static SCRATCH: RefCell<(u64, Analysis, Scratch)> = RefCell::new((0, Analysis::default(), Scratch::default()));
}

impl Tagger {
    pub fn new(lexicon: Lexicon, analyzer: Analyzer) -> Tagger {
        let matcher = Matcher::new(&lexicon);
        Tagger {
            lexicon,
            analyzer,
            matcher,
            id: NEXT_TAGGER.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Analyse and match one text: (analysis summary, hits, sub-frame counts).
    pub fn tag_text(&self, text: &str, meta: DocMeta) -> DocResult {
        match self.tag_limited(text, meta, u64::MAX) {
            Ok(result) => result,
            Err(_) => unreachable!("no text has more than u64::MAX tokens"),
        }
    }

    /// [`Tagger::tag_text`], or the number of tokens if over `max_tokens`
    /// (the text is analysed but not matched).
    fn tag_limited(
        &self,
        text: &str,
        meta: DocMeta,
        max_tokens: u64,
    ) -> std::result::Result<DocResult, usize> {
        SCRATCH
            .with(|cell| {
                let mut guard = cell.borrow_mut();
                let (id, analysis, scratch) = &mut *guard;
                if *id != self.id {
                    *id = self.id;
                    *scratch = Scratch::default();
                }
                self.analyzer.analyze(text, analysis);
                let n = analysis.tokens.len();
                let result = if n as u64 > max_tokens {
                    Err(n)
                } else {
                    Ok(self.match_analysed(text, analysis, scratch, |a, _, hits| {
                        (a.word_count() as u64, a.sentences as u64, hits)
                    }))
                };
                // A rare huge document must not pin its buffers for the rest
                // of the run.
                if analysis.tokens.capacity() > SCRATCH_TOKENS_KEPT {
                    *analysis = Analysis::default();
                    *scratch = Scratch::default();
                }
                result
            })
            .map(|(words, sentences, hits)| {
                let mut subframe_hits = vec![[0u64; 3]; self.lexicon.subframes.len()];
                let mut no_context = vec![0u64; self.lexicon.subframes.len()];
                for h in &hits {
                    let sub = self.lexicon.entries[h.entry as usize].subframe;
                    match h.status {
                        HitStatus::Counted => subframe_hits[sub][h.stance as usize] += 1,
                        HitStatus::NoContext => no_context[sub] += 1,
                    }
                }
                DocResult {
                    no_context,
                    meta,
                    bytes: text.len() as u64,
                    words,
                    sentences,
                    subframe_hits,
                    hits,
                    page_starts: Vec::new(),
                    warnings: Vec::new(),
                }
            })
    }

    /// Analyse, match and annotate `text` with caller-owned buffers, then
    /// hand everything to `f`: for tools that look inside (explain, expand,
    /// lexicon tests).
    pub fn inspect<R>(
        &self,
        text: &str,
        analysis: &mut Analysis,
        scratch: &mut Scratch,
        f: impl FnOnce(&Analysis, &Scratch, Vec<Hit>) -> R,
    ) -> R {
        self.analyzer.analyze(text, analysis);
        self.match_analysed(text, analysis, scratch, f)
    }

    /// The rest of [`Tagger::inspect`], on an analysed text.
    fn match_analysed<R>(
        &self,
        text: &str,
        analysis: &Analysis,
        scratch: &mut Scratch,
        f: impl FnOnce(&Analysis, &Scratch, Vec<Hit>) -> R,
    ) -> R {
        let mut hits = Vec::new();
        self.matcher
            .find(&self.analyzer, text, analysis, scratch, &mut hits);
        let annotator = Annotator {
            lexicon: &self.lexicon,
            analyzer: &self.analyzer,
        };
        annotator.annotate(
            text,
            analysis,
            scratch.word_tokens(),
            scratch.candidates(),
            &mut hits,
        );
        f(analysis, scratch, hits)
    }

    /// [`Tagger::inspect`] each readable document in turn (one shared set
    /// of buffers); unreadable documents are returned as skipped. The
    /// callback sees the document as read (metadata merged, pages known).
    pub fn inspect_docs<'d>(
        &self,
        docs: impl IntoIterator<Item = &'d DocMeta>,
        opts: &IngestOptions,
        mut f: impl FnMut(&DocMeta, &Doc, &Analysis, &Scratch, Vec<Hit>),
    ) -> Vec<Skipped> {
        let mut analysis = Analysis::default();
        let mut scratch = Scratch::default();
        let mut skipped = Vec::new();
        for meta in docs {
            match read_one(meta.clone(), opts) {
                Ok((meta, doc)) => {
                    self.inspect(&doc.text, &mut analysis, &mut scratch, |a, s, hits| {
                        f(&meta, &doc, a, s, hits)
                    })
                }
                Err(s) => skipped.push(s),
            }
        }
        skipped
    }

    fn tag_doc(&self, meta: DocMeta, doc: Doc, limits: &Limits) -> Outcome {
        // A bug must cost one document, never the batch.
        let (path, doc_id) = (meta.path.clone(), meta.doc_id.clone());
        match guard(|| self.tag_limited(&doc.text, meta, limits.max_tokens)) {
            Ok(Ok(mut result)) => {
                result.page_starts = doc.page_starts;
                result.warnings = doc.warnings;
                Outcome::Tagged(result)
            }
            Ok(Err(tokens)) => Outcome::Skipped(Skipped {
                path,
                doc_id: Some(doc_id),
                reason: "too-many-tokens",
                detail: format!(
                    "{tokens} tokens, over --max-tokens {}; raise it to read this document",
                    limits.max_tokens
                ),
                duplicate_of: None,
            }),
            Err(why) => {
                SCRATCH.with(|cell| cell.borrow_mut().0 = 0);
                Outcome::Skipped(internal_error(path, doc_id, &why))
            }
        }
    }
}

fn internal_error(path: String, doc_id: String, why: &str) -> Skipped {
    Skipped {
        path,
        doc_id: Some(doc_id),
        reason: "internal-error",
        detail: format!(
            "framewatch failed on this document ({why}); please report it with the file"
        ),
        duplicate_of: None,
    }
}

/// Read one document; a failure (or a reader panic) becomes its skipped row.
fn read_one(
    mut meta: DocMeta,
    opts: &IngestOptions,
) -> std::result::Result<(DocMeta, Doc), Skipped> {
    match guard(|| read_doc(&mut meta, opts)) {
        Ok(Ok(doc)) => Ok((meta, doc)),
        Ok(Err((reason, detail))) => Err(Skipped {
            path: meta.path,
            doc_id: Some(meta.doc_id),
            reason,
            detail,
            duplicate_of: None,
        }),
        Err(why) => Err(internal_error(meta.path, meta.doc_id, &why)),
    }
}

/// How documents are read and filtered before tagging.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub ingest: IngestOptions,
    /// Drop duplicates: mode and (for `near`) the Jaccard threshold.
    pub dedupe: Option<(dedupe::Mode, f64)>,
}

/// The skipped row of a duplicate.
fn duplicate(meta: DocMeta, original: dedupe::Original) -> Skipped {
    let exact = original.similarity >= 1.0;
    Skipped {
        path: meta.path,
        doc_id: Some(meta.doc_id),
        reason: if exact { "duplicate" } else { "near-duplicate" },
        detail: if exact {
            format!("same text as \"{}\" (normalised)", original.doc_id)
        } else {
            format!(
                "near copy of \"{}\" (estimated Jaccard similarity {:.2} of 5-word shingles)",
                original.doc_id, original.similarity
            )
        },
        duplicate_of: Some(original.doc_id),
    }
}

/// Discover `inputs` on a thread of its own and [`run`] the documents
/// `keep` accepts as the walk finds them: tagging starts at once, and no
/// list of documents is kept. Returns what discovery found (skipped
/// inputs, metadata columns, counts; its documents went to the workers).
pub fn run_discovering(
    tagger: &Tagger,
    inputs: &[std::path::PathBuf],
    threads: Option<usize>,
    reading: &Reading,
    keep: impl Fn(&DocMeta) -> bool + Send,
    sink: impl FnMut(Vec<Outcome>) -> Result<()> + Send,
) -> Result<Corpus> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<DocMeta>>(4);
        let discovery = scope.spawn(move || {
            Corpus::stream(
                inputs,
                &reading.ingest,
                Box::new(move |chunk| {
                    // A closed channel: tagging stopped with an error.
                    let _ = tx.send(chunk);
                }),
            )
        });
        let docs = rx.into_iter().flatten().filter(|d| keep(d));
        let tagged = run(tagger, docs, threads, DEFAULT_BATCH, reading, sink);
        let corpus = discovery
            .join()
            .map_err(|_| Error::Other("discovery panicked".into()))??;
        tagged?;
        Ok(corpus)
    })
}

/// Tag `docs` on `threads` workers (None: all cores), handing each batch's
/// outcomes to `sink` in input order. The sink runs on its own thread, so
/// writing one batch overlaps with tagging the next; at most two batches
/// of results are in flight, and one batch of texts. `docs` may be a
/// stream (a streaming discovery's channel): it is read one batch at a time.
pub fn run(
    tagger: &Tagger,
    docs: impl IntoIterator<Item = DocMeta>,
    threads: Option<usize>,
    batch: usize,
    reading: &Reading,
    mut sink: impl FnMut(Vec<Outcome>) -> Result<()> + Send,
) -> Result<()> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Outcome>>(1);
        let writer = scope.spawn(move || -> Result<()> {
            for outcomes in rx {
                sink(outcomes)?;
            }
            Ok(())
        });
        let mut docs = docs.into_iter();
        let mut index = reading
            .dedupe
            .map(|(_, threshold)| dedupe::Index::new(threshold));
        loop {
            let chunk: Vec<DocMeta> = docs.by_ref().take(batch.max(1)).collect();
            if chunk.is_empty() {
                break;
            }
            if reading.dedupe.is_none() {
                // Without duplicate checks a document is read and tagged
                // by the same worker in one step: no barrier between
                // reading and tagging.
                let outcomes: Vec<Outcome> = pool.install(|| {
                    chunk
                        .into_par_iter()
                        .map(|m| match read_one(m, &reading.ingest) {
                            Ok((m, d)) => tagger.tag_doc(m, d, &reading.ingest.limits),
                            Err(s) => Outcome::Skipped(s),
                        })
                        .collect()
                });
                if tx.send(outcomes).is_err() {
                    break; // the writer stopped with an error; join reports it
                }
                continue;
            }
            let read: Vec<_> = pool.install(|| {
                chunk
                    .into_par_iter()
                    .map(|m| {
                        read_one(m, &reading.ingest).map(|(m, d)| {
                            let fp = reading
                                .dedupe
                                .map(|(mode, _)| dedupe::fingerprint(&d.text, mode));
                            (m, d, fp)
                        })
                    })
                    .collect()
            });
            let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(read.len());
            let mut to_tag = Vec::new();
            for r in read {
                match r {
                    Err(s) => outcomes.push(Some(Outcome::Skipped(s))),
                    Ok((m, d, fp)) => {
                        let original = match (&mut index, &fp) {
                            (Some(idx), Some(fp)) => idx.check(&m.doc_id, fp),
                            _ => None,
                        };
                        match original {
                            Some(o) => outcomes.push(Some(Outcome::Skipped(duplicate(m, o)))),
                            None => {
                                to_tag.push((outcomes.len(), m, d));
                                outcomes.push(None);
                            }
                        }
                    }
                }
            }
            let tagged: Vec<(usize, Outcome)> = pool.install(|| {
                to_tag
                    .into_par_iter()
                    .map(|(i, m, d)| (i, tagger.tag_doc(m, d, &reading.ingest.limits)))
                    .collect()
            });
            for (i, o) in tagged {
                outcomes[i] = Some(o);
            }
            let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
            if tx.send(outcomes).is_err() {
                break; // the writer stopped with an error; join reports it
            }
        }
        drop(tx);
        writer
            .join()
            .map_err(|_| Error::Other("the output writer panicked".into()))?
    })
}
