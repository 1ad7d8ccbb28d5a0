//! Hostile text in outputs: markup, entities, control and bidi characters,
//! workflow-command injection and a very long token must be inert in HTML,
//! valid in JSON and SARIF, one line per GitHub annotation, and quoted in
//! CSV so that every field reads back exactly.

use crate::util::{check_sarif, framewatch, read, tempdir};
use std::path::Path;

const PAYLOAD: &str = "<script>document.title='PWNED'</script>";
const IMG: &str = "<img src=x onerror=\"document.title='PWNED'\">";

/// A document whose sentences carry hits next to hostile text.
fn hostile_text() -> String {
    let long = "A".repeat(200_000);
    format!(
        "{PAYLOAD} Too many scroungers </style>{IMG} live &amp; on benefits, &lt;b&gt; they say.\n\
         Low pay\u{0007} and high rents \u{202E}keep families poor\u{202C}, not \u{0000}laziness.\n\
         \n\
         ::error file=x::injected annotation\r\n::set-output name=x::y\n\
         The \"hard-working families\" line; {long} and benefit cuts.\n\
         “<b>Welfare dependency</b>” \u{2066}is a myth\u{2069}, said the report, ]]> --> \u{FEFF}end.\n"
    )
}

fn corpus(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("hostile.txt"), hostile_text()).unwrap();
    let mut w = csv::Writer::from_path(dir.join("metadata.csv")).unwrap();
    w.write_record(["doc_id", "date", "path", "title", "source"])
        .unwrap();
    w.write_record([
        "h1",
        "2015-03-01",
        "hostile.txt",
        &format!("{PAYLOAD}, \"quoted\",\nsecond line"),
        "</style><script>alert(1)</script>",
    ])
    .unwrap();
    w.flush().unwrap();
}

/// No markup from the document survives as markup.
fn assert_inert_html(html: &str, what: &str) {
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("<script"),
        "{what}: a <script> tag survived"
    );
    assert!(!lower.contains("<img"), "{what}: an <img> tag survived");
    assert!(
        !lower.contains("onerror=\""),
        "{what}: an event handler survived"
    );
    assert_eq!(
        lower.matches("</style>").count(),
        lower.matches("<style").count(),
        "{what}: a stray </style>"
    );
    assert!(
        !html.contains('\u{202E}') && !html.contains('\u{2066}'),
        "{what}: a bidi control is raw"
    );
    assert!(
        !html.contains('\u{0007}') && !html.contains('\u{0000}'),
        "{what}: a control character is raw"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "{what}: the payload should be shown as text"
    );
}

/// Load the page in headless Chromium and check no script ran.
fn assert_no_script_runs(page: &Path, what: &str) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("skipped: {what}: no chromium on PATH (.ci/run installs Debian's chromium)");
        return;
    };
    let profile = tempdir();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("</html>"),
        "{what}: chromium printed no DOM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    assert!(
        !title.contains("PWNED"),
        "{what}: a script ran and set the title to {title:?}"
    );
    let lower = dom.to_lowercase();
    assert!(
        !lower.contains("<script") && !lower.contains("<img"),
        "{what}: the live DOM holds an injected element"
    );
}

#[test]
fn hostile_text_is_inert_in_reports_and_audits_and_exact_in_data() {
    let tmp = tempdir();
    let dir = tmp.path().join("corpus");
    corpus(&dir);
    let text = hostile_text();

    // CSV tables read back exactly, and every hit slices the text.
    framewatch(
        tmp.path(),
        &["run", "corpus", "--out", "out", "--format", "csv"],
    )
    .ok();
    let mut docs = csv::Reader::from_path(tmp.path().join("out/documents.csv")).unwrap();
    let headers = docs.headers().unwrap().clone();
    let row = docs.records().next().unwrap().unwrap();
    let get = |name: &str| {
        row.get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_string()
    };
    assert_eq!(get("title"), format!("{PAYLOAD}, \"quoted\",\nsecond line"));
    assert_eq!(get("source"), "</style><script>alert(1)</script>");
    let mut hits = csv::Reader::from_path(tmp.path().join("out/hits.csv")).unwrap();
    let hh = hits.headers().unwrap().clone();
    let col = |n: &str| hh.iter().position(|h| h == n).unwrap();
    let mut n = 0;
    for r in hits.records() {
        let r = r.unwrap();
        let (s, e): (usize, usize) = (
            r[col("byte_start")].parse().unwrap(),
            r[col("byte_end")].parse().unwrap(),
        );
        assert_eq!(&text[s..e], &r[col("surface")]);
        n += 1;
    }
    assert!(n >= 5, "expected hits around the hostile text, got {n}");

    // The report: inert markup, and Chromium runs no script.
    framewatch(tmp.path(), &["report", "out", "-o", "report.html"]).ok();
    let report = tmp.path().join("report.html");
    assert_inert_html(&read(&report), "report");
    assert_no_script_runs(&report, "report");

    // The HTML audit.
    framewatch(
        tmp.path(),
        &["audit", "corpus/hostile.txt", "--html", "audit.html"],
    )
    .ok();
    let audit = tmp.path().join("audit.html");
    assert_inert_html(&read(&audit), "audit");
    assert_no_script_runs(&audit, "audit");

    // JSON keeps the text exactly (control characters escaped by JSON).
    let j = framewatch(
        tmp.path(),
        &["audit", "corpus/hostile.txt", "--format", "json"],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("valid JSON");
    let sentences: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["sentence"].as_str().unwrap())
        .collect();
    assert!(
        sentences.iter().any(|s| s.contains(PAYLOAD)),
        "{sentences:?}"
    );
    assert!(
        sentences.iter().any(|s| s.contains('\u{202E}')),
        "JSON keeps the bidi control as data"
    );

    // SARIF is valid JSON, and valid against the schema when it is at hand.
    let s = framewatch(
        tmp.path(),
        &["audit", "corpus/hostile.txt", "--format", "sarif"],
    )
    .ok();
    let sarif: serde_json::Value = serde_json::from_str(&s.stdout).expect("valid SARIF JSON");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    check_sarif(&s.stdout);

    // GitHub annotations: one line each; the document cannot start its own.
    let g = framewatch(
        tmp.path(),
        &["audit", "corpus/hostile.txt", "--format", "github"],
    )
    .ok();
    assert!(!g.stdout.is_empty());
    for line in g.stdout.lines() {
        assert!(
            line.starts_with("::warning file=")
                || line.starts_with("::notice file=")
                || line.starts_with(
                    "::error file=corpus/hostile.txt,title=threshold crossed (framewatch)"
                ),
            "an injected or broken annotation line: {line:?}"
        );
        assert!(!line.contains('\r'));
    }
}
