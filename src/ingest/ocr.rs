//! Optical character recognition of PDF pages: which pages need it (no
//! text layer, or a text layer that is garbage by a language-aware test),
//! and reading them with poppler's `pdftoppm` (render) and Tesseract
//! (recognise), each page bounded in time and in image size. The tools
//! are external programs; without them a page is left out with a reason
//! naming the install command, and the batch goes on.
//!
//! Nothing here knows documents or corpora: bytes and page numbers in,
//! text and confidences out.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The Debian packages OCR needs, for messages.
pub const INSTALL: &str = "apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils";

/// When PDF pages are recognised (`--ocr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Pages with no text layer or a garbage one.
    #[default]
    Auto,
    /// No page: the text layer as it is.
    Never,
    /// Every page, whatever its text layer.
    Force,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Never => "never",
            Mode::Force => "force",
        }
    }
}

/// How pages are recognised.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    pub mode: Mode,
    /// Most seconds for one page, rendering and recognition together.
    pub timeout_secs: u64,
    /// Tesseract language(s), e.g. `eng` or `eng+deu`.
    pub lang: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Mode::Auto,
            timeout_secs: 60,
            lang: "eng".into(),
        }
    }
}

/// The largest side of a rendered page, in pixels: 300 dpi for pages up
/// to A3, less for larger ones, so one page's image stays under ~25 MB
/// (8-bit grey) and Tesseract's memory with it.
const MAX_SIDE_PX: f64 = 5000.0;
const DPI: f64 = 300.0;

/// Whether `pdftoppm` and `tesseract` (with `lang`) can be run; why not
/// otherwise. Checked once per process and language.
pub fn available(lang: &str) -> Result<(), String> {
    /// Languages checked so far, with the outcome.
    type Checked = std::sync::Mutex<Vec<(String, Result<(), String>)>>;
    static CHECKED: OnceLock<Checked> = OnceLock::new();
    let cache = CHECKED.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, r)) = cache.iter().find(|(l, _)| l == lang) {
        return r.clone();
    }
    let r = check_tools(lang);
    cache.push((lang.to_string(), r.clone()));
    r
}

fn check_tools(lang: &str) -> Result<(), String> {
    let missing = |tool: &str| format!("{tool} is not installed (install it: `{INSTALL}`)");
    let langs = Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .map_err(|_| missing("Tesseract"))?;
    let listed = String::from_utf8_lossy(&langs.stdout);
    for l in lang.split('+') {
        if !listed.lines().any(|x| x.trim() == l) {
            return Err(format!(
                "Tesseract has no \"{l}\" language data (install it: `apt-get install tesseract-ocr-{l}`)"
            ));
        }
    }
    Command::new("pdftoppm")
        .arg("-v")
        .output()
        .map_err(|_| missing("pdftoppm (poppler-utils)"))?;
    Ok(())
}

/// A page read by OCR.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub text: String,
    /// Mean word confidence, 0–100; `None` when no word was found.
    pub confidence: Option<f64>,
    pub words: usize,
}

/// A private folder removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> std::io::Result<Scratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "framewatch-ocr-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Recognise page `page` (1-based) of the PDF at `pdf`, whose media box
/// is `size` points, within `opts.timeout`.
pub fn recognise(
    pdf: &Path,
    page: u32,
    size: (f64, f64),
    scratch: &Scratch,
    opts: &Options,
) -> Result<Page, String> {
    let timeout = Duration::from_secs(opts.timeout_secs.max(1));
    let deadline = Instant::now() + timeout;
    let longest = size.0.max(size.1).max(1.0);
    let dpi = DPI.min(MAX_SIDE_PX * 72.0 / longest).max(50.0).round() as u32;
    let stem = scratch.path().join(format!("page-{page}"));
    let n = page.to_string();
    let mut render = Command::new("pdftoppm");
    render
        .args(["-gray", "-png", "-singlefile", "-r", &dpi.to_string()])
        .args(["-f", &n, "-l", &n])
        .arg(pdf)
        .arg(&stem);
    run(render, deadline, timeout, "pdftoppm")?;
    let png = stem.with_extension("png");
    let mut ocr = Command::new("tesseract");
    ocr.arg(&png)
        .arg(&stem)
        .args(["-l", &opts.lang, "--dpi", &dpi.to_string(), "tsv"])
        // Pages are recognised in parallel already: one thread each.
        .env("OMP_THREAD_LIMIT", "1");
    run(ocr, deadline, timeout, "tesseract")?;
    let tsv = std::fs::read_to_string(stem.with_extension("tsv"))
        .map_err(|e| format!("cannot read Tesseract's output: {e}"))?;
    Ok(parse_tsv(&tsv))
}

