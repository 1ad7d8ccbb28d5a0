//! Audits where CI shows them: SARIF 2.1.0 for GitHub code scanning (one
//! run for any number of documents, its category in
//! `automationDetails.id`), GitHub workflow-command annotations capped at
//! what a step shows, and a Markdown job summary that lists everything the
//! caps left out. Messages are plain words, never lexicon syntax. Pure:
//! returns text and values; the CLI prints and writes.

use super::audit::{Audit, AuditHit, Check, display_clean};
use crate::model::{HitStatus, Pole, Stance};
use crate::tagger::Tagger;
use serde_json::{Value, json};

/// Annotations of each level (error, warning, notice) GitHub shows for
/// one step; a job shows 50 in all.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Bytes of Markdown written to a step summary at most (GitHub takes
/// 1 MiB per step; other commands in the step may write to it too).
const SUMMARY_BUDGET: usize = 256 * 1024;

/// A document that could not be audited, and why.
#[derive(Debug, Clone)]
pub struct Unread {
    pub path: String,
    pub reason: String,
}

/// Whether a hit is a finding: endorsed, counted, and behavioural or
/// structural framing.
pub fn is_finding(h: &AuditHit) -> bool {
    h.stance == Stance::Endorsed
        && h.status == HitStatus::Counted
        && Pole::of(&h.category).is_some()
}

fn behavioural(h: &AuditHit) -> bool {
    Pole::of(&h.category) == Some(Pole::Behavioural)
}

/// `behavioural framing (dependency): “welfare dependency”, endorsed —
/// counted (p. 2)`: a finding in plain words.
pub fn finding_message(h: &AuditHit) -> String {
    format!(
        "{} framing ({}): “{}”, endorsed — counted{}",
        h.category,
        h.subframe.replace('_', " "),
        h.surface,
        h.page.map_or(String::new(), |p| format!(" (p. {p})"))
    )
}

/// `threshold “share > 0.2” crossed: the value is 0.5`.
fn check_message(c: &Check) -> String {
    format!(
        "threshold “{}” crossed: the value is {}",
        c.expr,
        c.value.map_or("undefined".into(), |v| format!("{v}"))
    )
}

/// The SARIF category (`automationDetails.id`) when none is given: the
/// document's path for one document, so per-document files uploaded
/// together each have their own; `framewatch/` for several in one run.
pub fn default_category(paths: &[String]) -> String {
    match paths {
        [one] => format!("framewatch/{one}/"),
        _ => "framewatch/".to_string(),
    }
}

/// A relative path as a URI reference: `/` separators, and every byte
/// outside the unreserved and path characters percent-encoded (`:` too,
/// so `c:` is never read as a scheme).
pub fn uri_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF 2.1.0: one run for all `audits`, one result per finding (with
/// its region, columns in code points), documents that could not be read
/// as tool notifications, and `category` in `automationDetails.id`
/// (ending in `/`, as GitHub reads a category).
pub fn sarif(audits: &[Audit], unread: &[Unread], tagger: &Tagger, category: &str) -> Value {
    let lex = &tagger.lexicon;
    let rules: Vec<Value> = (0..lex.subframes.len())
        .filter(|&i| Some(lex.subframes[i].category) != lex.context_category)
        .map(|i| {
            let s = &lex.subframes[i];
            let cat = &lex.categories[s.category];
            json!({
                "id": lex.subframe_path(i),
                "name": format!("{}/{}", cat.name, s.name),
                "shortDescription": {"text": if s.description.is_empty() { lex.subframe_path(i) } else { s.description.clone() }},
                "fullDescription": {"text": format!("{} framing ({}): {}", cat.name, cat.description, s.description)},
                "defaultConfiguration": {"level": if Pole::of(&cat.name) == Some(Pole::Behavioural) { "warning" } else { "note" }},
            })
        })
        .collect();
    let rule_index = |id: &str| rules.iter().position(|r| r["id"] == id);
    let mut results = Vec::new();
    for a in audits {
        for h in a.hits.iter().filter(|h| is_finding(h)) {
            let id = format!("{}.{}", h.category, h.subframe);
            results.push(json!({
                "ruleId": id,
                "ruleIndex": rule_index(&id),
                "level": if behavioural(h) { "warning" } else { "note" },
                "message": {"text": finding_message(h)},
                "properties": {"page": h.page, "lexiconEntry": h.entry, "lexiconLine": h.entry_line},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri_of(&a.path)},
                    "region": {
                        "startLine": h.line, "startColumn": h.column,
                        "endLine": h.end_line, "endColumn": h.end_column,
                        "byteOffset": h.byte_start, "byteLength": h.byte_end - h.byte_start,
                        "snippet": {"text": h.surface},
                    },
                }}],
            }));
        }
    }
    let notifications: Vec<Value> = unread
        .iter()
        .map(|u| {
            json!({
                "level": "error",
                "message": {"text": format!("not read: {}", u.reason)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri_of(&u.path)}}}],
            })
        })
        .collect();
    let documents: Vec<Value> = audits
        .iter()
        .map(|a| {
            json!({
                "path": a.path, "share": a.share, "balance": a.balance,
                "verdict": if a.checks.is_empty() { None } else { Some(if a.failed() { "fail" } else { "pass" }) },
            })
        })
        .collect();
    let id = if category.ends_with('/') {
        category.to_string()
    } else {
        format!("{category}/")
    };
    let lexicon = audits.first().map(|a| &a.lexicon);
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "framewatch",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": id},
            "invocations": [{
                "executionSuccessful": unread.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "lexicon": lexicon.map(|l| json!({"name": l.0, "version": l.1, "sha256": l.2})),
                "documents": documents,
            },
        }],
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

