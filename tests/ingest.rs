//! Ingest formats end to end: the mixed fixture folder, duplicates,
//! standard input, limits and links; and, when `../shared` is beside the
//! project, the real documents in `../shared/realdocs`.

use crate::need_shared;
use crate::util::{
    self, csv_rows, fixtures, framewatch, framewatch_stdin, golden, manifest, read, tempdir,
};
use framewatch::ingest::{IngestOptions, file_doc, html::word_f1, read_doc};
use std::collections::BTreeMap;
use std::path::Path;

type Row = BTreeMap<String, String>;

fn by_id(rows: &[Row]) -> BTreeMap<String, Row> {
    rows.iter()
        .map(|r| (r["doc_id"].clone(), r.clone()))
        .collect()
}

/// The metadata columns of a documents table, as text (the counts are
/// in the full golden file).
fn metadata_view(rows: &[Row]) -> String {
    let cols = [
        "doc_id",
        "format",
        "record",
        "date",
        "date_precision",
        "date_source",
        "source",
        "title",
        "author",
        "url",
        "page_count",
        "warnings",
    ];
    let mut out = cols.join(" | ") + "\n";
    for r in rows {
        out += &cols
            .map(|c| r.get(c).cloned().unwrap_or_default())
            .join(" | ");
        out.push('\n');
    }
    out
}

#[test]
fn mixed_folder_reads_every_good_fixture_and_skips_every_bad_one() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    // Without OCR, so that the scan's skip reason is the same whether
    // Tesseract is installed or not (OCR: tests/extract.rs).
    let r = framewatch(
        &fixtures(),
        &["run", "mixed", "--ocr", "never", "--format", "csv", "-o", o],
    )
    .ok();
    for expected in [
        "mixed/bomb.docx: skipped: zip-bomb: word/document.xml inflates to more than",
        "mixed/locked-briefing.pdf: skipped: encrypted-pdf: the PDF is encrypted",
        "mixed/scanned-leaflet.pdf: skipped: no-text-layer: no text layer in 1 page",
        "mixed/truncated-report.pdf: skipped: corrupt-pdf:",
        "mixed/saved-as.pdf: skipped: format-mismatch: named .pdf but the content is HTML",
        "mixed/notes.doc: skipped: unsupported-format:",
        "mixed/news-export.csv: skipped: bad-date: row 3 (line 4): unparseable date \"2019-13-40\"",
        "mixed/news-export.csv: skipped: empty-text: row 4 (line 5): the text column \"text\" is empty",
        "mixed/letter-1998-02-14.txt: warning: not valid UTF-8 (byte 30); decoded as windows-1252 (guessed)",
        "18 documents read, 8 skipped",
    ] {
        assert!(
            r.stderr.contains(expected),
            "expected {expected:?} in\n{}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let docs = csv_rows(&out.join("documents.csv"));
    golden("mixed/documents-metadata.txt", &metadata_view(&docs));
    golden("mixed/documents.csv", &read(&out.join("documents.csv")));
    golden("mixed/skipped.csv", &read(&out.join("skipped.csv")));
    let d = by_id(&docs);
    // Precedence: the PDF's own date beats nothing; the file name dates the letter.
    assert_eq!(d["policy-paper"]["date"], "2023-09-15");
    assert_eq!(d["policy-paper"]["page_count"], "2");
    assert_eq!(d["policy-paper"]["title"], "Work, Pay and Poverty");
    assert_eq!(d["letter-1998-02-14"]["date_source"], "filename");
    assert_eq!(d["consultation-response"]["date"], "2022-03-08");
    assert_eq!(d["news-page"]["source"], "The Northern Ledger");
    assert_eq!(d["policy-watch#1"]["source"], "Poverty Policy Watch");
    assert_eq!(d["news-export#n-105"]["date"], "2019-06-30");
    assert_eq!(d["wire-stories#w-1"]["date"], "2024-03-05");
    assert_eq!(d["hansard-extract#h-1"]["speaker"], "Peter Lilley");
    // A hit in the PDF can be cited by page.
    let hits = csv_rows(&out.join("hits.csv"));
    let pdf_pages: Vec<(&str, &str)> = hits
        .iter()
        .filter(|h| h["doc_id"] == "policy-paper")
        .map(|h| (h["surface"].as_str(), h["page"].as_str()))
        .collect();
    assert!(pdf_pages.contains(&("Low pay", "1")), "{pdf_pages:?}");
    assert!(
        pdf_pages.contains(&("welfare dependency", "2")),
        "{pdf_pages:?}"
    );
    assert!(
        hits.iter()
            .filter(|h| h["doc_id"] != "policy-paper")
            .all(|h| h["page"].is_empty())
    );
    let m = manifest(&out);
    assert_eq!(m["counts"]["documents_read"], 18);
    assert_eq!(m["counts"]["warnings"], 1);
    assert_eq!(m["options"]["ingest"]["text_col"], "text");
    // Same inputs, same bytes: a second run (one thread) is identical.
    let out2 = tmp.path().join("out2");
    framewatch(
        &fixtures(),
        &[
            "run",
            "mixed",
            "--ocr",
            "never",
            "--format",
            "csv",
            "-j",
            "1",
            "-o",
            out2.to_str().unwrap(),
        ],
    )
    .ok();
    for t in ["documents", "hits", "skipped", "trends"] {
        assert_eq!(
            read(&out.join(format!("{t}.csv"))),
            read(&out2.join(format!("{t}.csv"))),
            "{t}"
        );
    }
}

#[test]
fn table_columns_are_chosen_by_flag() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    // The headline as text and no id column: documents are named by row.
    framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/wire-stories.jsonl",
            "--text-col",
            "headline",
            "--id-col",
            "none",
            "--format",
            "csv",
            "-o",
            o,
        ],
    )
    .ok();
    let docs = csv_rows(&out.join("documents.csv"));
    let ids: Vec<&str> = docs.iter().map(|r| r["doc_id"].as_str()).collect();
    assert_eq!(ids, ["wire-stories#1", "wire-stories#2", "wire-stories#3"]);
    assert_eq!(docs[0]["record"], "1");
    assert!(
        docs[0].contains_key("text"),
        "other columns become metadata"
    );
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/news-export.csv",
            "--text-col",
            "body",
            "-o",
            o,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("skipped: no-text-column: no column \"body\" (columns: id, date, source, title, section, text); name the text column with --text-col"),
        "{}",
        r.stderr
    );
}