/// Run a tool to completion or until `deadline`, when it is killed.
fn run(mut cmd: Command, deadline: Instant, timeout: Duration, name: &str) -> Result<(), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {name}: {e} (install it: `{INSTALL}`)"))?;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let last = err.lines().rev().find(|l| !l.trim().is_empty());
                return Err(format!(
                    "{name} failed ({status}){}",
                    last.map(|l| format!(": {}", l.trim())).unwrap_or_default()
                ));
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "timed out after {} s (raise --ocr-timeout)",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for {name}: {e}")),
        }
    }
}

/// Tesseract's TSV: words (level 5) with their block, paragraph and line;
/// lines joined by a line break, paragraphs and blocks by a blank line.
pub fn parse_tsv(tsv: &str) -> Page {
    let mut text = String::new();
    let mut last: Option<(&str, &str, &str, &str)> = None;
    let (mut sum, mut words) = (0.0, 0usize);
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let word = f[11].trim();
        if word.is_empty() {
            continue;
        }
        let key = (f[1], f[2], f[3], f[4]);
        match last {
            None => {}
            Some(k) if k == key => text.push(' '),
            Some(k) if (k.0, k.1, k.2) == (key.0, key.1, key.2) => text.push('\n'),
            Some(_) => text.push_str("\n\n"),
        }
        last = Some(key);
        text.push_str(word);
        if let Ok(c) = f[10].parse::<f64>()
            && c >= 0.0
        {
            sum += c;
            words += 1;
        }
    }
    Page {
        text,
        confidence: (words > 0).then(|| sum / words as f64),
        words,
    }
}

/// Very common words of the languages Tesseract is most often used for;
/// running text in any of them has a quarter or more of its words here.
const FUNCTION_WORDS: [&str; 5] = [
    // English
    "the of and to a in is it that for on was with as be by at this are or from not have has had an but which were their they been its can will would there all more also than one who so if no may should into these such other any only our we he she his her you i do what when them out about up new some",
    // German
    "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man",
    // French
    "de la le et les des en du un une est que pour dans qui par sur au pas plus ne se ce il sont avec ou son sa ses aux elle nous vous leur été être a cette mais comme on tout",
    // Spanish
    "de la que el en y a los del se las por un para con no una su al es lo como más pero sus le ya o fue este ha sí porque esta son entre cuando muy sin sobre también",
    // Dutch
    "de en van het een in is dat op te zijn voor met die niet aan er om ook als bij door maar wordt of uit dan nog tot naar over hij ze wij we worden kan",
];

/// How a text layer reads, by character classes and common words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Words (whitespace-separated tokens) on the page.
    pub tokens: usize,
    /// Share of non-space characters that are letters (a run of one
    /// repeated mark counted once).
    pub letters: f64,
    /// Share of tokens that are clean words: letters only (inner
    /// apostrophes and hyphens allowed), after stripping punctuation.
    pub clean: f64,
    /// Share of tokens that are function words, in the language that
    /// scores best.
    pub function: f64,
    /// Share of tokens one letter long (spaced-out letters "t h a t").
    pub singles: f64,
}

