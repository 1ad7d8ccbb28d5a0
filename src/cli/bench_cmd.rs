//! `framewatch ingest-bench` (hidden): time reading files per format, on
//! one thread, discovery included (tables and feeds are parsed there).
//! `benches/ingest.py` runs it several times and reports medians.

use super::EXIT_OK;
use super::ingest_args::IngestArgs;
use crate::error::Result;
use crate::ingest::{Corpus, read_doc};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// Print one JSON object per format instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Print every document's text as read (to check extraction), not timings.
    #[arg(long)]
    pub print: bool,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

#[derive(Default)]
struct Stats {
    files: usize,
    documents: usize,
    skipped: usize,
    bytes: u64,
    seconds: f64,
}

pub fn run(args: Args) -> Result<u8> {
    let reading = args.ingest.settle()?;
    let mut files = Vec::new();
    for input in &args.inputs {
        for e in walkdir::WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if e.file_type().is_file() && !hidden && e.file_name() != crate::ingest::SIDECAR {
                files.push(e.into_path());
            }
        }
    }
    let mut stats: BTreeMap<String, Stats> = BTreeMap::new();
    for f in files {
        let ext = f
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let bytes = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        let t0 = Instant::now();
        let (mut read, mut skipped) = (0, 0);
        match Corpus::discover(std::slice::from_ref(&f), &reading.ingest) {
            Ok(c) => {
                skipped += c.skipped.len();
                for mut d in c.docs {
                    match read_doc(&mut d, &reading.ingest) {
                        Ok(doc) => {
                            read += 1;
                            if args.print {
                                println!("==> {} ({}) <==\n{}\n", d.doc_id, d.path, doc.text);
                            }
                            std::hint::black_box(doc);
                        }
                        Err(_) => skipped += 1,
                    }
                }
            }
            Err(_) => skipped += 1,
        }
        let s = stats.entry(ext).or_default();
        s.seconds += t0.elapsed().as_secs_f64();
        s.files += 1;
        s.documents += read;
        s.skipped += skipped;
        s.bytes += bytes;
    }
    if args.print {
        return Ok(EXIT_OK);
    }
    if !args.json {
        println!(
            "{:<8} {:>6} {:>9} {:>8} {:>9} {:>9} {:>10} {:>8}",
            "format", "files", "documents", "skipped", "MB", "seconds", "docs/s", "MB/s"
        );
    }
    for (ext, s) in &stats {
        let mb = s.bytes as f64 / 1e6;
        let secs = s.seconds.max(1e-9);
        if args.json {
            println!(
                "{}",
                serde_json::json!({"format": ext, "files": s.files, "documents": s.documents,
                    "skipped": s.skipped, "bytes": s.bytes, "seconds": s.seconds})
            );
        } else {
            println!(
                "{ext:<8} {:>6} {:>9} {:>8} {mb:>9.3} {:>9.3} {:>10.1} {:>8.2}",
                s.files,
                s.documents,
                s.skipped,
                s.seconds,
                s.documents as f64 / secs,
                mb / secs
            );
        }
    }
    Ok(EXIT_OK)
}
