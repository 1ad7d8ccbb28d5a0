// Drive `framewatch serve`'s page in headless Chromium over the DevTools
// protocol, as a campaigner would use it: choose a PDF, read its
// highlights and page markers, open an explanation, filter, mark hits
// right and wrong and code a sentence the tool missed, download the
// coding sheet, the hits CSV and the HTML audit, screenshot at 1200 and
// 375 pixels wide, measure text contrast and focus outlines, then drop a
// DOCX and a hostile HTML file and paste text. Records every request the
// page makes. Run by tests/serve.rs as
//   node --experimental-websocket serve_page.mjs URL OUT_DIR PROFILE_DIR FIXTURES_DIR
// and prints what it saw as JSON; downloads land in OUT_DIR/downloads,
// screenshots in OUT_DIR/page-1200.png and OUT_DIR/page-375.png.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync } from "node:fs";

const [url, outDir, profile, fixtures] = process.argv.slice(2);
const downloads = outDir + "/downloads";
mkdirSync(downloads, { recursive: true });
const chrome = spawn("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", "--window-size=1200,1400", "--user-data-dir=" + profile, "about:blank"], { stdio: "ignore" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seen = {};
const fail = (msg) => { seen.error = msg; finish(); };
function finish() {
  console.log(JSON.stringify(seen, null, 1));
  try { ws.close(); } catch { /* closed */ }
  chrome.kill();
  process.exit(0);
}
setTimeout(() => fail("timed out"), 120000).unref();

let targets;
for (let i = 0; i < 100 && !targets; i++) {
  try {
    const port = readFileSync(profile + "/DevToolsActivePort", "utf8").split("\n")[0];
    targets = await (await fetch("http://127.0.0.1:" + port + "/json/list")).json();
  } catch { await sleep(200); }
}
const page = targets.find((t) => t.type === "page");
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r));
let id = 0;
const pending = new Map();
const requests = [];
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
ws.addEventListener("message", (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  if (msg.method === "Network.requestWillBeSent") requests.push(msg.params.request.url);
  // Reading another document asks before dropping the marks: yes.
  if (msg.method === "Page.javascriptDialogOpening") {
    seen.dialogs = (seen.dialogs || 0) + 1;
    send("Page.handleJavaScriptDialog", { accept: true });
  }
});
const evaluate = async (expr) => {
  const r = await send("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true });
  if (r.result.exceptionDetails) fail("page script failed: " + JSON.stringify(r.result.exceptionDetails) + " in " + expr);
  return r.result.result.value;
};
const until = async (what, expr) => {
  for (let i = 0; i < 150; i++) {
    const v = await evaluate(expr);
    if (v) return v;
    await sleep(100);
  }
  fail("waited in vain for " + what);
};
const downloaded = async (name) => {
  for (let i = 0; i < 100; i++) {
    const f = downloads + "/" + name;
    if (readdirSync(downloads).includes(name) && existsSync(f)) {
      await sleep(200);
      return readFileSync(f, "utf8");
    }
    await sleep(100);
  }
  fail("no download " + name + " (have " + readdirSync(downloads).join(", ") + ")");
};
const key = async (k, code) => {
  for (const type of ["keyDown", "keyUp"]) {
    await send("Input.dispatchKeyEvent", { type, key: k, code, windowsVirtualKeyCode: k === "Tab" ? 9 : k.toUpperCase().charCodeAt(0), text: type === "keyDown" && k.length === 1 ? k : undefined });
  }
};
const status = `document.getElementById("status").innerText`;

await send("Network.enable");
await send("Page.enable");
// Focus events as in a window the user is looking at.
await send("Emulation.setFocusEmulationEnabled", { enabled: true });
const dl = await send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
if (dl.error) await send("Page.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
await send("Page.navigate", { url });
await until("the page", `document.readyState === "complete" && !!document.getElementById("file")`);

// 1. Choose the PDF with the file input.
const doc = (await send("DOM.getDocument")).result.root.nodeId;
const input = (await send("DOM.querySelector", { nodeId: doc, selector: "#file" })).result.nodeId;
await send("DOM.setFileInputFiles", { nodeId: input, files: [fixtures + "/mixed/policy-paper.pdf"] });
seen.pdfStatus = await until("the PDF read", `${status}.startsWith("Read policy-paper.pdf") && ${status}`);
seen.pdfMarks = await evaluate(`document.querySelectorAll("#text mark").length`);
seen.pageMarkers = await evaluate(`[...document.querySelectorAll("#text .page")].map((p) => p.textContent)`);
seen.references = await evaluate(`document.getElementById("references").innerText`);
// 2. An explanation: focus a behavioural highlight on page 2.
await evaluate(`document.querySelector("#text mark.behavioural").focus(); 1`);
seen.detail = await evaluate(`document.getElementById("detail").innerText`);
seen.markTitle = await evaluate(`document.querySelector("#text mark.behavioural").title`);
// 3. Filter: untick behavioural, then tick it again.
const shown = `document.querySelectorAll("#text mark:not(.off)").length`;
await evaluate(`document.getElementById("show-category-behavioural").click(); 1`);
seen.withoutBehavioural = await evaluate(shown);
seen.behaviouralTabbable = await evaluate(`[...document.querySelectorAll("#text mark.behavioural")].filter((m) => m.tabIndex >= 0).length`);
await evaluate(`document.getElementById("show-category-behavioural").click(); 1`);
seen.afterReset = await evaluate(shown);
// 4. Disagree: W on the focused behavioural highlight marks it wrong
// (keyboard), the Right button marks a structural one right (pointer),
// and the first sentence, with no highlight, is coded structural
// endorsed.
await evaluate(`document.querySelector("#text mark.behavioural").focus(); 1`);
await key("w", "KeyW");
seen.wrongMarked = await evaluate(`document.querySelectorAll("#text mark.wrong").length`);
await evaluate(`const m = document.querySelector("#text mark.structural.endorsed"); m.click(); m.focus(); [...document.querySelectorAll("#detail button")].find((b) => b.textContent === "Right").click(); 1`);
seen.rightMarked = await evaluate(`document.querySelectorAll("#text mark.right").length`);
await evaluate(`document.querySelector('#text .sentence[data-sentence="1"]').click(); 1`);
seen.coderHeading = await evaluate(`document.getElementById("coder-h").textContent`);
await evaluate(`const s = document.getElementById("code-structural"); s.value = "endorsed"; s.dispatchEvent(new Event("change")); document.getElementById("coder-name").value = "test-reader"; 1`);
seen.marks = await evaluate(`document.getElementById("marks").innerText`);
await evaluate(`document.getElementById("export-sheet").click(); 1`);
seen.sheet = await downloaded("policy-paper.coding.csv");
// 5. Exports: the HTML audit and the hits as CSV.
await evaluate(`document.getElementById("export-html").click(); 1`);
seen.auditHtml = (await downloaded("policy-paper.audit.html")).slice(0, 2000);
await evaluate(`document.getElementById("export-csv").click(); 1`);
seen.hitsCsv = await downloaded("policy-paper.hits.csv");
seen.printButton = await evaluate(`!!document.getElementById("print")`);
// Print: the controls go, the text and summary stay.
await send("Emulation.setEmulatedMedia", { media: "print" });
seen.print = await evaluate(`Object.fromEntries(["input", "actions", "disagree", "detail", "text", "summary", "references"].map((id) => [id, getComputedStyle(document.getElementById(id)).display !== "none"]))`);
await send("Emulation.setEmulatedMedia", { media: "" });

// 6. Every text colour against what is behind it (WCAG AA: 4.5:1), and a
// visible focus outline on every control once the keyboard is in use.
const contrast = `(() => {
  const parse = (c) => {
    let m = c.match(/^rgba?\\(([^)]+)\\)/);
    if (m) { const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [v[0] / 255, v[1] / 255, v[2] / 255, v.length > 3 ? v[3] : 1]; }
    m = c.match(/^color\\(srgb ([^)]+)\\)/);
    if (m) { const v = m[1].split(/[ \\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; }
    return null;
  };
  const over = (top, under) => top.slice(0, 3).map((x, i) => x * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (e) => {
    const layers = [];
    for (let n = e; n; n = n.parentElement) {
      const b = parse(getComputedStyle(n).backgroundColor);
      if (b && b[3] > 0) { layers.push(b); if (b[3] >= 1) break; }
    }
    let c = [1, 1, 1, 1];
    for (const l of layers.reverse()) c = over(l, c);
    return c;
  };
  const lum = (c) => { const f = (x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4); return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const out = { checked: 0, unparsed: [], low: [], min: 99 };
  for (const e of document.querySelectorAll("body *")) {
    if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (!e.getClientRects().length || e.disabled) continue;
    const s = getComputedStyle(e);
    const fg = parse(s.color);
    if (!fg) { out.unparsed.push(s.color); continue; }
    const bg = background(e);
    const r = ratio(over(fg, bg), bg);
    out.checked++;
    out.min = Math.min(out.min, r);
    if (r < 4.5) out.low.push(e.tagName + "." + e.className + " " + s.color + " on " + bg.map((x) => x.toFixed(2)).join(",") + " = " + r.toFixed(2));
  }
  return out;
})()`;
seen.contrast = await evaluate(contrast);
await evaluate(`document.querySelector("#text mark.structural").focus(); 1`);
await key("Tab", "Tab");
seen.focus = await evaluate(`(() => {
  const missing = [];
  // Highlights first: focusing one redraws the explanation's buttons.
  const visible = (sel) => [...document.querySelectorAll(sel)].filter((e) => (e.getClientRects().length || e.id === "file") && !e.closest("details:not([open])"));
  const marks = visible("#text mark");
  for (const m of marks) {
    m.focus();
    const s = getComputedStyle(m);
    if (document.activeElement !== m || s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) missing.push("mark " + m.textContent);
  }
  const controls = visible("button:not(:disabled), select, input, summary");
  for (const c of controls) {
    c.focus();
    const shown = c.id === "file" ? document.querySelector("label[for=file]") : c;
    const s = getComputedStyle(shown);
    if (document.activeElement !== c || s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) missing.push(c.id || c.textContent);
  }
  return { controls: controls.length + marks.length, missing };
})()`);
await evaluate(`document.activeElement.blur(); window.scrollTo(0, 0); 1`);

// 7. Screenshots: 1200 pixels wide, then 375 (no sideways scrolling).
await evaluate(`document.querySelector("#text mark.behavioural").dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); document.querySelector("#text mark.behavioural").focus(); 1`);
let shot = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
writeFileSync(outDir + "/page-1200.png", Buffer.from(shot.result.data, "base64"));
await send("Emulation.setDeviceMetricsOverride", { width: 375, height: 800, deviceScaleFactor: 1, mobile: true });
await sleep(500);
await evaluate(`document.getElementById("text-h").scrollIntoView(); 1`);
seen.narrow = await evaluate(`({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth, wide: [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 376 && !e.closest(".scroll")).map((e) => e.tagName + "#" + e.id + "." + e.className).slice(0, 10) })`);
seen.contrastNarrow = await evaluate(contrast);
shot = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: false });
writeFileSync(outDir + "/page-375.png", Buffer.from(shot.result.data, "base64"));
await send("Emulation.clearDeviceMetricsOverride");

