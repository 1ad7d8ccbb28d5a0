// framewatch serve: the page's script. Document text is only ever set as
// text (textContent), never parsed as markup.
"use strict";

// Okabe–Ito: behavioural and structural keep vermillion and blue, other
// categories take the rest in order.
const PALETTE = ["#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const FIXED = { behavioural: "#D55E00", structural: "#0072B2" };
const STANCE_WORDS = {
  endorsed: "endorsed (the text frames it so)",
  negated: "negated (the text denies it)",
  distanced: "distanced (quoted or attributed to someone else)",
  "no-context": "not counted: the context an entry needs is missing",
};

let current = null; // { bytes: Blob, name, result }

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
  status("Reading " + name + "…");
  $("result").hidden = true;
  try {
    const result = await audit(blob, name, "page");
    current = { blob, name, result };
    render(result);
    const w = result.warnings.length ? " (" + result.warnings.join("; ") + ")" : "";
    status("Read " + name + ": " + result.audit.hits.length + " framings found" + w + ".");
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

function render(result) {
  const a = result.audit;
  const col = colours(a);
  // Highlights by byte offsets into the UTF-8 text.
  const bytes = new TextEncoder().encode(result.text);
  const dec = new TextDecoder();
  const pre = $("text");
  pre.replaceChildren();
  const hits = a.hits.map((h, i) => [h, i]).sort((x, y) => x[0].byte_start - y[0].byte_start || x[1] - y[1]);
  let at = 0;
  for (const [h, i] of hits) {
    if (h.byte_start < at) continue; // overlapping hit: the first one shown
    pre.append(dec.decode(bytes.subarray(at, h.byte_start)));
    const m = el("mark", {
      className: h.category + " " + stanceOf(h),
      tabIndex: 0,
      textContent: dec.decode(bytes.subarray(h.byte_start, h.byte_end)),
    });
    m.dataset.hit = i;
    m.style.setProperty("--c", col[h.category] || "#000000");
    m.setAttribute("aria-label", h.surface + ": " + h.category + ", " + stanceOf(h));
    pre.append(m);
    at = h.byte_end;
  }
  pre.append(dec.decode(bytes.subarray(at)));
  renderSummary(a, col);
  renderModel(a);
  $("detail").replaceChildren(el("p", { textContent: "No highlight selected." }));
  $("result").hidden = false;
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
  t.append(el("tr", {}, cell("th", "category"), cell("th", "endorsed"), cell("th", "negated"), cell("th", "distanced"), cell("th", "not counted"), cell("th", "per 10k words")));
  for (const [c, n] of Object.entries(s.categories)) {
    const name = el("td", {}, el("span", { className: "swatch" }), c);
    name.firstChild.style.setProperty("--c", col[c]);
    t.append(el("tr", {}, name, cell("td", n.endorsed), cell("td", n.negated), cell("td", n.distanced), cell("td", n.no_context), cell("td", fmt(n.rate_per_10k, 1))));
  }
  const share = el("p", {}, "Behavioural share ", el("b", { textContent: fmt(s.share, 2) }),
    " · balance ", el("b", { textContent: fmt(s.balance, 2) }),
    " (endorsed hits only; balance −1 is all structural, +1 all behavioural).");
  const doc = el("p", { className: "muted", textContent: a.document.tokens + " words, " + a.document.sentences + " sentences · lexicon " + a.lexicon.name + " " + a.lexicon.version });
  const subs = el("ul");
  for (const [sf, n] of Object.entries(s.subframes)) {
    if (n.endorsed + n.negated + n.distanced > 0) {
      subs.append(el("li", { textContent: sf + ": " + n.endorsed + " endorsed, " + n.negated + " negated, " + n.distanced + " distanced" }));
    }
  }
  $("summary").replaceChildren(doc, el("div", { className: "scroll" }, t), share, el("h4", { textContent: "Sub-frames" }), subs);
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
      ol.append(el("li", { textContent: "line " + s.line + ": " + s.sentence + " (" + s.lexicon_missed.join(", ") + ")" }));
    }
    parts.push(ol);
  }
  box.replaceChildren(...parts);
}

function showHit(mark) {
  if (!current || !mark || mark.dataset.hit === undefined) return;
  const h = current.result.audit.hits[Number(mark.dataset.hit)];
  for (const m of document.querySelectorAll("mark.active")) m.classList.remove("active");
  mark.classList.add("active");
  const dl = el("dl");
  const row = (k, v) => dl.append(cell("dt", k), cell("dd", v));
  row("Words", h.surface);
  row("Entry", h.entry + " (lexicon line " + h.entry_line + ")");
  row("Framing", h.category + " · " + h.subframe);
  row("Stance", STANCE_WORDS[stanceOf(h)] || stanceOf(h));
  if (h.stance_rule) row("Rule", h.stance_rule);
  if (h.model) row("Model", h.model.label + ", p(endorsed) " + fmt(h.model.p_endorsed, 2));
  row("Where", "line " + h.line + ", column " + h.column);
  $("detail").replaceChildren(dl);
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
  text.addEventListener("mouseover", (e) => { if (e.target.tagName === "MARK") showHit(e.target); });
  text.addEventListener("focusin", (e) => { if (e.target.tagName === "MARK") showHit(e.target); });
  $("export-json").addEventListener("click", () => {
    if (current) download(JSON.stringify(current.result.audit, null, 2) + "\n", stem(current.name) + ".audit.json", "application/json");
  });
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
