//! `framewatch serve`: a local web page that audits a dropped document in
//! memory, and the API it calls (`POST /api/audit`, `GET /api/health`).
//!
//! The server is the standard library's: a listener, a fixed pool of
//! worker threads, a bounded queue, HTTP/1.1 with `Connection: close`,
//! bodies by `Content-Length` only. That is all one page and two routes
//! need, socket timeouts bound every request in time (which the small
//! blocking server crates do not expose), and it adds no crate to the
//! build. Audits are CPU work in the pipeline's own threads, so an async
//! runtime would buy nothing here.

use super::EXIT_OK;
use super::audit_cmd::audit_doc;
use super::ingest_args::IngestArgs;
use super::serve_ref;
use crate::error::{Error, Result};
use crate::ingest::{bytes_doc, human, parse_size};
use crate::pipeline::{Outcome, Reading};
use crate::study::classify::Model;
use crate::tagger::Tagger;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (0: any free port; the URL printed says which).
    #[arg(long, default_value = "8765")]
    pub port: u16,
    /// Address to listen on. Anything but loopback (127.0.0.1, ::1) lets
    /// other machines send documents to this one; a warning says so.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Largest upload accepted; larger ones get 413.
    #[arg(long, value_name = "SIZE", default_value = "50M", value_parser = parse_size)]
    pub max_upload: u64,
    /// Seconds a client has to send its request (and to take the answer).
    #[arg(long, value_name = "SECS", default_value = "60")]
    pub timeout: u64,
    /// Requests handled at once; more wait in a short queue, and past it
    /// get 503.
    #[arg(long, value_name = "N", default_value = "4")]
    pub workers: usize,
    /// Lexicon TOML file. Default: the built-in lexicon.
    #[arg(long, short = 'l', value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// A model from `framewatch train` (as for `audit`). Default: the
    /// built-in model when it fits the lexicon; `none` for no model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Compare these two categories in share and balance (as for `audit`).
    #[arg(long, value_name = "A,B")]
    pub poles: Option<String>,
    #[command(flatten)]
    pub ingest: IngestArgs,
    /// For maintainers: print the bundled reference table (CSV) made from
    /// two run folders, `framewatch run` over ../shared/corpora/uk_manifestos
    /// and us_sotu (see README, "For campaigners"), and exit.
    #[arg(long, num_args = 2, value_names = ["UK_RUN", "US_RUN"], hide = true)]
    pub make_reference_table: Option<Vec<PathBuf>>,
}

const PAGE: &str = include_str!("serve_page/index.html");
const SCRIPT: &str = include_str!("serve_page/app.js");
const STYLE: &str = include_str!("serve_page/app.css");

/// Nothing but this server: the page's script, style and requests.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                   connect-src 'self'; img-src 'self'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// Longest request line plus headers.
const MAX_HEAD: usize = 16 * 1024;

/// What every request shares: the lexicon, the model and the limits.
struct Ctx {
    tagger: Tagger,
    model: Option<(Model, PathBuf)>,
    reading: Reading,
    max_upload: u64,
    timeout: Duration,
    /// `Some(port)` on loopback: requests must name this machine in
    /// `Host` (a guard against DNS rebinding).
    loopback_port: Option<u16>,
    /// The bundled reference corpora, or why they do not apply.
    references: std::result::Result<Vec<serve_ref::Bundled>, String>,
}

