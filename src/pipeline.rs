//! The one place threads run: documents are read, analysed and matched in
//! ordered batches on a rayon pool, each worker with its own scratch
//! (analysis buffers and word cache); results come back in input order,
//! so output never depends on the number of threads. Only one batch of
//! texts is in memory at a time.

use crate::analyze::{Analysis, Analyzer};
use crate::error::{Error, Result};
use crate::ingest::read_text;
use crate::lexicon::Lexicon;
use crate::matcher::{Matcher, Scratch};
use crate::model::{DocMeta, DocResult, Hit, HitStatus, Skipped};
use crate::stance::Annotator;
use rayon::prelude::*;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Documents per batch: bounds memory to one batch of texts.
pub const DEFAULT_BATCH: usize = 512;

/// The outcome of one document.
#[derive(Debug)]
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
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (id, analysis, scratch) = &mut *guard;
            if *id != self.id {
                *id = self.id;
                *scratch = Scratch::default();
            }
            let (words, sentences, hits) = self.inspect(text, analysis, scratch, |a, _, hits| {
                (a.word_count() as u64, a.sentences as u64, hits)
            });
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
    /// of buffers); unreadable documents are returned as skipped.
    pub fn inspect_docs<'d>(
        &self,
        docs: impl IntoIterator<Item = &'d DocMeta>,
        mut f: impl FnMut(&DocMeta, &str, &Analysis, &Scratch, Vec<Hit>),
    ) -> Vec<Skipped> {
        let mut analysis = Analysis::default();
        let mut scratch = Scratch::default();
        let mut skipped = Vec::new();
        for meta in docs {
            match read_text(meta) {
                Ok(text) => self.inspect(&text, &mut analysis, &mut scratch, |a, s, hits| {
                    f(meta, &text, a, s, hits)
                }),
                Err((reason, detail)) => skipped.push(Skipped {
                    path: meta.path.clone(),
                    doc_id: Some(meta.doc_id.clone()),
                    reason,
                    detail,
                }),
            }
        }
        skipped
    }

    fn tag_doc(&self, meta: DocMeta) -> Outcome {
        match read_text(&meta) {
            Ok(text) => {
                // A bug must cost one document, never the batch.
                let (path, doc_id) = (meta.path.clone(), meta.doc_id.clone());
                let tagged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.tag_text(&text, meta)
                }));
                match tagged {
                    Ok(result) => Outcome::Tagged(result),
                    Err(panic) => {
                        SCRATCH.with(|cell| cell.borrow_mut().0 = 0);
                        let why = panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("unknown panic");
                        Outcome::Skipped(Skipped {
                            path,
                            doc_id: Some(doc_id),
                            reason: "internal-error",
                            detail: format!(
                                "framewatch failed on this document ({why}); please report it with the file"
                            ),
                        })
                    }
                }
            }
            Err((reason, detail)) => Outcome::Skipped(Skipped {
                path: meta.path,
                doc_id: Some(meta.doc_id),
                reason,
                detail,
            }),
        }
    }
}

/// Tag `docs` on `threads` workers (None: all cores), handing each batch's
/// outcomes to `sink` in input order. The sink runs on its own thread, so
/// writing one batch overlaps with tagging the next; at most two batches
/// of results are in flight, and one batch of texts.
pub fn run(
    tagger: &Tagger,
    docs: Vec<DocMeta>,
    threads: Option<usize>,
    batch: usize,
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
        loop {
            let chunk: Vec<DocMeta> = docs.by_ref().take(batch.max(1)).collect();
            if chunk.is_empty() {
                break;
            }
            let outcomes: Vec<Outcome> =
                pool.install(|| chunk.into_par_iter().map(|m| tagger.tag_doc(m)).collect());
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
