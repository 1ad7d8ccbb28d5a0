//! Shared by the ingest targets: the bytes go through the same public path
//! the pipeline takes (`Corpus::discover` on a file, then `read_doc` on
//! every document it lists), with the production limits, and what comes
//! out is checked: page offsets inside the text and on character
//! boundaries, every skip with a reason.
#![allow(dead_code)]

use framewatch::ingest::{Corpus, IngestOptions, read_doc};
use std::path::PathBuf;
use std::sync::Once;

/// Production options: `Limits::default()` is what the CLI uses unless a
/// flag raises a limit. OCR is off: it runs external programs, not the
/// parsers under test, and would slow every run to a crawl.
pub fn opts() -> IngestOptions {
    let mut o = IngestOptions::default();
    o.pdf.ocr.mode = framewatch::ingest::ocr::Mode::Never;
    o
}

/// Write `bytes` to a per-process scratch file named `input.EXT` (in
/// /dev/shm when there is one, so the disk is not worn).
pub fn file_with(ext: &str, bytes: &[u8]) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("framewatch-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch folder");
        // libFuzzer ends a timed run with exit(): remove the folder then.
        unsafe extern "C" {
            fn atexit(f: extern "C" fn()) -> i32;
        }
        extern "C" fn clean() {
            if let Some(d) = DIR.get() {
                let _ = std::fs::remove_dir_all(d);
            }
        }
        unsafe { atexit(clean) };
        d
    });
    let p = dir.join(format!("input.{ext}"));
    std::fs::write(&p, bytes).expect("scratch file");
    p
}

/// Discover `bytes` as a file named `input.EXT` and read every document
/// it yields, as a run does. Returns how many documents read.
pub fn read_as(ext: &str, bytes: &[u8]) -> usize {
    let path = file_with(ext, bytes);
    let opts = opts();
    let corpus = Corpus::discover(&[path], &opts).expect("a scratch file is always an input");
    for s in &corpus.skipped {
        assert!(!s.detail.is_empty(), "a skip without a detail: {s:?}");
    }
    let mut read = 0;
    for mut meta in corpus.docs {
        match read_doc(&mut meta, &opts) {
            Ok(doc) => {
                read += 1;
                assert!(!doc.text.trim().is_empty(), "a document read with no text");
                let mut last = 0;
                for &p in &doc.page_starts {
                    let p = p as usize;
                    assert!(
                        p >= last && p <= doc.text.len() && doc.text.is_char_boundary(p),
                        "page start {p} outside the text ({} bytes) or out of order: {:?}",
                        doc.text.len(),
                        doc.page_starts
                    );
                    last = p;
                }
            }
            Err((reason, detail)) => {
                assert!(!detail.is_empty(), "a read error ({reason}) without a detail");
            }
        }
    }
    read
}

/// libFuzzer's panic hook aborts on every panic, even one that
/// `ingest::guard` would catch in a run. With `FUZZ_CONTAIN=1`, a panic
/// raised inside a third-party crate (its source under a cargo registry)
/// is printed and left to unwind to the guard, so a campaign can go on
/// past a known, contained panic in a dependency; a panic in framewatch's
/// own code, or one the guard does not catch, still aborts.
pub fn hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("FUZZ_CONTAIN").as_deref() != Ok("1") {
            return;
        }
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let third_party = info
                .location()
                .is_some_and(|l| l.file().contains("/registry/src/"));
            if third_party {
                static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
                let at = info.location().map(|l| l.to_string()).unwrap_or_default();
                let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
                if !seen.contains(&at) {
                    eprintln!("fuzz: contained third-party panic at {at}: {info}");
                    seen.push(at);
                }
                return;
            }
            abort(info);
        }));
    });
}
