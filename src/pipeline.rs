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

use crate::error::{Error, Result};
use crate::ingest::dedupe;
use crate::ingest::{Corpus, Doc, IngestOptions, Limits, StdinFormat, guard, read_doc};
use crate::model::{DocMeta, DocResult, Origin, SkipReason, Skipped};
use crate::tagger::{Tagger, View};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Documents per batch: bounds memory to one batch of texts.
pub const DEFAULT_BATCH: usize = 512;

/// The outcome of one document: its result and what the command's
/// inspection of it gave, or why it was skipped. Most are `Tagged`, so
/// boxing it to shrink the rare `Skipped` would cost an allocation per
/// document.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Outcome<X = ()> {
    Tagged(DocResult, X),
    Skipped(Skipped),
}

/// Read, tag and inspect one document in a worker. A bug must cost one
/// document, never the batch.
fn tag_doc<X: Send, I: Fn(&View<'_>) -> X + Sync>(
    tagger: &Tagger,
    meta: DocMeta,
    doc: Doc,
    limits: &Limits,
    inspect: &I,
) -> Outcome<X> {
    // A bug must cost one document, never the batch.
    let (path, doc_id) = (meta.path.clone(), meta.doc_id.clone());
    let tagged = guard(|| {
        tagger.tag_limited(
            &doc.text,
            &doc.page_starts,
            meta,
            limits.max_tokens,
            inspect,
        )
    });
    match tagged {
        Ok(Ok((mut result, out))) => {
            result.page_starts = doc.page_starts;
            result.warnings = doc.warnings;
            result.ocr_pages = doc.ocr_pages;
            result.ocr_confidence = doc.ocr_confidence;
            Outcome::Tagged(result, out)
        }
        Ok(Err(tokens)) => Outcome::Skipped(Skipped {
            path,
            doc_id: Some(doc_id),
            reason: SkipReason::TooManyTokens,
            detail: format!(
                "{tokens} tokens, over --max-tokens {}; raise it to read this document",
                limits.max_tokens
            ),
            duplicate_of: None,
        }),
        Err(why) => {
            tagger.forget_scratch();
            Outcome::Skipped(internal_error(path, doc_id, &why))
        }
    }
}

fn internal_error(path: String, doc_id: String, why: &str) -> Skipped {
    Skipped {
        path,
        doc_id: Some(doc_id),
        reason: SkipReason::InternalError,
        detail: format!(
            "framewatch failed on this document ({why}); please report it with the file"
        ),
        duplicate_of: None,
    }
}