// 8. Drop a DOCX on the drop zone (a drop event carrying the file).
const drop = async (name, bytes, type) => evaluate(`(() => {
  const b = Uint8Array.from(atob(${JSON.stringify(Buffer.from(bytes).toString("base64"))}), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([b], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }));
  document.getElementById("drop").dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
  return 1;
})()`);
await drop("consultation-response.docx", readFileSync(fixtures + "/mixed/consultation-response.docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
seen.docxStatus = await until("the DOCX read", `${status}.startsWith("Read consultation-response.docx") && ${status}`);
seen.docxMarks = await evaluate(`document.querySelectorAll("#text mark").length`);
seen.docxPageMarkers = await evaluate(`document.querySelectorAll("#text .page").length`);
seen.marksAfterDocx = await evaluate(`document.getElementById("marks").innerText`);

// 9. A hostile HTML document: its scripts and handlers must stay text.
const hostile = `<html><head><title>x</title></head><body>
<p>Welfare dependency is a lifestyle choice &lt;img src=x onerror="document.title='pwned-text'"&gt; and &lt;script&gt;document.title='pwned-escaped'&lt;/script&gt;.</p>
<img src="x" onerror="document.title='pwned-img'"><script>document.title='pwned-script'</script>
<p onmouseover="document.title='pwned-attr'">Low pay keeps families poor.</p></body></html>`;
const title = await evaluate(`document.title`);
await drop("hostile.html", Buffer.from(hostile), "text/html");
seen.hostileStatus = await until("the HTML read", `${status}.startsWith("Read hostile.html") && ${status}`);
await sleep(500);
seen.hostile = await evaluate(`({
  titleKept: document.title === ${JSON.stringify(title)},
  images: document.images.length,
  scripts: [...document.scripts].map((s) => s.getAttribute("src")),
  handlers: [...document.querySelectorAll("#text *")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
  text: document.getElementById("text").innerText,
  marks: document.querySelectorAll("#text mark").length,
})`);

// 10. Paste text.
await evaluate(`document.getElementById("paste-box").open = true; document.getElementById("paste").value = "Welfare dependency is a lifestyle choice, the minister said. Low pay and benefit cuts push families into poverty. It is not true that the poor are workshy."; document.getElementById("paste-go").click(); 1`);
seen.pasteStatus = await until("the pasted text read", `${status}.startsWith("Read pasted.txt") && ${status}`);
seen.pasteMarks = await evaluate(`document.querySelectorAll("#text mark").length`);
seen.pastePageMarkers = await evaluate(`document.querySelectorAll("#text .page").length`);
seen.requests = requests;
finish();
