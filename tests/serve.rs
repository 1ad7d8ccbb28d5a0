//! `framewatch serve`: the server started on a free loopback port, driven
//! over plain TCP, its answers compared with `audit --format json`.

use crate::util::{fixtures, framewatch};
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_framewatch"))
            .args(["serve", "--port", "0"])
            .args(extra)
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

/// The page in a real browser (Debian's `chromium`, driven by
/// tests/browser/serve_page.mjs with `node`): pasted text comes back
/// highlighted, a highlight explains itself, the category filter hides
/// and shows highlights, and every request the page
/// makes goes to the server. Skipped, saying so, without both programs.
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
    let srv = Server::start(&[]);
    let tmp = crate::util::tempdir();
    let shot = tmp.path().join("page.png");
    let profile = tmp.path().join("profile");
    let url = format!("http://{}/", srv.addr);
    let out = Command::new("node")
        .arg("--experimental-websocket")
        .arg(crate::util::root().join("tests/browser/serve_page.mjs"))
        .args([
            url.as_str(),
            shot.to_str().unwrap(),
            profile.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    let marks = v["marks"].as_u64().unwrap();
    assert!(marks >= 3, "{v}");
    // The text has behavioural hits: unticking the category hides them.
    assert!(v["withoutBehavioural"].as_u64().unwrap() < marks, "{v}");
    assert_eq!(v["afterReset"].as_u64(), Some(marks), "{v}");
    assert!(
        v["status"].as_str().unwrap().starts_with("Read pasted.txt"),
        "{v}"
    );
    assert!(v["detail"].as_str().unwrap().contains("Stance"), "{v}");
    let requests = v["requests"].as_array().unwrap();
    assert!(
        requests
            .iter()
            .any(|r| r.as_str().unwrap().contains("/api/audit")),
        "{v}"
    );
    for r in requests {
        assert!(
            r.as_str().unwrap().starts_with(&url),
            "request to another host: {r}"
        );
    }
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    if let Ok(dir) = std::env::var("FRAMEWATCH_SCREENSHOT_DIR") {
        std::fs::copy(&shot, Path::new(&dir).join("serve-page.png")).unwrap();
    }
}