enum What<'a> {
    Finding(&'a Audit, &'a AuditHit),
    Crossed(&'a Audit, &'a Check),
    Unread(&'a Unread),
}

/// Every annotation the audits call for, in document order, and whether
/// it is shown within the step's limits.
struct Plan<'a> {
    items: Vec<(Level, What<'a>, bool)>,
    left_out: usize,
}

fn plan<'a>(audits: &'a [Audit], unread: &'a [Unread], limit: usize) -> Plan<'a> {
    let mut items: Vec<(Level, What<'a>, bool)> = Vec::new();
    for a in audits {
        for h in a.hits.iter().filter(|h| is_finding(h)) {
            let level = if behavioural(h) {
                Level::Warning
            } else {
                Level::Notice
            };
            items.push((level, What::Finding(a, h), false));
        }
        for c in a.checks.iter().filter(|c| c.crossed) {
            items.push((Level::Error, What::Crossed(a, c), false));
        }
    }
    items.extend(
        unread
            .iter()
            .map(|u| (Level::Error, What::Unread(u), false)),
    );
    let count = |l: Level| items.iter().filter(|i| i.0 == l).count();
    let over = [Level::Error, Level::Warning, Level::Notice]
        .iter()
        .any(|&l| count(l) > limit);
    // When anything is left out, the last notice says so: one notice
    // fewer for findings.
    let room = |l: Level| match l {
        Level::Notice if over => limit.saturating_sub(1),
        _ => limit,
    };
    let mut used = [0usize; 3];
    let mut left_out = 0;
    for (level, _, shown) in &mut items {
        let n = &mut used[*level as usize];
        if *n < room(*level) {
            *n += 1;
            *shown = true;
        } else {
            left_out += 1;
        }
    }
    Plan { items, left_out }
}

/// Escape workflow-command data: `%`, CR and LF.
pub fn command_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property: as data, and `:` and `,`.
pub fn command_property(s: &str) -> String {
    command_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: an annotation per finding (warning
/// for behavioural, notice for structural), per crossed threshold and per
/// document not read (errors), at most `limit` of each level; when some
/// are left out, a last notice says how many and where they are
/// (`summary`: whether the job summary lists them).
pub fn github(audits: &[Audit], unread: &[Unread], limit: usize, summary: bool) -> String {
    let plan = plan(audits, unread, limit);
    let mut out = String::new();
    for (level, what, _) in plan.items.iter().filter(|i| i.2) {
        let (file, place, title, message) = match what {
            What::Finding(a, h) => (
                a.path.as_str(),
                format!(
                    ",line={},col={},endLine={},endColumn={}",
                    h.line, h.column, h.end_line, h.end_column
                ),
                format!("{} framing (framewatch)", h.category),
                format!(
                    "{}. Sentence: {}",
                    finding_message(h),
                    display_clean(&h.sentence)
                ),
            ),
            What::Crossed(a, c) => (
                a.path.as_str(),
                String::new(),
                "threshold crossed (framewatch)".into(),
                check_message(c),
            ),
            What::Unread(u) => (
                u.path.as_str(),
                String::new(),
                "not read (framewatch)".into(),
                u.reason.clone(),
            ),
        };
        out.push_str(&format!(
            "::{} file={}{place},title={}::{}\n",
            level.command(),
            command_property(file),
            command_property(&title),
            command_data(&message)
        ));
    }
    if plan.left_out > 0 {
        let where_ = if summary {
            "the job summary lists every finding"
        } else {
            "run `framewatch audit` on the documents to list every finding (in GitHub Actions the job summary lists them)"
        };
        out.push_str(&format!(
            "::notice title={}::{}\n",
            command_property(&format!("{} more not annotated (framewatch)", plan.left_out)),
            command_data(&format!(
                "GitHub shows {limit} errors, {limit} warnings and {limit} notices per step; {} more were left out; {where_}",
                plan.left_out
            ))
        ));
    }
    out
}

/// Text for a Markdown table cell: one line, no HTML, no Markdown.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters of `s`, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// The job summary (Markdown): a row per document with its counts, share
/// and verdict, then every finding and whether it was annotated. Stays
/// within a step summary's size; says so when it stops short.
pub fn summary(audits: &[Audit], unread: &[Unread], limit: usize) -> String {
    let plan = plan(audits, unread, limit);
    let fmt = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.3}"));
    // The framing categories (not the lexicon's context terms).
    let categories: Vec<&str> = audits
        .first()
        .map(|a| a.key.iter().map(|(n, _, _)| n.as_str()).collect())
        .unwrap_or_default();
    let pole = audits
        .iter()
        .find_map(|a| a.poles.as_ref().ok())
        .map(|[first, _]| first.clone());
    let failed = audits.iter().filter(|a| a.failed()).count();
    let mut out = format!(
        "### framewatch audit: {} document{}",
        audits.len() + unread.len(),
        if audits.len() + unread.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    if failed > 0 {
        out.push_str(&format!(", {failed} over a threshold"));
    }
    if !unread.is_empty() {
        out.push_str(&format!(", {} not read", unread.len()));
    }
    out.push_str("\n\nCounts are endorsed, counted hits.\n\n| document | words |");
    for c in &categories {
        out.push_str(&format!(" {} |", md_cell(c)));
    }
    if let Some(p) = &pole {
        out.push_str(&format!(" {} share |", md_cell(p)));
    }
    out.push_str(" verdict |\n|---|---:|");
    out.push_str(&"---:|".repeat(categories.len() + usize::from(pole.is_some())));
    out.push_str("---|\n");
    for a in audits {
        out.push_str(&format!("| {} | {} |", md_cell(&a.path), a.tokens));
        for name in &categories {
            let endorsed = a.categories.iter().find(|(n, _)| n == name);
            out.push_str(&format!(" {} |", endorsed.map_or(0, |(_, c)| c.endorsed)));
        }
        if pole.is_some() {
            out.push_str(&format!(" {} |", fmt(a.share)));
        }
        let crossed: Vec<String> = a
            .checks
            .iter()
            .filter(|c| c.crossed)
            .map(|c| md_cell(&check_message(c)))
            .collect();
        let verdict = match (a.checks.is_empty(), crossed.is_empty()) {
            (true, _) => "no thresholds".to_string(),
            (false, true) => "pass".to_string(),
            (false, false) => format!("**fail**: {}", crossed.join("; ")),
        };
        out.push_str(&format!(" {verdict} |\n"));
    }
    for u in unread {
        out.push_str(&format!(
            "| {} |{} **not read**: {} |\n",
            md_cell(&u.path),
            " — |".repeat(1 + categories.len() + usize::from(pole.is_some())),
            md_cell(&u.reason)
        ));
    }
    let findings: Vec<(&Audit, &AuditHit, bool)> = plan
        .items
        .iter()
        .filter_map(|(_, w, shown)| match w {
            What::Finding(a, h) => Some((*a, *h, *shown)),
            _ => None,
        })
        .collect();
    let annotated = findings.iter().filter(|f| f.2).count();
    out.push_str(&format!(
        "\n{} finding{}, {annotated} shown as annotations (GitHub shows {limit} warnings and {limit} notices per step).\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    ));
    if findings.is_empty() {
        return out;
    }
    out.push_str("\n| where | finding | sentence | annotated |\n|---|---|---|---|\n");
    for (i, (a, h, shown)) in findings.iter().enumerate() {
        let at = match h.page {
            Some(p) => format!("{}, p. {p}", a.path),
            None => format!("{}:{}:{}", a.path, h.line, h.column),
        };
        let row = format!(
            "| {} | {} | {} | {} |\n",
            md_cell(&at),
            md_cell(&finding_message(h)),
            md_cell(&clip(&display_clean(&h.sentence), 240)),
            if *shown { "yes" } else { "no" }
        );
        if out.len() + row.len() > SUMMARY_BUDGET {
            out.push_str(&format!(
                "\n{} more findings not listed (a step summary holds 1 MiB): run `framewatch audit` on the documents to list them.\n",
                findings.len() - i
            ));
            break;
        }
        out.push_str(&row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_escapes_follow_the_runner() {
        assert_eq!(command_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(command_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn uris_are_references_not_schemes() {
        assert_eq!(uri_of("drafts/my draft.md"), "drafts/my%20draft.md");
        assert_eq!(uri_of("c:\\x\\é.md"), "c%3A/x/%C3%A9.md");
    }

    #[test]
    fn markdown_cells_hold_no_markup() {
        assert_eq!(
            md_cell("<img src=x> | *a* [l](u)\n"),
            "&lt;img src=x&gt; \\| \\*a\\* \\[l\\](u) "
        );
    }

    #[test]
    fn categories_default_per_document_or_shared() {
        assert_eq!(default_category(&["d/a.md".into()]), "framewatch/d/a.md/");
        assert_eq!(
            default_category(&["a.md".into(), "b.md".into()]),
            "framewatch/"
        );
    }

    fn tagger() -> Tagger {
        let (lexicon, analyzer) = crate::lexicon::Lexicon::load(None).unwrap();
        Tagger::new(lexicon, analyzer)
    }

    fn many(tagger: &Tagger, behavioural: usize, structural: usize) -> Audit {
        let mut text = String::new();
        for i in 0..behavioural {
            text.push_str(&format!("Family {i} is trapped in welfare dependency.\n"));
        }
        for i in 0..structural {
            text.push_str(&format!("Low pay keeps household {i} in poverty.\n"));
        }
        super::super::audit::audit(tagger, "many.md", &text)
    }

    #[test]
    fn the_note_takes_the_last_notice_slot() {
        let t = tagger();
        let a = [many(&t, 2, 2)];
        let out = github(&a, &[], 1, true);
        let levels: Vec<&str> = out.lines().map(|l| &l[..l.find(' ').unwrap()]).collect();
        assert_eq!(levels, ["::warning", "::notice"], "{out}");
        assert!(out.ends_with("; 3 more were left out; the job summary lists every finding\n"));
        // Within the limits: no note.
        assert_eq!(github(&a, &[], 2, true).lines().count(), 4);
    }

    #[test]
    fn the_summary_stays_within_a_step_summary() {
        let t = tagger();
        let a = [many(&t, 3000, 0)];
        let md = summary(&a, &[], ANNOTATIONS_PER_LEVEL);
        assert!(md.len() <= SUMMARY_BUDGET + 200, "{}", md.len());
        let listed = md.matches(" | yes |\n").count() + md.matches(" | no |\n").count();
        assert!(listed > 1000 && listed < 3000, "{listed}");
        assert!(
            md.ends_with(&format!(
                "\n{} more findings not listed (a step summary holds 1 MiB): run `framewatch audit` on the documents to list them.\n",
                3000 - listed
            )),
            "{}",
            &md[md.len() - 300..]
        );
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip("ab", 2), "ab");
    }
}
