//! `framewatch serve`: the server started on a free loopback port, driven
//! over plain TCP, its answers compared with `audit --format json`.

use crate::need_shared;
use crate::util::{self, fixtures, framewatch};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    /// "127.0.0.1:PORT"
    addr: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::start_env(extra, &[])
    }

    fn start_env(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_framewatch"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start framewatch serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("framewatch serve: http://")
            .and_then(|s| s.strip_suffix('/'))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// Send raw bytes; the status code and the body.
    fn raw(&self, request: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        // The server may answer and close before taking all of a refused
        // body; the answer is what counts.
        let _ = s.write_all(request);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let end = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer: {:?}", String::from_utf8_lossy(&out)));
        let head = String::from_utf8_lossy(&out[..end]).to_string();
        let status = head[9..12].parse().unwrap();
        (status, out[end + 4..].to_vec())
    }

    fn post(&self, query: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut req = format!(
            "POST /api/audit?{query} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.raw(&req)
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        self.raw(format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr).as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli_json(dir: &Path, name: &str) -> String {
    let r = framewatch(dir, &["audit", name, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn serve_audits_uploads_as_audit_does() {
    let srv = Server::start(&[]);
    for (dir, name) in [
        ("audit", "draft.md"),
        ("mixed", "consultation-response.docx"),
        ("mixed", "policy-paper.pdf"),
    ] {
        let dir = fixtures().join(dir);
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let (status, body) = srv.post(&format!("name={name}"), &bytes);
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            String::from_utf8(body).unwrap(),
            cli_json(&dir, name),
            "{name}"
        );
    }
    let (status, body) = srv.get("/api/health");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], "ok");
}

#[test]
fn serve_refuses_oversized_and_keeps_serving_after_a_corrupt_pdf() {
    let srv = Server::start(&["--max-upload", "1K"]);
    // Only the head is sent: the size alone refuses it.
    let (status, body) = srv.raw(
        format!(
            "POST /api/audit?name=big.txt HTTP/1.1\r\nHost: {}\r\nContent-Length: 5000\r\n\r\n",
            srv.addr
        )
        .as_bytes(),
    );
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    let (status, _) = srv.post("name=big.txt", &vec![b'a'; 2000]);
    assert_eq!(status, 413);

    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend((0..600u32).map(|i| (i * 7919 % 251) as u8));
    let (status, body) = srv.post("name=broken.pdf", &pdf);
    assert_eq!(status, 422);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["reason"], "corrupt-pdf", "{v}");

    let (status, body) = srv.post(
        "name=note.txt",
        b"Welfare dependency is a lifestyle choice.",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["document"]["path"], "note.txt");
}

#[test]
fn serve_listens_on_loopback_only_by_default() {
    let srv = Server::start(&[]);
    assert!(srv.addr.starts_with("127.0.0.1:"), "{}", srv.addr);
    // Another name for this machine in Host (DNS rebinding) is refused,
    // and so is a post from another site's page.
    let (status, _) = srv.raw(b"GET /api/health HTTP/1.1\r\nHost: attacker.example\r\n\r\n");
    assert_eq!(status, 403);
    let (status, _) = srv.raw(
        format!(
            "GET /api/health HTTP/1.1\r\nHost: {}\r\nOrigin: http://attacker.example\r\n\r\n",
            srv.addr
        )
        .as_bytes(),
    );
    assert_eq!(status, 403);
}

#[test]
fn serve_page_is_self_contained() {
    let srv = Server::start(&["--model", "none"]);
    let mut s = TcpStream::connect(&srv.addr).unwrap();
    write!(s, "GET / HTTP/1.1\r\nHost: {}\r\n\r\n", srv.addr).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"));
    assert!(out.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"));
    // Nothing on the page names another host.
    assert!(
        !out.contains("http://") && !out.contains("https://"),
        "{out}"
    );
    for asset in ["/app.js", "/app.css"] {
        let (status, body) = srv.get(asset);
        assert_eq!(status, 200);
        let text = String::from_utf8(body).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{asset}"
        );
    }
    let (status, _) = srv.get("/etc/passwd");
    assert_eq!(status, 404);
    // An HTML upload's markup comes back as JSON text, never as a page.
    let (status, body) = srv.post(
        "name=x.html&format=page",
        b"<html><body><p>Hard-working families.</p><script>alert(1)</script></body></html>",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(!v["text"].as_str().unwrap().contains("alert"), "{v}");
}

/// `--open` runs `$BROWSER` with the page's address: the first command
/// of the `:`-separated list that starts, `%s` standing for the address.
#[test]
fn serve_open_runs_browser_with_the_url() {
    let tmp = util::tempdir();
    let record = tmp.path().join("opened.txt");
    let script = tmp.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s|%s' \"$1\" \"$2\" > '{}.part' && mv '{0}.part' '{0}'\n",
            record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let browser = format!(
        "framewatch-no-such-browser:{} --new-window %s",
        script.display()
    );
    let srv = Server::start_env(&["--open"], &[("BROWSER", browser.as_str())]);
    let mut opened = None;
    for _ in 0..100 {
        if let Ok(s) = std::fs::read_to_string(&record) {
            opened = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        opened.as_deref(),
        Some(format!("--new-window|http://{}/", srv.addr).as_str())
    );
}

/// The bundled reference table is what `serve --make-reference-table`
/// makes from `framewatch run` over ../shared's UK manifestos and US State
/// of the Union addresses with the built-in lexicon.
#[test]
fn serve_reference_table_is_remade_from_shared() {
    let shared = need_shared!();
    let tmp = util::tempdir();
    let mut runs = Vec::new();
    for corpus in ["uk_manifestos", "us_sotu"] {
        let out = tmp.path().join(corpus);
        let input = shared.join("corpora").join(corpus);
        let r = framewatch(
            tmp.path(),
            &[
                "run",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--measure",
                "lexicon",
                "--bootstrap",
                "0",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        runs.push(out.to_str().unwrap().to_string());
    }
    let r = framewatch(
        tmp.path(),
        &["serve", "--make-reference-table", &runs[0], &runs[1]],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundled = util::read(&util::root().join("src/cli/serve_page/reference-shares.csv"));
    assert!(
        r.stdout == bundled,
        "src/cli/serve_page/reference-shares.csv is stale: remake it as the README says (For campaigners)"
    );
    // The page places a document only with the built-in lexicon.
    let srv = Server::start(&[
        "--lexicon",
        fixtures().join("lexicons/mini.toml").to_str().unwrap(),
    ]);
    let (status, body) = srv.post("name=a.txt&format=page", b"Welfare dependency and low pay.");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["references"], serde_json::json!([]));
    assert!(
        v["references_note"]
            .as_str()
            .unwrap()
            .contains("computed with the built-in lexicon"),
        "{v}"
    );
}

/// The page in a real browser (Debian's `chromium`, driven by
/// tests/browser/serve_page.mjs with `node`), as a campaigner uses it:
/// the PDF chosen and the DOCX dropped come back highlighted, with page
/// markers and reference percentiles for the PDF; a highlight explains
/// itself with its sub-frame's meaning; the filter hides and shows; hits
/// marked right and wrong and a sentence coded download as a coding
/// sheet that `validate --gold` and `train --gold` accept; the HTML audit
/// downloaded is `audit --html`'s; the hits CSV has a row per hit; text
/// contrast is at least 4.5:1 and every control shows its focus; nothing
/// overflows at 375 pixels; a hostile HTML document stays text; and
/// every request goes to the server. Skipped, saying so, without both
/// programs.
#[test]
fn serve_page_in_headless_chromium() {
    let has = |p: &str| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has("chromium") || !has("node") {
        eprintln!("skipped: needs chromium and node on PATH");
        return;
    }
    // The driver speaks to Chromium over a WebSocket: Node 20.10 or later
    // (behind --experimental-websocket before Node 22).
    let websocket = Command::new("node")
        .args([
            "--experimental-websocket",
            "-e",
            "process.exit(typeof WebSocket === 'function' ? 0 : 1)",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !websocket {
        eprintln!("skipped: this node has no WebSocket (needs Node 20.10 or later)");
        return;
    }
    let srv = Server::start(&[]);
    let tmp = util::tempdir();
    let out = tmp.path().join("out");
    let profile = tmp.path().join("profile");
    let url = format!("http://{}/", srv.addr);
    let run = Command::new("node")
        .arg("--experimental-websocket")
        .arg(util::root().join("tests/browser/serve_page.mjs"))
        .args([
            url.as_str(),
            out.to_str().unwrap(),
            profile.to_str().unwrap(),
            fixtures().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&run.stderr)));
    assert!(v["error"].is_null(), "{v}");
    let text = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k}: {v}"));
    let num = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}"));

    // The PDF: highlights, a marker where each page starts, placed among
    // the reference corpora.
    assert!(
        text("pdfStatus").starts_with("Read policy-paper.pdf, 2 pages"),
        "{v}"
    );
    let marks = num("pdfMarks");
    assert!(marks >= 10, "{v}");
    assert_eq!(v["pageMarkers"], serde_json::json!(["p. 1", "p. 2"]));
    let refs = text("references");
    assert!(
        refs.contains("than") && refs.contains("% of UK party manifestos 1945–2005"),
        "{refs}"
    );
    assert!(refs.contains("US State of the Union addresses"), "{refs}");
    // The explanation: the sub-frame's meaning in the lexicon's words,
    // and the page.
    let detail = text("detail");
    assert!(
        detail.contains("Poverty as dependency on benefits and a culture of worklessness")
            && detail.contains("p. 2")
            && detail.contains("Stance"),
        "{detail}"
    );
    assert!(text("markTitle").contains("Poverty as dependency"), "{v}");
    // The filter hides behavioural highlights, also from the tab order.
    assert!(num("withoutBehavioural") < marks, "{v}");
    assert_eq!(num("behaviouralTabbable"), 0, "{v}");
    assert_eq!(num("afterReset"), marks, "{v}");
    assert_eq!((num("wrongMarked"), num("rightMarked")), (1, 1), "{v}");
    assert!(text("coderHeading").contains("p. 1"), "{v}");

    // The coding sheet: validate and train read it with the PDF as input.
    let downloads = out.join("downloads");
    let doc_dir = tmp.path().join("doc");
    std::fs::create_dir(&doc_dir).unwrap();
    std::fs::copy(
        fixtures().join("mixed/policy-paper.pdf"),
        doc_dir.join("policy-paper.pdf"),
    )
    .unwrap();
    let sheet = downloads.join("policy-paper.coding.csv");
    let rows = util::csv_rows(&sheet);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().any(|r| r["behavioural"] == "none"), "{rows:?}");
    let r = framewatch(
        &doc_dir,
        &[
            "validate",
            "--gold",
            sheet.to_str().unwrap(),
            "policy-paper.pdf",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("3 units, coded by test-reader"),
        "{}",
        r.stdout
    );
    // The hit marked wrong is the tool's false positive.
    assert!(
        r.stdout.contains("behavioural false positives (1)"),
        "{}",
        r.stdout
    );
    let model = tmp.path().join("model.json");
    let r = framewatch(
        &doc_dir,
        &[
            "train",
            "--gold",
            sheet.to_str().unwrap(),
            "policy-paper.pdf",
            "-o",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // The HTML audit downloaded is `audit --html`'s; the CSV has a row
    // per hit.
    let cli_html = tmp.path().join("cli.html");
    let r = framewatch(
        &fixtures().join("mixed"),
        &[
            "audit",
            "policy-paper.pdf",
            "--html",
            cli_html.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        util::read(&downloads.join("policy-paper.audit.html")),
        util::read(&cli_html)
    );
    let hits = util::csv_rows(&downloads.join("policy-paper.hits.csv"));
    assert_eq!(hits.len() as u64, marks, "{hits:?}");
    assert!(hits.iter().all(|h| h["document"] == "policy-paper.pdf"));
    assert_eq!(
        v["print"],
        serde_json::json!({"input": false, "actions": false, "disagree": false, "detail": false,
            "text": true, "summary": true, "references": true}),
        "{v}"
    );

    // Readable and usable: contrast, focus, no sideways scrolling at 375.
    for k in ["contrast", "contrastNarrow"] {
        let c = &v[k];
        assert!(c["checked"].as_u64().unwrap() > 50, "{c}");
        assert_eq!(c["low"], serde_json::json!([]), "{k}: {c}");
        assert_eq!(c["unparsed"], serde_json::json!([]), "{k}: {c}");
    }
    assert!(v["focus"]["controls"].as_u64().unwrap() > 20, "{v}");
    assert_eq!(v["focus"]["missing"], serde_json::json!([]), "{v}");
    assert!(
        v["narrow"]["scrollWidth"].as_u64().unwrap() <= 375,
        "{}",
        v["narrow"]
    );

    // The DOCX dropped (after saying yes to dropping the marks).
    assert!(
        text("docxStatus").starts_with("Read consultation-response.docx"),
        "{v}"
    );
    assert!(num("docxMarks") >= 5, "{v}");
    assert_eq!(num("docxPageMarkers"), 0, "{v}");
    assert_eq!(text("marksAfterDocx"), "No marks yet.");
    assert_eq!(num("dialogs"), 1, "{v}");

    // A hostile HTML document: its markup shows as text, nothing runs.
    let h = &v["hostile"];
    assert!(
        text("hostileStatus").starts_with("Read hostile.html"),
        "{v}"
    );
    assert_eq!(h["titleKept"], true, "{h}");
    assert_eq!(h["images"], 0, "{h}");
    assert_eq!(h["handlers"], 0, "{h}");
    assert_eq!(h["scripts"], serde_json::json!(["/app.js"]), "{h}");
    assert!(
        h["text"].as_str().unwrap().contains("<img src=x onerror="),
        "{h}"
    );
    assert!(h["marks"].as_u64().unwrap() >= 2, "{h}");

    assert!(text("pasteStatus").starts_with("Read pasted.txt"), "{v}");
    assert!(num("pasteMarks") >= 3, "{v}");
    assert_eq!(num("pastePageMarkers"), 0, "{v}");

    let requests = v["requests"].as_array().unwrap();
    assert!(
        requests.iter().any(|r| r
            .as_str()
            .unwrap()
            .contains("/api/audit?name=policy-paper.pdf")),
        "{v}"
    );
    for r in requests {
        assert!(
            r.as_str().unwrap().starts_with(&url),
            "request to another host: {r}"
        );
    }
    for (shot, name) in [
        ("page-1200.png", "serve-page.png"),
        ("page-375.png", "serve-page-375.png"),
    ] {
        let shot = out.join(shot);
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
        if let Ok(dir) = std::env::var("FRAMEWATCH_SCREENSHOT_DIR") {
            std::fs::copy(&shot, Path::new(&dir).join(name)).unwrap();
        }
    }
}