pub fn run(args: Args) -> Result<u8> {
    if let Some(runs) = &args.make_reference_table {
        print!(
            "{}",
            serve_ref::table_of_runs(&[("uk_manifestos", &runs[0]), ("us_sotu", &runs[1])])?
        );
        return Ok(EXIT_OK);
    }
    let mut tagger = super::load_tagger(args.lexicon.as_deref(), false, false)?;
    super::apply_poles(&mut tagger, args.poles.as_deref())?;
    let reading = args.ingest.settle()?;
    let model = match &args.model {
        Some(p) if p.as_os_str() == "none" => None,
        p => super::load_model(p.as_deref(), &tagger.lexicon)?,
    };
    if args.workers == 0 || args.timeout == 0 {
        return Err(Error::usage(
            "--workers and --timeout must be at least 1",
            None,
        ));
    }
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = TcpListener::bind(addr).map_err(|e| {
        Error::usage(
            format!("cannot listen on {addr}: {e}"),
            Some("choose another --port (0 picks a free one)".into()),
        )
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Other(format!("cannot read the listening address: {e}")))?;
    let loopback = args.bind.is_loopback();
    if !loopback {
        eprintln!(
            "framewatch: warning: listening on {local}, not loopback: other machines that reach \
             this one can send documents to it and read the audits"
        );
    }
    let url = match local {
        SocketAddr::V6(a) => format!("http://[{}]:{}/", a.ip(), a.port()),
        SocketAddr::V4(a) => format!("http://{}:{}/", a.ip(), a.port()),
    };
    println!("framewatch serve: {url}");
    eprintln!(
        "framewatch: uploads up to {}, read in memory only; Ctrl-C stops the server",
        human(args.max_upload)
    );
    let _ = std::io::stdout().flush();
    if args.open {
        open_browser(&url);
    }
    let references = serve_ref::bundled_for(&tagger.lexicon);
    let ctx = Ctx {
        references,
        tagger,
        model,
        reading,
        max_upload: args.max_upload,
        timeout: Duration::from_secs(args.timeout),
        loopback_port: loopback.then_some(local.port()),
    };
    let (tx, rx): (SyncSender<TcpStream>, Receiver<TcpStream>) = sync_channel(args.workers * 4);
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        for _ in 0..args.workers {
            s.spawn(|| {
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    match next {
                        Ok(Ok(stream)) => serve_one(&ctx, stream),
                        _ => return,
                    }
                }
            });
        }
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            match tx.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(mut stream)) => {
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
                    let body = error_json("busy", "the server is busy; try again in a moment");
                    let _ = respond(&mut stream, 503, "application/json", body.as_bytes());
                }
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
    });
    Ok(EXIT_OK)
}