#[test]
fn dedupe_drops_copies_and_names_the_original() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/wire-stories.jsonl",
            "--dedupe",
            "exact",
            "--format",
            "csv",
            "-o",
            o,
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("wire-stories#w-3: ")
            || r.stderr
                .contains("skipped: duplicate: same text as \"wire-stories#w-1\""),
        "{}",
        r.stderr
    );
    let skipped = csv_rows(&out.join("skipped.csv"));
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["doc_id"], "wire-stories#w-3");
    assert_eq!(skipped[0]["reason"], "duplicate");
    assert_eq!(skipped[0]["duplicate_of"], "wire-stories#w-1");
    assert_eq!(manifest(&out)["counts"]["duplicates"], 1);

    // Near: a lightly edited copy is caught at 0.8, not at 0.99; the
    // first in input order is kept whatever the thread count.
    let dir = tmp.path().join("near");
    std::fs::create_dir(&dir).unwrap();
    let story = "Child poverty rose for the third year running, driven by the two-child limit and the benefit freeze, a report by the Resolution Foundation said on Tuesday, adding that low pay and high rents left working families short.";
    let edited = format!("{story} Reporting by PA.");
    let other = "Ministers said work remained the best route out of poverty and that the welfare system must reward hard-working families.";
    let mut lines = Vec::new();
    for (i, t) in [story, other, &edited, story].iter().enumerate() {
        lines.push(serde_json::json!({"id": format!("s{i}"), "text": t}).to_string());
    }
    std::fs::write(dir.join("feed.jsonl"), lines.join("\n")).unwrap();
    for (threshold, dropped) in [
        ("0.8", vec!["feed#s2", "feed#s3"]),
        ("0.99", vec!["feed#s3"]),
    ] {
        for threads in ["1", "3"] {
            framewatch(
                tmp.path(),
                &[
                    "run",
                    "near",
                    "--dedupe",
                    "near",
                    "--near-threshold",
                    threshold,
                    "-j",
                    threads,
                    "--format",
                    "csv",
                    "-o",
                    o,
                ],
            )
            .ok();
            let skipped = csv_rows(&out.join("skipped.csv"));
            let ids: Vec<&str> = skipped.iter().map(|r| r["doc_id"].as_str()).collect();
            assert_eq!(ids, dropped, "threshold {threshold}");
            assert!(skipped.iter().all(|r| r["duplicate_of"] == "feed#s0"));
        }
    }
    let r = framewatch(
        tmp.path(),
        &[
            "run",
            "near",
            "--dedupe",
            "near",
            "--near-threshold",
            "1.5",
            "-o",
            o,
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--near-threshold 1.5: must be in (0, 1]"),
        "{}",
        r.stderr
    );
}