/// Score a page's text.
pub fn quality(text: &str) -> Quality {
    // A run of one repeated mark (dot leaders, rules) counts once.
    let (mut letters, mut visible) = (0usize, 0usize);
    let mut last = ' ';
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c != last || c.is_alphanumeric() {
            visible += 1;
            if c.is_alphabetic() {
                letters += 1;
            }
        }
        last = c;
    }
    // Tokens without a letter or digit (dot leaders, rules, bullets) say
    // nothing about the language and are not counted.
    let tokens: Vec<String> = text
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| {
            t.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let n = tokens.len();
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let clean = tokens
        .iter()
        .filter(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-' || c == '’')
                && t.chars().next().is_some_and(char::is_alphabetic)
        })
        .count();
    let singles = tokens
        .iter()
        .filter(|t| t.chars().count() == 1 && t.chars().all(char::is_alphabetic))
        .count();
    let function = FUNCTION_WORDS
        .iter()
        .map(|list| {
            let words: Vec<&str> = list.split(' ').collect();
            share(
                tokens
                    .iter()
                    .filter(|t| words.contains(&t.as_str()))
                    .count(),
            )
        })
        .fold(0.0, f64::max);
    Quality {
        tokens: n,
        letters: if visible == 0 {
            0.0
        } else {
            letters as f64 / visible as f64
        },
        clean: share(clean),
        function,
        singles: share(singles),
    }
}

/// Fewer visible characters than this on a page: no text layer.
pub const MIN_CHARS: usize = 20;

/// Why a page's text layer is not used as it is: `None` when it reads as
/// text. Short pages (a title, a figure label) are never called garbage.
pub fn needs_ocr(text: &str) -> Option<&'static str> {
    let visible = text.chars().filter(|c| !c.is_whitespace()).count();
    if visible < MIN_CHARS {
        return Some("no text layer");
    }
    let q = quality(text);
    if q.tokens < 25 {
        return None;
    }
    let garbage = q.letters < 0.5
        || q.clean < 0.45
        || q.singles > 0.3
        || (q.function < 0.08 && q.clean < 0.75);
    garbage.then_some("garbage text layer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_tsv_becomes_lines_and_paragraphs() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n\
            5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tLow\n\
            5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tpay\n\
            5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\thurts\n\
            5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\tFamilies\n";
        let p = parse_tsv(tsv);
        assert_eq!(p.text, "Low pay\nhurts\n\nFamilies");
        assert_eq!(p.words, 4);
        assert_eq!(p.confidence, Some(75.0));
        assert_eq!(parse_tsv("level\n").confidence, None);
    }

    #[test]
    fn garbage_layers_are_told_from_text_in_several_languages() {
        let english = "The council said that the cuts to housing benefit would hit the poorest families \
            in the city hardest, and that it had asked the government for more money to help those who \
            have lost their jobs in the last year.";
        let german = "Die Regierung hat die Kürzungen beim Wohngeld beschlossen, und der Rat der Stadt sagt, \
            dass die ärmsten Familien in der Stadt am stärksten betroffen sind, weil sie nicht mehr genug \
            Geld für die Miete haben.";
        // The issue's example ("«POAH «3E*»CM tanntxim") and made-up
        // text of its kind: broken words, stray symbols, spaced letters.
        let garbage = "«POAH «3E*»CM tanntxim. inc. /^. ^ wq»Hx. tbrrqe xxlfo prtq, VRAN, m o p , \
            k*t;rrP» an QRT&p ZZ1 W. NNQQ Vbxxurt ke-jjsk Mmqrrbd 4k«»fpq t h e r e i s \
            bnrq mzx L o s s trq plk •rhe qqlmmr";
        assert_eq!(needs_ocr(english), None, "{:?}", quality(english));
        assert_eq!(needs_ocr(german), None, "{:?}", quality(german));
        assert_eq!(
            needs_ocr(garbage),
            Some("garbage text layer"),
            "{:?}",
            quality(garbage)
        );
        assert_eq!(needs_ocr("  12 \n"), Some("no text layer"));
        // A table of contents: dot leaders are not garbage.
        let contents = "Contents\n\nWhat is cancer? ........................................ 4\n\
            The breasts ........................................ 6\nKey questions .......................... 8\n\
            What are the different types? ......................... 8\nHow common is it? .................... 9\n\
            What are the symptoms? ........................... 10\nWhat are the risk factors? ............. 11";
        assert_eq!(needs_ocr(contents), None, "{:?}", quality(contents));
        // A short heading is never called garbage.
        assert_eq!(needs_ocr("Annex B: Tables 4.1-4.7 (£m)"), None);
    }
}
