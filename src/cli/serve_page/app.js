// framewatch serve: the page's script. Document text is only ever set as
// text (textContent), never parsed as markup.
"use strict";

// Okabe–Ito: behavioural and structural keep orange and blue, as in the
// audit and the report; other categories take the rest in order.
const PALETTE = ["#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const FIXED = { behavioural: "#E69F00", structural: "#0072B2" };
const STANCE_WORDS = {
  endorsed: "endorsed (the text frames it so)",
  negated: "negated (the text denies it)",
  distanced: "distanced (quoted or attributed to someone else)",
  "no-context": "not counted: the context an entry needs is missing",
};
const CODES = ["endorsed", "distanced", "negated", "none"];
const CODE_WORDS = {
  endorsed: "endorsed: the sentence frames poverty so",
  distanced: "distanced: it quotes or reports that framing",
  negated: "negated: it denies that framing",
  none: "none: no such framing here",
};

// The document on the page: { blob, name, result }, and the reader's
// marks on it: hit index → "right" | "wrong", and sentence index →
// { category → code }.
let current = null;
let verdicts = new Map();
let coded = new Map();
// The highlight whose explanation stays while the pointer moves on.
let pinned = null;
// The sentence being coded.
let chosen = null;

const $ = (id) => document.getElementById(id);
const el = (tag, props, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
};

function status(msg, error) {
  $("status").textContent = msg;
  $("status").className = error ? "error" : "";
}

async function audit(blob, name, format) {
  const r = await fetch("/api/audit?name=" + encodeURIComponent(name) + "&format=" + format, {
    method: "POST",
    body: blob,
  });
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try {
      const e = (await r.json()).error;
      msg = e.message || e.detail || msg;
    } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return format === "html" ? r.text() : r.json();
}

async function read(blob, name) {
  if (marksCount() > 0 && !confirm("Reading another document drops your " + marksCount() + " marks on " + current.name + ". Download the coding sheet first if you want them. Go on?")) return;
  status("Reading " + name + "…");
  $("result").hidden = true;
  try {
    const result = await audit(blob, name, "page");
    result.bytes = new TextEncoder().encode(result.text);
    current = { blob, name, result };
    verdicts = new Map();
    coded = new Map();
    pinned = null;
    chosen = null;
    render(result);
    const w = result.warnings.length ? " (" + result.warnings.join("; ") + ")" : "";
    const pages = result.page_starts.length ? ", " + result.page_starts.length + " pages" : "";
    status("Read " + name + pages + ": " + result.audit.hits.length + " framings found" + w + ".");
  } catch (e) {
    status(name + " could not be read: " + e.message, true);
  }
}

function colours(audit) {
  const out = {};
  let i = 0;
  for (const c of Object.keys(audit.summary.categories)) {
    out[c] = FIXED[c] || PALETTE[(i++) % PALETTE.length];
  }
  return out;
}

function stanceOf(h) {
  return h.status === "no-context" ? "no-context" : h.stance;
}

// The text between two byte offsets.
function slice(s, e) {
  return new TextDecoder().decode(current.result.bytes.subarray(s, e));
}

// 1-based page of a byte offset, or null for a document without pages.
function pageOf(at) {
  const starts = current.result.page_starts;
  if (!starts.length) return null;
  let p = 0;
  while (p < starts.length && starts[p] <= at) p++;
  return Math.max(p, 1);
}

function where(page, line) {
  return page ? "p. " + page + ", line " + line : "line " + line;
}

// A sub-frame's description in the lexicon's own words.
function describe(category, subframe) {
  const c = current.result.key.find((k) => k.category === category);
  const s = c && c.subframes.find((x) => x.subframe === subframe);
  return (s && s.description) || (c && c.description) || "";
}

function render(result) {
  const a = result.audit;
  const col = colours(a);
  const pre = $("text");
  pre.replaceChildren();
  // Hits in text order; of overlapping hits the first is highlighted.
  const hits = a.hits.map((h, i) => [h, i]).sort((x, y) => x[0].byte_start - y[0].byte_start || x[1] - y[1]);
  const shown = [];
  let end = 0;
  for (const [h, i] of hits) {
    if (h.byte_start < end) continue;
    shown.push([h, i]);
    end = h.byte_end;
  }
  // Sentences hold their highlights; page markers go where pages start.
  const breaks = result.page_starts.map((at, i) => [at, i + 1]);
  let next = 0;
  let b = 0;
  const plain = (into, from, to) => {
    while (b < breaks.length && breaks[b][0] < to) {
      const [at, page] = breaks[b++];
      if (at > from) into.append(slice(from, at));
      from = Math.max(from, at);
      const marker = el("span", { className: "page", textContent: "p. " + page });
      marker.setAttribute("role", "note");
      marker.setAttribute("aria-label", "page " + page + " starts");
      into.append(marker);
    }
    if (to > from) into.append(slice(from, to));
  };
  const fill = (into, from, to) => {
    let at = from;
    while (next < shown.length && shown[next][0].byte_start < to) {
      const [h, i] = shown[next++];
      // A hit across a sentence's edge is listed, not highlighted.
      if (h.byte_start < at || h.byte_end > to) continue;
      plain(into, at, h.byte_start);
      const m = el("mark", { className: h.category + " " + stanceOf(h), tabIndex: 0 });
      plain(m, h.byte_start, h.byte_end);
      m.dataset.hit = i;
      m.title = h.subframe + ": " + describe(h.category, h.subframe);
      m.style.setProperty("--c", col[h.category] || "#000000");
      m.setAttribute("aria-label", markLabel(h));
      into.append(m);
      at = h.byte_end;
    }
    plain(into, at, to);
  };
  let at = 0;
  result.sentences.forEach(([s, e], i) => {
    if (s < at) return;
    fill(pre, at, s);
    const span = el("span", { className: "sentence" });
    span.dataset.sentence = i;
    fill(span, s, e);
    pre.append(span);
    at = e;
  });
  fill(pre, at, result.bytes.length);
  renderSummary(a, col);
  renderReferences(result);
  renderModel(a);
  $("detail").replaceChildren(el("p", { textContent: "No highlight selected." }));
  $("coder").hidden = true;
  renderMarks();
  $("result").hidden = false;
}

function markLabel(h) {
  return h.surface + ": " + h.category + ", " + h.subframe + ", " + stanceOf(h);
}

function cell(tag, text) {
  return el(tag, { textContent: text });
}

function fmt(x, d) {
  return x === null || x === undefined ? "n/a" : Number(x).toFixed(d);
}

function renderSummary(a, col) {
  const s = a.summary;
  const t = el("table");
  t.append(el("tr", {}, cell("th", "category"), cell("th", "endorsed"), cell("th", "negated"), cell("th", "distanced"), cell("th", "not counted"), cell("th", "per 10k")));
  for (const [c, n] of Object.entries(s.categories)) {
    const name = el("td", {}, el("span", { className: "swatch" }), c);
    name.firstChild.style.setProperty("--c", col[c]);
    t.append(el("tr", {}, name, cell("td", n.endorsed), cell("td", n.negated), cell("td", n.distanced), cell("td", n.no_context), cell("td", fmt(n.rate_per_10k, 1))));
  }
  const share = el("p", {}, "Behavioural share ", el("b", { textContent: fmt(s.share, 2) }),
    " · balance ", el("b", { textContent: fmt(s.balance, 2) }),
    " (endorsed hits only; balance −1 is all structural, +1 all behavioural).");
  const doc = el("p", { className: "muted", textContent: a.document.tokens + " words, " + a.document.sentences + " sentences · lexicon " + a.lexicon.name + " " + a.lexicon.version });
  const subs = el("dl", { className: "subframes" });
  for (const [sf, n] of Object.entries(s.subframes)) {
    if (n.endorsed + n.negated + n.distanced > 0) {
      const [c, sub] = sf.split(".");
      subs.append(cell("dt", sf + ": " + n.endorsed + " endorsed, " + n.negated + " negated, " + n.distanced + " distanced"));
      const d = describe(c, sub);
      if (d) subs.append(cell("dd", d));
    }
  }
  $("summary").replaceChildren(doc, el("div", { className: "scroll" }, t), share, el("h4", { textContent: "Sub-frames found, in the lexicon's words" }), subs);
  const legend = $("legend");
  legend.replaceChildren();
  const item = (kind, value, colour) => {
    const box = el("input", { type: "checkbox", checked: true, id: "show-" + kind + "-" + value });
    box.dataset.kind = kind;
    box.dataset.value = value;
    box.addEventListener("change", applyFilters);
    const m = el("mark", { className: kind === "category" ? "endorsed" : value, textContent: value });
    m.style.setProperty("--c", colour);
    legend.append(el("li", {}, box, el("label", { htmlFor: box.id }, m)));
  };
  for (const c of Object.keys(col)) item("category", c, col[c]);
  for (const st of ["endorsed", "negated", "distanced", "no-context"]) item("stance", st, "#555555");
}

// Where the document stands among the bundled reference corpora.
function renderReferences(result) {
  const box = $("references");
  const refs = result.references;
  if (!refs.length) {
    box.replaceChildren(el("p", { className: "muted", textContent: result.references_note }));
    return;
  }
  const list = el("ul");
  for (const r of refs) {
    list.append(el("li", {}, el("b", { textContent: r.reading }),
      el("span", { className: "muted", textContent: " Percentile " + fmt(r.share_percentile, 0) + " of the " + r.described.replace("reference documents", r.label) + "." })));
  }
  box.replaceChildren(list, el("p", { className: "muted", textContent: result.references_note }));
}

// Hide the highlights of unticked categories and stances (and take them
// out of the tab order).
function applyFilters() {
  const off = { category: new Set(), stance: new Set() };
  for (const b of $("legend").querySelectorAll("input")) {
    if (!b.checked) off[b.dataset.kind].add(b.dataset.value);
  }
  const hits = current.result.audit.hits;
  for (const m of $("text").querySelectorAll("mark")) {
    const h = hits[Number(m.dataset.hit)];
    const hide = off.category.has(h.category) || off.stance.has(stanceOf(h));
    m.classList.toggle("off", hide);
    m.tabIndex = hide ? -1 : 0;
  }
}

function renderModel(a) {
  const box = $("model");
  if (!a.model) {
    box.replaceChildren(el("p", { className: "muted", textContent: "No trained model for this lexicon: only the lexicon's hits are shown." }));
    return;
  }
  const m = a.model;
  const parts = [el("p", { textContent: "The model (" + m.origin + ") labels each sentence; behavioural share " + fmt(m.share, 2) + " (endorsed sentences)." })];
  const list = el("ul");
  for (const f of m.framings) {
    list.append(el("li", { textContent: f.framing + ": " + f.endorsed_sentences + " sentences endorsed, " + f.distanced_sentences + " distanced" }));
  }
  parts.push(list);
  const missed = m.sentences.filter((s) => s.lexicon_missed.length > 0);
  if (missed.length) {
    parts.push(el("h4", { textContent: "Sentences the model reads as framed that the lexicon missed" }));
    const ol = el("ol");
    for (const s of missed) {
      const go = el("button", { type: "button", className: "small", textContent: "Code it" });
      go.addEventListener("click", () => chooseSentence(s.index));
      ol.append(el("li", {}, where(s.page, s.line) + ": " + s.sentence + " (" + s.lexicon_missed.join(", ") + ") ", go));
    }
    parts.push(ol);
  }
  box.replaceChildren(...parts);
}

function showHit(mark) {
  if (!current || !mark || mark.dataset.hit === undefined) return;
  const i = Number(mark.dataset.hit);
  const h = current.result.audit.hits[i];
  for (const m of document.querySelectorAll("mark.active")) m.classList.remove("active");
  mark.classList.add("active");
  const about = describe(h.category, h.subframe);
  const dl = el("dl");
  const row = (k, v) => dl.append(cell("dt", k), cell("dd", v));
  row("Words", h.surface);
  row("Framing", h.category + " · " + h.subframe);
  if (about) row("Means", about + ".");
  row("Stance", STANCE_WORDS[stanceOf(h)] || stanceOf(h));
  if (h.stance_rule) row("Rule", h.stance_rule);
  row("Entry", h.entry + " (lexicon line " + h.entry_line + ")");
  if (h.model) row("Model", h.model.label + ", p(endorsed) " + fmt(h.model.p_endorsed, 2));
  row("Where", where(h.page, h.line) + ", column " + h.column);
  const verdict = verdicts.get(i);
  const judge = (v, text) => {
    const b = el("button", { type: "button", textContent: text });
    b.setAttribute("aria-pressed", String(verdict === v));
    b.addEventListener("click", () => judgeHit(i, v, mark));
    return b;
  };
  const code = el("button", { type: "button", textContent: "Code this sentence…" });
  code.addEventListener("click", () => { chooseSentence(h.sentence_index); $("coder-h").focus(); });
  const buttons = el("div", { className: "buttons" }, judge("right", "Right"), judge("wrong", "Wrong"), code);
  buttons.setAttribute("role", "group");
  buttons.setAttribute("aria-label", "Is this highlight right?");
  $("detail").replaceChildren(dl, el("p", { className: "ask", textContent: "Is this highlight right?" }), buttons);
}

// Mark a highlight right or wrong (again: unmark it).
function judgeHit(i, v, mark) {
  if (verdicts.get(i) === v) verdicts.delete(i);
  else verdicts.set(i, v);
  mark.classList.toggle("wrong", verdicts.get(i) === "wrong");
  mark.classList.toggle("right", verdicts.get(i) === "right");
  mark.setAttribute("aria-label", markLabel(current.result.audit.hits[i]) + (verdicts.has(i) ? ", marked " + v : ""));
  renderMarks();
  showHit(mark);
  status("“" + current.result.audit.hits[i].surface + "” " + (verdicts.has(i) ? "marked " + v : "unmarked") + ".");
}

// The form for coding one sentence: its framings as the reader sees them.
function chooseSentence(i) {
  const spans = current.result.sentences;
  if (i < 0 || i >= spans.length) return;
  chosen = i;
  for (const s of document.querySelectorAll(".sentence.chosen")) s.classList.remove("chosen");
  const span = $("text").querySelector('.sentence[data-sentence="' + i + '"]');
  if (span) span.classList.add("chosen");
  const [s, e] = spans[i];
  const { line } = lineOf(s);
  const box = $("coder");
  const mine = coded.get(i) || {};
  const form = el("div", { className: "codes" });
  for (const cat of categories()) {
    const sel = el("select", { id: "code-" + cat });
    sel.append(el("option", { value: "", textContent: "not coded" }));
    for (const c of CODES) sel.append(el("option", { value: c, textContent: c }));
    sel.value = mine[cat] || "";
    sel.addEventListener("change", () => {
      const now = coded.get(i) || {};
      if (sel.value) now[cat] = sel.value;
      else delete now[cat];
      if (Object.keys(now).length) coded.set(i, now);
      else coded.delete(i);
      span && span.classList.toggle("coded", coded.has(i));
      renderMarks();
    });
    form.append(el("label", { htmlFor: sel.id, textContent: cat + " framing" }), sel);
  }
  const step = (d, text) => {
    const b = el("button", { type: "button", textContent: text });
    b.disabled = i + d < 0 || i + d >= spans.length;
    b.addEventListener("click", () => { chooseSentence(i + d); $("coder-h").focus(); });
    return b;
  };
  box.replaceChildren(
    el("h3", { id: "coder-h", tabIndex: -1, textContent: "Code sentence " + (i + 1) + " (" + where(pageOf(s), line) + ")" }),
    el("blockquote", { textContent: slice(s, e) }),
    el("p", { className: "hint", textContent: "Say which framings this sentence has, as you read it; your codes go in the coding sheet." }),
    form,
    el("ul", { className: "hint codes-key" }, ...CODES.map((c) => el("li", { textContent: CODE_WORDS[c] }))),
    el("div", { className: "buttons" }, step(-1, "◀ Previous sentence"), step(1, "Next sentence ▶")));
  box.hidden = false;
}

function lineOf(at) {
  const before = slice(0, at);
  return { line: before.split("\n").length };
}

// The framing categories a reader can code (the context category is not
// a framing).
function categories() {
  return current.result.key.map((k) => k.category);
}

function marksCount() {
  return current ? verdicts.size + coded.size : 0;
}

function renderMarks() {
  const n = marksCount();
  const list = el("ul");
  const hits = current.result.audit.hits;
  for (const [i, v] of [...verdicts].sort((x, y) => x[0] - y[0])) {
    const h = hits[i];
    const undo = el("button", { type: "button", className: "small", textContent: "Remove" });
    undo.addEventListener("click", () => {
      verdicts.delete(i);
      const m = $("text").querySelector('mark[data-hit="' + i + '"]');
      if (m) {
        m.classList.remove("wrong", "right");
        m.setAttribute("aria-label", markLabel(hits[i]));
      }
      renderMarks();
    });
    list.append(el("li", {}, v + ": “" + h.surface + "” (" + h.category + "." + h.subframe + ", " + where(h.page, h.line) + ") ", undo));
  }
  for (const [i, codes] of [...coded].sort((x, y) => x[0] - y[0])) {
    const open = el("button", { type: "button", className: "small", textContent: "Change" });
    open.addEventListener("click", () => chooseSentence(i));
    const text = Object.entries(codes).map(([c, v]) => c + " " + v).join(", ");
    list.append(el("li", {}, "sentence " + (i + 1) + ": " + text + " ", open));
  }
  $("marks").replaceChildren(n ? list : el("p", { className: "muted", textContent: "No marks yet." }));
  $("export-sheet").disabled = n === 0;
}

// A CSV cell, quoted. Cells of the document's own text that a
// spreadsheet would run as a formula are prefixed with an apostrophe
// (lexicon entries such as `=rents` are kept as written).
function csvCell(v, text) {
  let s = v === null || v === undefined ? "" : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function csv(rows) {
  return rows.map((r) => r.join(",")).join("\n") + "\n";
}

function hitsCsv() {
  const head = ["document", "page", "line", "column", "category", "subframe", "surface", "stance", "status", "stance_rule", "entry", "entry_line", "model_label", "model_p_endorsed", "byte_start", "byte_end", "sentence"];
  const rows = [head];
  for (const h of current.result.audit.hits) {
    rows.push([
      csvCell(current.name, true), csvCell(h.page), csvCell(h.line), csvCell(h.column),
      csvCell(h.category), csvCell(h.subframe), csvCell(h.surface, true), csvCell(h.stance), csvCell(h.status),
      csvCell(h.stance_rule), csvCell(h.entry), csvCell(h.entry_line),
      csvCell(h.model && h.model.label), csvCell(h.model && h.model.p_endorsed),
      csvCell(h.byte_start), csvCell(h.byte_end), csvCell(h.sentence, true),
    ]);
  }
  return csv(rows);
}

// The reader's marks as a gold file `framewatch validate --gold` and
// `train --gold` read: one row per sentence marked, a column per framing
// coded endorsed, distanced, negated or none (blank: not coded). A
// highlight marked right codes its framing with its stance; marked wrong,
// none (unless another mark in the sentence says the framing is there);
// a sentence's own codes win over both.
function codingSheet() {
  const cats = categories();
  const hits = current.result.audit.hits;
  const bySentence = new Map();
  const at = (i) => {
    if (!bySentence.has(i)) bySentence.set(i, { codes: {}, notes: [] });
    return bySentence.get(i);
  };
  for (const [i, v] of [...verdicts].sort((x, y) => x[0] - y[0])) {
    const h = hits[i];
    const u = at(h.sentence_index);
    const code = v === "wrong" ? "none" : (h.stance || "endorsed");
    if (!u.codes[h.category] || u.codes[h.category] === "none") u.codes[h.category] = code;
    u.notes.push("“" + h.surface + "” (" + h.category + "." + h.subframe + ") marked " + v);
  }
  for (const [i, codes] of coded) {
    const u = at(i);
    Object.assign(u.codes, codes);
    u.notes.push("coded " + Object.entries(codes).map(([c, v]) => c + " " + v).join(", "));
  }
  const doc = stem(current.name);
  const coder = $("coder-name").value.trim() || "reader";
  const rows = [["unit_id", "doc_id", "byte_start", "byte_end", "text", ...cats, "coder", "notes"]];
  for (const i of [...bySentence.keys()].sort((x, y) => x - y)) {
    const [s, e] = current.result.sentences[i];
    const u = bySentence.get(i);
    rows.push([csvCell(doc + "#" + i), csvCell(doc), s, e, csvCell(slice(s, e)),
      ...cats.map((c) => u.codes[c] || ""), csvCell(coder, true), csvCell(u.notes.join("; "), true)]);
  }
  return csv(rows);
}

function download(data, name, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function stem(name) {
  return name.replace(/\.[^.]*$/, "") || "document";
}

document.addEventListener("DOMContentLoaded", () => {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f) read(f, f.name);
    e.target.value = "";
  });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer.files[0];
    if (f) read(f, f.name);
  });
  $("paste-go").addEventListener("click", () => {
    const t = $("paste").value;
    if (t.trim()) read(new Blob([t], { type: "text/plain" }), "pasted.txt");
    else status("Paste some text first.", true);
  });
  const text = $("text");
  text.addEventListener("mouseover", (e) => {
    const m = e.target.closest("mark");
    if (m && !pinned) showHit(m);
  });
  text.addEventListener("focusin", (e) => {
    const m = e.target.closest("mark");
    if (m) { pinned = m; showHit(m); }
  });
  text.addEventListener("click", (e) => {
    if (e.target.closest("mark")) return;
    pinned = null;
    const s = e.target.closest(".sentence");
    if (s && String(window.getSelection()).trim() === "") chooseSentence(Number(s.dataset.sentence));
  });
  // On a highlight: R marks it right, W wrong, S codes its sentence.
  text.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { pinned = null; document.activeElement.blur(); return; }
    const m = e.target.closest("mark");
    if (!m || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    const h = current.result.audit.hits[Number(m.dataset.hit)];
    if (key === "r" || key === "w") {
      const v = key === "r" ? "right" : "wrong";
      judgeHit(Number(m.dataset.hit), v, m);
    } else if (key === "s") {
      chooseSentence(h.sentence_index);
      $("coder-h").focus();
    } else return;
    e.preventDefault();
  });
  // Text selected with the pointer: code the sentence it starts in.
  text.addEventListener("mouseup", () => {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.anchorNode) return;
    const n = sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement;
    const s = n && n.closest(".sentence");
    if (s) chooseSentence(Number(s.dataset.sentence));
  });
  $("export-json").addEventListener("click", () => {
    if (current) download(JSON.stringify(current.result.audit, null, 2) + "\n", stem(current.name) + ".audit.json", "application/json");
  });
  $("export-csv").addEventListener("click", () => {
    if (current) download(hitsCsv(), stem(current.name) + ".hits.csv", "text/csv");
  });
  $("export-sheet").addEventListener("click", () => {
    if (current && marksCount()) download(codingSheet(), stem(current.name) + ".coding.csv", "text/csv");
  });
  $("print").addEventListener("click", () => window.print());
  $("export-html").addEventListener("click", async () => {
    if (!current) return;
    try {
      const html = await audit(current.blob, current.name, "html");
      download(html, stem(current.name) + ".audit.html", "text/html");
    } catch (e) {
      status("Export failed: " + e.message, true);
    }
  });
});
