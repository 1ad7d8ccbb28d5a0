// Drive `framewatch serve`'s page in headless Chromium over the DevTools
// protocol: paste text, read it, point at a highlight, record every
// request the page makes, screenshot. Run by tests/serve.rs as
//   node --experimental-websocket serve_page.mjs URL OUT.png PROFILE_DIR
// and prints what it saw as JSON.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
const url = process.argv[2];
const out = process.argv[3];
const profile = process.argv[4];
const chrome = spawn("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", "--window-size=1200,1400", "--user-data-dir=" + profile, "about:blank"], { stdio: "ignore" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let targets;
for (let i = 0; i < 50; i++) {
  try {
    const port = readFileSync(profile + "/DevToolsActivePort", "utf8").split("\n")[0];
    targets = await (await fetch("http://127.0.0.1:" + port + "/json/list")).json();
    break;
  } catch { await sleep(200); }
}
const page = targets.find((t) => t.type === "page");
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r));
let id = 0; const pending = new Map(); const requests = [];
ws.addEventListener("message", (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  if (msg.method === "Network.requestWillBeSent") requests.push(msg.params.request.url);
});
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
const evaluate = async (expr) => (await send("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true })).result.result.value;
await send("Network.enable"); await send("Page.enable");
await send("Page.navigate", { url });
await sleep(1500);
await evaluate(`document.getElementById("paste-box").open = true; document.getElementById("paste").value = "Welfare dependency is a lifestyle choice, the minister said. Low pay and benefit cuts push families into poverty. It is not true that the poor are workshy."; document.getElementById("paste-go").click(); 1`);
await sleep(3000);
const marks = await evaluate(`document.querySelectorAll("#text mark").length`);
await evaluate(`document.querySelector("#text mark").dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); 1`);
await sleep(300);
const detail = await evaluate(`document.getElementById("detail").innerText`);
const shown = `document.querySelectorAll("#text mark:not(.off)").length`;
await evaluate(`document.getElementById("show-category-behavioural").click(); 1`);
const withoutBehavioural = await evaluate(shown);
await evaluate(`document.getElementById("show-category-behavioural").click(); 1`);
const afterReset = await evaluate(shown);
const status = await evaluate(`document.getElementById("status").innerText`);
const shot = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
writeFileSync(out, Buffer.from(shot.result.data, "base64"));
console.log(JSON.stringify({ marks, withoutBehavioural, afterReset, status, detail, requests }, null, 1));
ws.close(); chrome.kill();