#[test]
fn stdin_reads_one_text_or_json_lines() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    framewatch_stdin(
        tmp.path(),
        &["run", "-", "--format", "csv", "-o", o],
        "Benefit cuts and low pay, not welfare dependency, explain rising poverty.".as_bytes(),
    )
    .ok();
    let docs = csv_rows(&out.join("documents.csv"));
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0]["doc_id"].as_str(), docs[0]["path"].as_str()),
        ("stdin", "-")
    );
    assert_ne!(docs[0]["hits"], "0");
    let jsonl = "{\"id\": \"a\", \"date\": \"2020-02-02\", \"text\": \"Austerity hit the poorest hardest.\"}\n{\"id\": \"b\", \"text\": \"\"}\n";
    let r = framewatch_stdin(
        tmp.path(),
        &[
            "run",
            "-",
            "--stdin-format",
            "jsonl",
            "--format",
            "csv",
            "-o",
            o,
        ],
        jsonl.as_bytes(),
    )
    .ok();
    assert!(
        r.stderr
            .contains("-: skipped: empty-text: line 2: the text field \"text\" is empty"),
        "{}",
        r.stderr
    );
    let docs = csv_rows(&out.join("documents.csv"));
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0]["doc_id"].as_str(), docs[0]["date"].as_str()),
        ("stdin#a", "2020-02-02")
    );
    let r = framewatch_stdin(tmp.path(), &["run", "-", "mixed", "-o", o], b"x");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be combined"), "{}", r.stderr);
}