/// Open `url` with `$BROWSER` when set (a `:`-separated list of
/// commands, tried in turn; `%s` in one stands for the URL, else the URL
/// is its last argument), then the desktop's opener.
fn open_browser(url: &str) {
    let fallback = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let browser = std::env::var("BROWSER").unwrap_or_default();
    let mut tried = Vec::new();
    for cmd in browser
        .split(':')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .chain(std::iter::once(fallback))
    {
        let mut words: Vec<String> = cmd.split_whitespace().map(String::from).collect();
        if words.iter().any(|w| w.contains("%s")) {
            for w in &mut words {
                *w = w.replace("%s", url);
            }
        } else {
            words.push(url.to_string());
        }
        let started = std::process::Command::new(&words[0])
            .args(&words[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match started {
            Ok(mut child) => {
                // Reap it when it exits, so no zombie is left behind.
                std::thread::spawn(move || child.wait());
                return;
            }
            Err(e) => tried.push(format!("{} ({e})", words[0])),
        }
    }
    eprintln!(
        "framewatch: warning: cannot start a browser: {}; open {url} yourself",
        tried.join(", ")
    );
}

/// A request's head, as far as this server reads it.
#[derive(Debug, PartialEq)]
struct Head {
    method: String,
    path: String,
    query: String,
    content_length: Option<u64>,
    chunked: bool,
    expect_continue: bool,
    host: Option<String>,
    origin: Option<String>,
}

/// An answer that is not the route's own: status and message.
type Refusal = (u16, String);

fn serve_one(ctx: &Ctx, mut stream: TcpStream) {
    let per_io = ctx.timeout.min(Duration::from_secs(15));
    let _ = stream.set_read_timeout(Some(per_io));
    let _ = stream.set_write_timeout(Some(per_io));
    let deadline = Instant::now() + ctx.timeout;
    let (status, ctype, body) = match handle(ctx, &mut stream, deadline) {
        Ok(r) => r,
        Err((status, msg)) => {
            let reason = match status {
                400 => "bad-request",
                403 => "forbidden",
                404 => "not-found",
                405 => "method-not-allowed",
                408 => "timeout",
                411 => "length-required",
                413 => "too-large",
                431 => "header-too-large",
                _ => "internal",
            };
            (
                status,
                "application/json",
                error_json(reason, &msg).into_bytes(),
            )
        }
    };
    let _ = respond(&mut stream, status, ctype, &body);
    // Let a client still sending a refused body read the answer before
    // the connection closes.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < 4 << 20 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

type Reply = (u16, &'static str, Vec<u8>);

fn handle(
    ctx: &Ctx,
    stream: &mut TcpStream,
    deadline: Instant,
) -> std::result::Result<Reply, Refusal> {
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| (500, e.to_string()))?);
    let head = read_head(&mut reader, deadline)?;
    check_host(ctx, &head)?;
    match (head.method.as_str(), head.path.as_str()) {
        ("GET", "/") => Ok((200, "text/html; charset=utf-8", PAGE.into())),
        ("GET", "/app.js") => Ok((200, "text/javascript; charset=utf-8", SCRIPT.into())),
        ("GET", "/app.css") => Ok((200, "text/css; charset=utf-8", STYLE.into())),
        ("GET", "/api/health") => {
            let v = json!({
                "status": "ok",
                "framewatch_version": env!("CARGO_PKG_VERSION"),
                "lexicon": {"name": ctx.tagger.lexicon.name, "version": ctx.tagger.lexicon.version},
                "model": ctx.model.as_ref().map(|(_, p)| p.display().to_string()),
                "max_upload": ctx.max_upload,
            });
            Ok((200, "application/json", json_bytes(&v)))
        }
        ("POST", "/api/audit") => {
            if head.chunked {
                return Err((411, "send the document with a Content-Length".into()));
            }
            let len = head
                .content_length
                .ok_or((411, "send the document with a Content-Length".to_string()))?;
            if len > ctx.max_upload {
                return Err((
                    413,
                    format!(
                        "the upload is {}, over --max-upload {}",
                        human(len),
                        human(ctx.max_upload)
                    ),
                ));
            }
            if head.expect_continue {
                stream
                    .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                    .map_err(|e| (500, e.to_string()))?;
            }
            let body = read_body(&mut reader, len, deadline)?;
            audit_upload(ctx, &head.query, body)
        }
        (_, "/" | "/app.js" | "/app.css" | "/api/health" | "/api/audit") => {
            Err((405, format!("{} is not allowed here", head.method)))
        }
        _ => Err((404, format!("no page at {}", head.path))),
    }
}

/// Requests to a loopback server must come to it by a loopback name, and
/// from its own page when a browser says where they come from.
fn check_host(ctx: &Ctx, head: &Head) -> std::result::Result<(), Refusal> {
    let Some(port) = ctx.loopback_port else {
        return Ok(());
    };
    let ours = |h: &str| {
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .any(|name| h.eq_ignore_ascii_case(&format!("{name}:{port}")))
    };
    match &head.host {
        Some(h) if ours(h) => {}
        _ => {
            return Err((
                403,
                "requests must name this machine (Host: 127.0.0.1)".into(),
            ));
        }
    }
    if let Some(o) = &head.origin {
        let from = o
            .strip_prefix("http://")
            .filter(|rest| ours(rest))
            .is_some();
        if !from {
            return Err((403, format!("requests from {o} are not served")));
        }
    }
    Ok(())
}

fn audit_upload(ctx: &Ctx, query: &str, body: Vec<u8>) -> std::result::Result<Reply, Refusal> {
    let name = query_param(query, "name").unwrap_or_else(|| "upload.txt".into());
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        return Err((400, "?name= must name a file, e.g. draft.pdf".into()));
    }
    let format = query_param(query, "format").unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "html" | "page") {
        return Err((400, format!("format={format}: use json, html or page")));
    }
    let meta = bytes_doc(&name, Arc::from(body)).ok_or((
        400,
        format!("{name}: a table or feed holds many documents; use `framewatch run` on it"),
    ))?;
    let outcome = crate::ingest::guard(|| {
        audit_doc(&ctx.tagger, ctx.model.as_ref(), &ctx.reading, meta, &name)
    })
    .map_err(|why| (500, format!("{name}: internal error ({why})")))?
    .map_err(|e| (500, format!("{name}: {e}")))?;
    match outcome {
        Outcome::Skipped(s) => {
            let v = json!({"error": {
                "reason": s.reason.as_str(),
                "detail": s.detail,
                "message": format!("{name} was not read: {}: {}", s.reason, s.detail),
            }});
            Ok((422, "application/json", json_bytes(&v)))
        }
        Outcome::Tagged(d, (a, text, sentences)) => Ok(match format.as_str() {
            "html" => (
                200,
                "text/html; charset=utf-8",
                a.to_html(&text).into_bytes(),
            ),
            "page" => {
                let v = json!({
                    "audit": a.to_json(),
                    "text": text,
                    "warnings": d.warnings,
                    "page_starts": d.page_starts,
                    "sentences": sentences,
                    "key": a.key.iter().map(|(c, about, subs)| json!({
                        "category": c,
                        "description": about,
                        "subframes": subs.iter().map(|(s, about)| json!({"subframe": s, "description": about})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "references": match &ctx.references {
                        Ok(list) => json!(list.iter().map(|r| r.place(&a)).collect::<Vec<_>>()),
                        Err(_) => json!([]),
                    },
                    "references_note": match &ctx.references {
                        Ok(_) => serve_ref::TIED_NOTE.to_string(),
                        Err(why) => why.clone(),
                    },
                });
                (200, "application/json", json_bytes(&v))
            }
            _ => (200, "application/json", json_bytes(&a.to_json())),
        }),
    }
}

/// Pretty JSON with a final newline: byte for byte what `audit --format
/// json` prints.
fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s.into_bytes()
}

fn error_json(reason: &str, message: &str) -> String {
    String::from_utf8(json_bytes(
        &json!({"error": {"reason": reason, "message": message}}),
    ))
    .expect("JSON is UTF-8")
}

fn read_head(reader: &mut impl BufRead, deadline: Instant) -> std::result::Result<Head, Refusal> {
    let mut raw = Vec::new();
    loop {
        if Instant::now() > deadline {
            return Err((408, "the request took too long to arrive".into()));
        }
        let before = raw.len();
        let n = reader
            .by_ref()
            .take((MAX_HEAD + 1 - raw.len()) as u64)
            .read_until(b'\n', &mut raw)
            .map_err(|e| (408, format!("the request did not arrive ({e})")))?;
        if n == 0 {
            return Err((400, "the connection closed mid-request".into()));
        }
        if raw.len() > MAX_HEAD {
            return Err((431, format!("request head over {MAX_HEAD} bytes")));
        }
        let line = &raw[before..];
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            break;
        }
    }
    parse_head(&raw)
}

fn parse_head(raw: &[u8]) -> std::result::Result<Head, Refusal> {
    let text = std::str::from_utf8(raw).map_err(|_| (400, "request head is not UTF-8".into()))?;
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let request = lines.next().unwrap_or_default();
    let mut parts = request.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err((400, "malformed request line".into()));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() {
        return Err((400, "malformed request line".into()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut head = Head {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        content_length: None,
        chunked: false,
        expect_continue: false,
        host: None,
        origin: None,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err((400, format!("malformed header line \"{line}\"")));
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| (400, format!("Content-Length \"{value}\" is not a number")))?;
                if head.content_length.is_some_and(|m| m != n) {
                    return Err((400, "two different Content-Length headers".into()));
                }
                head.content_length = Some(n);
            }
            "transfer-encoding" => head.chunked = true,
            "expect" => head.expect_continue = value.eq_ignore_ascii_case("100-continue"),
            "host" => head.host = Some(value.to_string()),
            "origin" if value != "null" => head.origin = Some(value.to_string()),
            _ => {}
        }
    }
    Ok(head)
}

fn read_body(
    reader: &mut impl Read,
    len: u64,
    deadline: Instant,
) -> std::result::Result<Vec<u8>, Refusal> {
    let mut body = Vec::with_capacity(len.min(1 << 20) as usize);
    let mut chunk = vec![0u8; 64 * 1024];
    while (body.len() as u64) < len {
        if Instant::now() > deadline {
            return Err((408, "the upload took too long to arrive".into()));
        }
        let want = chunk.len().min((len - body.len() as u64) as usize);
        match reader.read(&mut chunk[..want]) {
            Ok(0) => return Err((400, "the connection closed mid-upload".into())),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) => return Err((408, format!("the upload did not arrive ({e})"))),
        }
    }
    Ok(body)
}

/// A query parameter, percent-decoded (`+` is a space).
fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(stream: &mut TcpStream, status: u16, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_heads_are_read_strictly() {
        let h = parse_head(
            b"POST /api/audit?name=a%20b.md HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Length: 12\r\n\r\n",
        )
        .unwrap();
        assert_eq!(h.method, "POST");
        assert_eq!(h.path, "/api/audit");
        assert_eq!(h.content_length, Some(12));
        assert_eq!(query_param(&h.query, "name").as_deref(), Some("a b.md"));
        assert_eq!(parse_head(b"GET /\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                .unwrap_err()
                .0,
            400
        );
        assert!(
            parse_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap()
                .chunked
        );
    }

    #[test]
    fn heads_are_bounded_in_size() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        big.extend(b"\r\n\r\n");
        let far = Instant::now() + Duration::from_secs(5);
        assert_eq!(read_head(&mut &big[..], far).unwrap_err().0, 431);
        assert_eq!(
            read_head(&mut &b"GET / HTTP/1.1\r\n"[..], far)
                .unwrap_err()
                .0,
            400
        );
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
        assert_eq!(percent_decode("%C3%A9t%C3%A9+x"), "été x");
    }
}