/// `f` of each item on the pool's threads, the largest items (by `size`)
/// taken first, so that a batch does not end waiting on one thread for a
/// long document begun last while the others are idle; the results in
/// the items' order.
fn largest_first<T: Send, R: Send>(
    pool: &rayon::ThreadPool,
    items: Vec<T>,
    size: impl Fn(&T) -> u64,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let mut queue: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    // Largest first; of equal sizes, input order (each size taken once: a
    // file's is a `stat`).
    queue.sort_by_cached_key(|(i, item)| (std::cmp::Reverse(size(item)), *i));
    // `par_bridge` hands the items out one at a time, in the queue's order.
    let mut done: Vec<(usize, R)> = pool.install(|| {
        queue
            .into_iter()
            .par_bridge()
            .map(|(i, item)| (i, f(item)))
            .collect()
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// About how many bytes a document's text will take, to schedule the
/// largest first ([`largest_first`]); 0 when unknown.
fn size_hint(m: &DocMeta) -> u64 {
    match &m.origin {
        Origin::File(path) => std::fs::metadata(path).map_or(0, |md| md.len()),
        Origin::Embedded(text) => text.len() as u64,
        Origin::Text(text) => text.len() as u64,
        Origin::Bytes(bytes) => bytes.len() as u64,
        Origin::Record { len, .. } => *len,
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
        reason: if exact {
            SkipReason::Duplicate
        } else {
            SkipReason::NearDuplicate
        },
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

/// Where the documents of a command come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The bundled demo corpus.
    Demo,
    /// Standard input: one text or JSON Lines.
    Stdin(StdinFormat),
    /// Files and folders, discovered as they are tagged.
    Paths(Vec<PathBuf>),
    /// Documents already known (one file to audit, a text to explain).
    Docs(Vec<DocMeta>),
}

/// The extra metadata columns discovery has found so far, shared with
/// the consumer of a run while discovery is still walking; the list only
/// grows, and a document's `extra` values never outnumber it.
#[derive(Debug, Clone, Default)]
pub struct Fields(Arc<Mutex<Vec<String>>>);

impl Fields {
    pub fn get(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, fields: &[String]) {
        let mut f = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if f.len() != fields.len() {
            *f = fields.to_vec();
        }
    }
}

/// How a command reads and tags: the tagger, reading options and
/// threads. Every command that reads documents goes through [`Job::run`].
pub struct Job<'a> {
    pub tagger: &'a Tagger,
    pub reading: &'a Reading,
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// Documents per batch.
    pub batch: usize,
    /// Updated as discovery finds metadata columns.
    pub fields: Fields,
}

impl<'a> Job<'a> {
    pub fn new(tagger: &'a Tagger, reading: &'a Reading) -> Job<'a> {
        Job {
            tagger,
            reading,
            threads: None,
            batch: DEFAULT_BATCH,
            fields: Fields::default(),
        }
    }

    pub fn threads(mut self, threads: Option<usize>) -> Job<'a> {
        self.threads = threads;
        self
    }

    /// Read, tag and `inspect` the documents of `source` that `keep`
    /// accepts, handing each batch's outcomes to `sink` in input order.
    /// Files and folders are discovered on a thread of their own as they
    /// are tagged, and no list of documents is kept. Returns what
    /// discovery found besides the documents: skipped inputs, metadata
    /// columns, unlisted and hidden files, warnings.
    pub fn run<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        source: Source,
        keep: impl Fn(&DocMeta) -> bool + Send,
        inspect: &I,
        sink: impl FnMut(Vec<Outcome<X>>) -> Result<()> + Send,
    ) -> Result<Corpus> {
        let mut corpus = match source {
            Source::Paths(inputs) => return self.run_discovering(&inputs, keep, inspect, sink),
            Source::Demo => Corpus::demo()?,
            Source::Stdin(format) => Corpus::stdin(format, &self.reading.ingest)?,
            Source::Docs(docs) => Corpus::of_docs(docs),
        };
        self.fields.set(&corpus.extra_fields);
        let docs = std::mem::take(&mut corpus.docs).into_iter().filter(keep);
        self.tag(docs, inspect, sink)?;
        Ok(corpus)
    }

    /// [`Job::run`] over every document of `source`, handing `each` what
    /// `inspect` made of each document read, in input order. Returns the
    /// documents that could not be read, and what discovery found.
    pub fn run_each<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        source: Source,
        inspect: &I,
        mut each: impl FnMut(DocResult, X) + Send,
    ) -> Result<(Vec<Skipped>, Corpus)> {
        let mut skipped = Vec::new();
        let found = self.run(
            source,
            |_| true,
            inspect,
            |outcomes| {
                for o in outcomes {
                    match o {
                        Outcome::Tagged(d, x) => each(d, x),
                        Outcome::Skipped(s) => skipped.push(s),
                    }
                }
                Ok(())
            },
        )?;
        Ok((skipped, found))
    }

    /// Read, tag and `inspect` one document (an audit, an explanation).
    pub fn one<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        meta: DocMeta,
        inspect: &I,
    ) -> Result<Outcome<X>> {
        let mut out = None;
        self.run(
            Source::Docs(vec![meta]),
            |_| true,
            inspect,
            |o| {
                out = out.take().or(o.into_iter().next());
                Ok(())
            },
        )?;
        out.ok_or_else(|| Error::Other("the document was not read".into()))
    }

    fn run_discovering<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        inputs: &[PathBuf],
        keep: impl Fn(&DocMeta) -> bool + Send,
        inspect: &I,
        sink: impl FnMut(Vec<Outcome<X>>) -> Result<()> + Send,
    ) -> Result<Corpus> {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<DocMeta>>(4);
            let fields = self.fields.clone();
            let ingest = &self.reading.ingest;
            let discovery = scope.spawn(move || {
                Corpus::stream(
                    inputs,
                    ingest,
                    Box::new(move |chunk, found| {
                        fields.set(found);
                        // A closed channel: tagging stopped with an error.
                        let _ = tx.send(chunk);
                    }),
                )
            });
            let docs = rx.into_iter().flatten().filter(|d| keep(d));
            let tagged = self.tag(docs, inspect, sink);
            let corpus = discovery
                .join()
                .map_err(|_| Error::Other("discovery panicked".into()))??;
            tagged?;
            self.fields.set(&corpus.extra_fields);
            Ok(corpus)
        })
    }

    /// Tag `docs`, handing each batch's outcomes to `sink` in input
    /// order. The sink runs on its own thread, so writing one batch
    /// overlaps with tagging the next; at most two batches of results are
    /// in flight, and one batch of texts. `docs` may be a stream (a
    /// streaming discovery's channel): it is read one batch at a time.
    pub fn tag<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        docs: impl IntoIterator<Item = DocMeta>,
        inspect: &I,
        mut sink: impl FnMut(Vec<Outcome<X>>) -> Result<()> + Send,
    ) -> Result<()> {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            builder = builder.num_threads(n.max(1));
        }
        let pool = builder
            .build()
            .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
        let reading = self.reading;
        let limits = &reading.ingest.limits;
        let tagger = self.tagger;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Outcome<X>>>(1);
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
                let chunk: Vec<DocMeta> = docs.by_ref().take(self.batch.max(1)).collect();
                if chunk.is_empty() {
                    break;
                }
                let outcomes = match &mut index {
                    // Without duplicate checks a document is read and
                    // tagged by the same worker in one step: no barrier
                    // between reading and tagging.
                    None => largest_first(&pool, chunk, size_hint, |m| {
                        match read_one(m, &reading.ingest) {
                            Ok((m, d)) => tag_doc(tagger, m, d, limits, inspect),
                            Err(s) => Outcome::Skipped(s),
                        }
                    }),
                    Some(index) => self.dedupe_and_tag(&pool, chunk, index, inspect),
                };
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

    /// One batch with `--dedupe`: read (parallel), drop duplicates
    /// (sequential, in input order, so the first copy is always the one
    /// kept), tag (parallel).
    fn dedupe_and_tag<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        pool: &rayon::ThreadPool,
        chunk: Vec<DocMeta>,
        index: &mut dedupe::Index,
        inspect: &I,
    ) -> Vec<Outcome<X>> {
        let reading = self.reading;
        let mode = reading.dedupe.map(|(mode, _)| mode);
        let read: Vec<_> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|m| {
                    read_one(m, &reading.ingest).map(|(m, d)| {
                        let fp = mode.map(|mode| dedupe::fingerprint(&d.text, mode));
                        (m, d, fp)
                    })
                })
                .collect()
        });
        let mut outcomes: Vec<Option<Outcome<X>>> = Vec::with_capacity(read.len());
        let mut to_tag = Vec::new();
        for r in read {
            match r {
                Err(s) => outcomes.push(Some(Outcome::Skipped(s))),
                Ok((m, d, fp)) => match fp.and_then(|fp| index.check(&m.doc_id, &fp)) {
                    Some(o) => outcomes.push(Some(Outcome::Skipped(duplicate(m, o)))),
                    None => {
                        to_tag.push((outcomes.len(), m, d));
                        outcomes.push(None);
                    }
                },
            }
        }
        let limits = &reading.ingest.limits;
        let tagged = largest_first(
            pool,
            to_tag,
            |(_, _, d)| d.text.len() as u64,
            |(i, m, d)| (i, tag_doc(self.tagger, m, d, limits, inspect)),
        );
        for (i, o) in tagged {
            outcomes[i] = Some(o);
        }
        outcomes.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest items go first (one thread shows the order), and the
    /// results come back in the items' order on any number of threads.
    #[test]
    fn largest_first_schedules_by_size_and_keeps_the_order() {
        let sizes: Vec<u64> = vec![3, 10, 0, 7, 10, 1, 7];
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let started = Mutex::new(Vec::new());
            let items: Vec<(usize, u64)> = sizes.iter().copied().enumerate().collect();
            let out = largest_first(
                &pool,
                items,
                |&(_, s)| s,
                |(i, s)| {
                    started.lock().unwrap().push(i);
                    (i, s * 2)
                },
            );
            let want: Vec<(usize, u64)> = sizes.iter().map(|s| s * 2).enumerate().collect();
            assert_eq!(out, want, "{threads} threads");
            let mut started = started.into_inner().unwrap();
            if threads == 1 {
                // Largest first; of equal sizes, the earlier first.
                assert_eq!(started, [1, 4, 3, 6, 0, 5, 2]);
            }
            started.sort_unstable();
            assert_eq!(started, (0..sizes.len()).collect::<Vec<_>>());
        }
    }
}