#[test]
fn limits_refuse_with_a_message_that_names_the_flag() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/policy-paper.pdf",
            "mixed/news-page.html",
            "--max-file-size",
            "2K",
            "-o",
            o,
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("mixed/news-page.html: skipped: too-large: 2.7 KiB is over --max-file-size 2 KiB; raise it to read this file"),
        "{}",
        r.stderr
    );
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/news-export.csv",
            "--max-row-size",
            "200",
            "-o",
            o,
        ],
    )
    .ok();
    assert!(
        r.stderr.contains(
            "skipped: row-too-long: row 1 (line 2) is 206 B long, over --max-row-size 200 B"
        ),
        "{}",
        r.stderr
    );
    // Raising the zip limits reads the bomb (its text is one line).
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mixed/bomb.docx",
            "--max-zip-ratio",
            "100000",
            "-o",
            o,
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("1 documents read, 0 skipped"),
        "{}",
        r.stderr
    );
    let r = framewatch(
        &fixtures(),
        &["run", "mixed", "--max-file-size", "lots", "-o", o],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("\"lots\" is not a size"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn links_out_of_the_input_folder_are_not_followed_unless_asked() {
    let tmp = tempdir();
    let outside = tmp.path().join("outside");
    let input = tmp.path().join("input");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::write(outside.join("secret.txt"), "Low pay and benefit cuts.").unwrap();
    std::fs::write(input.join("own.txt"), "Austerity and low pay.").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), input.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(input.join("own.txt"), input.join("sub/inner.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, input.join("dir")).unwrap();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let r = framewatch(tmp.path(), &["run", "input", "--format", "csv", "-o", o]).ok();
    assert!(
        r.stderr
            .contains("input/link.txt: skipped: symlink-outside: links to"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("pass --follow-symlinks to read it"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("input/dir: skipped: symlink-outside"),
        "{}",
        r.stderr
    );
    let ids: Vec<String> = csv_rows(&out.join("documents.csv"))
        .into_iter()
        .map(|r| r["doc_id"].clone())
        .collect();
    assert_eq!(ids, ["own", "sub/inner"]);
    framewatch(
        tmp.path(),
        &[
            "run",
            "input",
            "--follow-symlinks",
            "--format",
            "csv",
            "-o",
            o,
        ],
    )
    .ok();
    let ids: Vec<String> = csv_rows(&out.join("documents.csv"))
        .into_iter()
        .map(|r| r["doc_id"].clone())
        .collect();
    assert_eq!(ids, ["dir/secret", "link", "own", "sub/inner"]);
}

#[test]
fn sidecar_beats_the_format_which_beats_the_file_name() {
    let tmp = tempdir();
    let dir = tmp.path().join("c");
    std::fs::create_dir(&dir).unwrap();
    for f in [
        "policy-paper.pdf",
        "consultation-response.docx",
        "letter-1998-02-14.txt",
    ] {
        std::fs::copy(fixtures().join("mixed").join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("metadata.csv"),
        "doc_id,date,path,title,source\npaper,2020-01-01,policy-paper.pdf,Sidecar title,\nresponse,,consultation-response.docx,,Tenants\nletter,,letter-1998-02-14.txt,,\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    framewatch(
        tmp.path(),
        &["run", "c", "--format", "csv", "-o", out.to_str().unwrap()],
    )
    .ok();
    let d = by_id(&csv_rows(&out.join("documents.csv")));
    let view = |id: &str, c: &str| d[id][c].clone();
    assert_eq!(
        (view("paper", "date"), view("paper", "date_source")),
        ("2020-01-01".into(), "metadata".into())
    );
    assert_eq!(view("paper", "title"), "Sidecar title");
    assert_eq!(view("paper", "author"), "Fair Pay Unit");
    assert_eq!(
        (view("response", "date"), view("response", "date_source")),
        ("2022-03-08".into(), "document".into())
    );
    assert_eq!(view("response", "source"), "Tenants");
    assert_eq!(
        (view("letter", "date"), view("letter", "date_source")),
        ("1998-02-14".into(), "filename".into())
    );
}

#[test]
fn audit_cites_pdf_pages_in_every_format() {
    let tmp = tempdir();
    let doc = "mixed/policy-paper.pdf";
    let text = framewatch(&fixtures(), &["audit", doc]);
    assert!(text.code == 0 || text.code == 1, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("mixed/policy-paper.pdf, p. 2: structural."),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("behavioural.responsibilisation not counted: no poverty context nearby"),
        "{}",
        text.stdout
    );
    let json = framewatch(&fixtures(), &["audit", doc, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let pages: Vec<u64> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["page"].as_u64().expect("every hit of a PDF has a page"))
        .collect();
    assert!(
        !pages.is_empty() && pages.iter().all(|&p| p == 1 || p == 2),
        "{pages:?}"
    );
    let sarif = framewatch(&fixtures(), &["audit", doc, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let result = &v["runs"][0]["results"][0];
    let page = result["properties"]["page"].as_u64().unwrap();
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with(&format!("(p. {page})")),
        "{result}"
    );
    let gh = framewatch(&fixtures(), &["audit", doc, "--format", "github"]);
    assert!(
        gh.stdout.contains(", endorsed — counted (p. 2). Sentence:"),
        "{}",
        gh.stdout
    );
    let html = tmp.path().join("a.html");
    framewatch(
        &fixtures(),
        &["audit", doc, "--html", html.to_str().unwrap()],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("p. 2 “welfare dependency”</a>"), "{page}");
    assert!(
        page.contains("living_costs · not counted: no poverty context nearby"),
        "{page}"
    );
}

#[test]
fn audit_and_kwic_read_pdfs_with_pages() {
    let tmp = tempdir();
    let r = framewatch(
        &fixtures(),
        &["audit", "mixed/policy-paper.pdf", "--format", "json"],
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(r.stdout.contains("welfare dependency"), "{}", r.stdout);
    let kw = tmp.path().join("k.csv");
    framewatch(
        &fixtures(),
        &[
            "kwic",
            "mixed/policy-paper.pdf",
            "--entry",
            "lifestyle choice",
            "--format",
            "csv",
            "-o",
            kw.to_str().unwrap(),
        ],
    )
    .ok();
    let lines = csv_rows(&kw);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["page"], "2");
    let r = framewatch(&fixtures(), &["audit", "mixed/news-export.csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("a table or feed holds many documents"),
        "{}",
        r.stderr
    );
}

// ------------------------------------------------------------ realdocs

fn realdocs() -> Option<std::path::PathBuf> {
    let p = util::shared()?.join("realdocs");
    p.is_dir().then_some(p)
}

fn read_file(p: &Path) -> Result<framewatch::ingest::Doc, framewatch::ingest::ReadError> {
    read_with(p, &IngestOptions::default())
}

fn read_with(
    p: &Path,
    opts: &IngestOptions,
) -> Result<framewatch::ingest::Doc, framewatch::ingest::ReadError> {
    let mut meta = file_doc(p).expect("a single-document format");
    read_doc(&mut meta, opts)
}

#[test]
fn realdocs_pdfs_read_page_by_page_or_say_why_not() {
    let _ = need_shared!();
    let Some(dir) = realdocs() else {
        eprintln!("skipped: ../shared/realdocs is absent");
        return;
    };
    let pages: &[(&str, usize)] = &[
        ("150109DSP-Milw-505-90D", 2),
        ("Conservative-Manifesto-GE2024", 80),
        ("RiskTriggersReport361", 28),
        ("cupertino_usd_4-6-16", 1),
        ("failure-after-repair", 76),
        ("federal-register-2020-17221", 15),
        ("invalid-pdf-structure-pdfminer-one-page", 2),
        ("issue-316-example", 17),
        ("pdf-with-ocr-text", 1),
    ];
    // The text layers as they are (OCR is tested in tests/extract.rs).
    let mut never = IngestOptions::default();
    never.pdf.ocr.mode = framewatch::ingest::ocr::Mode::Never;
    for (name, n) in pages {
        let doc = read_with(&dir.join(format!("pdf/{name}.pdf")), &never)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(doc.page_starts.len(), *n, "{name}");
        let reference = read(&dir.join(format!("pdf/{name}.reference.txt")));
        let f1 = word_f1(&reference, &doc.text);
        eprintln!("realdocs pdf {name}: {n} pages, word F1 vs pdftotext {f1:.3}");
        // The scan's OCR layer is garbage either way; extractors differ.
        let floor = if *name == "pdf-with-ocr-text" {
            0.5
        } else {
            0.95
        };
        assert!(f1 > floor, "{name}: word F1 {f1:.3}");
    }
    let (reason, _) = read_with(&dir.join("pdf/c02-22.pdf"), &never)
        .err()
        .unwrap();
    assert_eq!(reason, "no-text-layer");
}

#[test]
fn realdocs_docx_match_pandoc() {
    let _ = need_shared!();
    let Some(dir) = realdocs() else {
        eprintln!("skipped: ../shared/realdocs is absent");
        return;
    };
    for name in [
        "IllustrativeCases",
        "handbook-872p",
        "pres.deb1",
        "realworld",
    ] {
        let doc = read_file(&dir.join(format!("docx/{name}.docx")))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let reference = read(&dir.join(format!("docx/{name}.reference.txt")));
        let f1 = word_f1(&reference, &doc.text);
        eprintln!(
            "realdocs docx {name}: {} bytes, word F1 vs pandoc {f1:.3}",
            doc.text.len()
        );
        assert!(f1 > 0.9, "{name}: word F1 {f1:.3}");
    }
}

#[test]
fn realdocs_html_main_text_is_close_to_the_expected_text() {
    let _ = need_shared!();
    let Some(dir) = realdocs() else {
        eprintln!("skipped: ../shared/realdocs is absent");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(dir.join("html"))
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().to_string_lossy().to_string();
            n.strip_suffix(".html").map(String::from)
        })
        .collect();
    names.sort();
    let mut total = 0.0;
    for name in &names {
        let doc = read_file(&dir.join(format!("html/{name}.html")))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let expected = read(&dir.join(format!("html/{name}.expected.txt")));
        let f1 = word_f1(&expected, &doc.text);
        eprintln!("realdocs html {name}: word F1 vs expected {f1:.3}");
        assert!(f1 > 0.8, "{name}: word F1 {f1:.3}\n{}", doc.text);
        total += f1;
    }
    let mean = total / names.len() as f64;
    eprintln!(
        "realdocs html: mean word F1 {mean:.3} over {} pages",
        names.len()
    );
    assert!(mean > 0.9, "mean word F1 {mean:.3}");
}

#[test]
fn realdocs_feeds_give_one_document_per_item() {
    let _ = need_shared!();
    let Some(dir) = realdocs() else {
        eprintln!("skipped: ../shared/realdocs is absent");
        return;
    };
    let tmp = tempdir();
    let out = tmp.path().join("o");
    framewatch(
        &dir.join("feeds"),
        &["run", ".", "--format", "csv", "-o", out.to_str().unwrap()],
    )
    .ok();
    let docs = csv_rows(&out.join("documents.csv"));
    let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        *per_file.entry(d["path"].clone()).or_default() += 1;
        assert!(
            !d["title"].is_empty() || d["doc_id"].contains("nbcny"),
            "{d:?}"
        );
    }
    let counts: Vec<(String, usize)> = per_file.into_iter().collect();
    assert_eq!(
        counts,
        [
            ("./HREFConsideredHarmful.xml".to_string(), 10),
            ("./TechCrunch.xml".into(), 20),
            ("./TypePadNews.xml".into(), 10),
            ("./atom_mediarss_reddit_1.xml".into(), 25),
            ("./rss_2.0_ilmessaggero.xml".into(), 1),
            ("./rss_2.0_nbcny.xml".into(), 1),
        ]
    );
    let d = by_id(&docs);
    assert_eq!(d["TechCrunch#1"]["source"], "TechCrunch");
    assert_eq!(d["TechCrunch#1"]["date"], "2011-11-02");
    assert_eq!(d["TypePadNews#1"]["format"], "atom");
}

/// The streaming discovery hands on exactly the documents the collecting
/// one keeps, in the same order and with the same ordinals, and finds the
/// same skipped inputs, metadata columns, unlisted and hidden files.
fn same_as_discover(inputs: &[std::path::PathBuf]) -> usize {
    use framewatch::ingest::Corpus;
    use std::sync::{Arc, Mutex};
    let opts = IngestOptions::default();
    let whole = Corpus::discover(inputs, &opts).unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let chunks = Arc::new(Mutex::new(0usize));
    let (g, n) = (got.clone(), chunks.clone());
    let streamed = Corpus::stream(
        inputs,
        &opts,
        Box::new(move |chunk, fields| {
            assert!(!chunk.is_empty());
            assert!(chunk.iter().all(|d| d.extra.len() <= fields.len()));
            *n.lock().unwrap() += 1;
            g.lock().unwrap().extend(chunk);
        }),
    )
    .unwrap();
    let got = got.lock().unwrap();
    assert!(streamed.docs.is_empty());
    assert_eq!(streamed.found, whole.docs.len());
    assert_eq!(got.len(), whole.docs.len());
    for (i, (a, b)) in got.iter().zip(&whole.docs).enumerate() {
        assert_eq!(a.ordinal, i);
        assert_eq!(b.ordinal, i);
        assert_eq!(
            (&a.doc_id, &a.path, &a.origin, a.format, a.record, &a.extra),
            (&b.doc_id, &b.path, &b.origin, b.format, b.record, &b.extra)
        );
        assert_eq!((a.date, a.date_source), (b.date, b.date_source));
        assert_eq!(
            (&a.source, &a.kind, &a.title, &a.author, &a.url),
            (&b.source, &b.kind, &b.title, &b.author, &b.url)
        );
    }
    let sorted = |c: &Corpus| {
        let mut s = c.skipped.clone();
        s.sort();
        s
    };
    assert_eq!(sorted(&streamed), sorted(&whole));
    assert_eq!(streamed.extra_fields, whole.extra_fields);
    assert_eq!(streamed.unlisted, whole.unlisted);
    assert_eq!(streamed.hidden, whole.hidden);
    *chunks.lock().unwrap()
}

#[test]
fn streaming_discovery_equals_the_collected_list() {
    let f = fixtures();
    for inputs in [
        vec![f.join("mixed")],
        vec![f.join("mini")],
        vec![f.join("dupes")],
        vec![f.join("clash")],
        vec![f.join("mixed"), f.join("dupes"), f.join("mini")],
        vec![f.join("dupes"), f.join("dupes/a.txt")],
    ] {
        same_as_discover(&inputs);
    }
    // Many documents, with duplicate ids spread over several chunks: some
    // `k.txt` have a `k.md` twin (two documents, the ids keep their
    // extensions), and `k-t.csv` row 2 collides with `k-t#2.txt`.
    let tmp = tempdir();
    let d = tmp.path().join("many");
    std::fs::create_dir_all(d.join("sub/.hidden")).unwrap();
    for k in 0..700 {
        std::fs::write(d.join(format!("{k:04}.txt")), format!("text {k}")).unwrap();
        if k % 7 == 0 {
            std::fs::write(d.join(format!("{k:04}.md")), "twin").unwrap();
        }
        if k % 50 == 0 {
            std::fs::write(d.join(format!("{k:04}-t#2.txt")), "row twin").unwrap();
            std::fs::write(d.join(format!("{k:04}-t.csv")), "text\na\nb\nc\n").unwrap();
        }
    }
    std::fs::write(d.join("sub/x.txt"), "x").unwrap();
    std::fs::write(d.join("sub/.hidden/y.txt"), "y").unwrap();
    let chunks = same_as_discover(std::slice::from_ref(&d));
    assert!(chunks >= 3, "{chunks} chunks");
    let whole = framewatch::ingest::Corpus::discover(&[d], &IngestOptions::default()).unwrap();
    let dup = whole
        .skipped
        .iter()
        .filter(|s| s.reason == "duplicate-id")
        .count();
    // `k.txt` and `k.md` are two documents (ids `k.txt`, `k.md`); only
    // the table rows that collide with a file are duplicates.
    assert_eq!(dup, 14, "{:?}", whole.skipped);
    assert!(whole.docs.iter().any(|d| d.doc_id == "0007.md"));
    assert!(whole.docs.iter().any(|d| d.doc_id == "0007.txt"));
    assert!(whole.docs.iter().any(|d| d.doc_id == "0001"));
    if let Some(shared) = util::shared() {
        same_as_discover(&[shared.join("corpora")]);
    }
}
