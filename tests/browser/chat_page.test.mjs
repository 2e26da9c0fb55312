// End-to-end test of the web chat page in headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core): start `slim serve`, open "/", type a message, and see the answer stream
// in (several visible updates), the tokens/s line, and no request leaving the server's origin.
//
//   node tests/browser/chat_page.test.mjs --slim build/bin/slim --shared ../shared
//
// Exits non-zero with a reason on any failure; nothing is skipped (a missing Chromium or
// missing node_modules is a failure: run scripts/install-deps.sh and
// scripts/install-browser-deps.sh).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import readline from "node:readline";

const require = createRequire(import.meta.url);

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function fail(msg) {
  console.error("FAIL: " + msg);
  process.exit(1);
}

const slim = arg("--slim");
const shared = arg("--shared");
const chromiumPath = arg("--chromium", "/usr/bin/chromium");
if (!slim || !shared) fail("usage: chat_page.test.mjs --slim BIN --shared DIR");
if (!existsSync(chromiumPath)) fail(`${chromiumPath} not found: run scripts/install-deps.sh`);
let chromium;
try {
  ({ chromium } = require("playwright-core"));
} catch (e) {
  fail("playwright-core is not installed: run scripts/install-browser-deps.sh (" + e.message + ")");
}

const model = path.join(shared, "models/stories260K/stories260K.gguf");
const server = spawn(slim, ["serve", "-m", model, "--port", "0", "-t", "2"], {
  stdio: ["ignore", "ignore", "pipe"],
});
const serverLog = [];
const port = await new Promise((resolve, reject) => {
  const rl = readline.createInterface({ input: server.stderr });
  const timer = setTimeout(() => reject(new Error("no 'listening on' line in 20 s")), 20000);
  rl.on("line", (line) => {
    serverLog.push(line);
    const m = line.match(/listening on http:\/\/[0-9.]+:(\d+)/);
    if (m) {
      clearTimeout(timer);
      resolve(Number(m[1]));
    }
  });
  server.on("exit", (code) => reject(new Error(`slim serve exited ${code}: ${serverLog.join("\n")}`)));
}).catch((e) => fail(e.message));
const origin = `http://127.0.0.1:${port}`;

async function waitReady() {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(origin + "/health");
      if (r.status === 200) return;
    } catch (e) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  fail("server never became ready");
}

let browser;
let exitCode = 0;
try {
  await waitReady();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  const foreign = [];
  const consoleErrors = [];
  page.on("request", (req) => {
    if (!req.url().startsWith(origin)) foreign.push(req.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));

  await page.goto(origin + "/", { waitUntil: "load" });
  await page.waitForFunction(() => document.getElementById("model").textContent.includes("stories260K"),
                             null, { timeout: 10000 });
  // Count how often the assistant's bubble changes while the answer streams in.
  await page.evaluate(() => {
    window.__updates = 0;
    // Records, not callbacks: a fast model's pieces may arrive in one network read, and the
    // observer batches the mutations of one task into one callback.
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (el && el.classList.contains("assistant")) window.__updates++;
      }
    }).observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
  });
  await page.fill("#max_tokens", "60");
  await page.fill("#temperature", "0.8");
  await page.fill("#prompt", "Tell me a story about a cat");
  await page.click("#send");
  await page.waitForSelector(".msg.assistant[data-done='true'], .msg.error[data-done='true']",
                             { timeout: 60000 });
  const result = await page.evaluate(() => ({
    user: document.querySelector(".msg.user").textContent,
    answer: (document.querySelector(".msg.assistant") || {}).textContent,
    error: (document.querySelector(".msg.error") || {}).textContent,
    stats: document.getElementById("stats").textContent,
    updates: window.__updates,
    prompt: document.getElementById("prompt").value,
  }));
  if (result.error) fail("the page shows an error: " + result.error);
  if (result.user !== "Tell me a story about a cat") fail("user message not shown: " + result.user);
  if (!result.answer || result.answer.trim().length < 10) fail("no answer: " + JSON.stringify(result));
  if (result.updates < 5) fail(`the answer arrived in ${result.updates} updates: not streamed`);
  if (!/\d+ tokens · [\d.]+ tokens\/s/.test(result.stats)) fail("no tokens/s line: " + result.stats);
  if (result.prompt !== "") fail("the input was not cleared");
  // A second turn carries the history (the server sees both messages).
  await page.fill("#prompt", "And then?");
  await page.press("#prompt", "Enter");
  await page.waitForFunction(() => document.querySelectorAll(".msg.assistant[data-done='true']").length === 2,
                             null, { timeout: 60000 });
  if (foreign.length) fail("the page requested other origins: " + foreign.join(", "));
  if (consoleErrors.length) fail("console errors: " + consoleErrors.join(" | "));
  console.log(`ok: chat page streamed ${result.updates} updates; ${result.stats}`);
} catch (e) {
  console.error("FAIL: " + (e && e.stack ? e.stack : e));
  console.error("server log:\n" + serverLog.join("\n"));
  exitCode = 1;
} finally {
  if (browser) await browser.close();
  server.kill("SIGTERM");
}
process.exit(exitCode);
