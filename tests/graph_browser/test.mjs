// Headless Chromium checks of `djsa graph` output (run by scripts/test-graph-browser.sh):
//  1. docs/graph/bookshop.svg, served over local HTTP, shows every concrete model of
//     examples/bookshop as rendered text (non-zero box, inside the page, not covered), and its
//     screenshot (target/graph-screenshot.png) is not blank;
//  2. the Mermaid output of the example and of tests/graph_fixtures/shared_drift (files given in
//     DJSA_GRAPH_MERMAID, one per line) renders with the real Mermaid library without a syntax
//     error and shows every entity.
// Exits non-zero on any failure.
import { createServer } from "node:http";
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join, dirname, extname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
let failures = 0;
const fail = (msg) => {
  failures += 1;
  console.error(`FAIL: ${msg}`);
};

// The concrete models of the example, read from its source (independent of djsa): every
// `class X(...)` in <app>/models.py whose body does not say `abstract = True`.
function exampleModels() {
  const base = join(root, "examples", "bookshop");
  const out = [];
  for (const app of readdirSync(base)) {
    const file = join(base, app, "models.py");
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const parts = text.split(/^class /m).slice(1);
    for (const part of parts) {
      const name = part.match(/^(\w+)\s*\(/)?.[1];
      if (!name || /^\s+abstract\s*=\s*True/m.test(part)) continue;
      out.push(`${app}.${name}`);
    }
  }
  return out;
}

const types = { ".svg": "image/svg+xml", ".html": "text/html", ".js": "text/javascript" };
function serve(files) {
  const server = createServer((req, res) => {
    const path = files[decodeURIComponent((req.url || "/").split("?")[0])];
    if (!path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[extname(path)] || "application/octet-stream" });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const models = exampleModels();
if (models.length < 5) fail(`expected the example's models, found ${models.join(", ")}`);
console.log(`models of the example: ${models.join(", ")}`);

const work = mkdtempSync(join(tmpdir(), "djsa-graph-"));
const mermaidFiles = (process.env.DJSA_GRAPH_MERMAID || "").split("\n").filter(Boolean);
const files = {
  "/bookshop.svg": join(root, "docs", "graph", "bookshop.svg"),
  "/mermaid.min.js": join(here, "node_modules", "mermaid", "dist", "mermaid.min.js"),
};
mermaidFiles.forEach((f, i) => {
  const page = join(work, `mermaid-${i}.html`);
  writeFileSync(
    page,
    `<!doctype html><html><body>
<script src="/mermaid.min.js"></script>
<script>
  window.result = null;
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  fetch("/source-${i}.mmd").then((r) => r.text()).then(async (text) => {
    try {
      await mermaid.parse(text);
      const { svg } = await mermaid.render("graph", text);
      document.body.insertAdjacentHTML("beforeend", svg);
      window.result = { ok: true };
    } catch (e) {
      window.result = { ok: false, error: String(e && e.message || e) };
    }
  });
</script></body></html>`,
  );
  files[`/mermaid-${i}.html`] = page;
  files[`/source-${i}.mmd`] = f;
});

const server = await serve(files);
const origin = `http://127.0.0.1:${server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), "djsa-chromium-"));
// A fresh profile directory: Playwright passes it to Chromium as --user-data-dir.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1600, height: 1000 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  // 1. The checked-in SVG.
  const page = await browser.newPage();
  const resp = await page.goto(`${origin}/bookshop.svg`);
  if (!resp || resp.status() !== 200) fail(`bookshop.svg: HTTP ${resp && resp.status()}`);
  // The whole drawing in the viewport, so every point of it can be hit-tested.
  const size = await page.evaluate(() => {
    const svg = document.documentElement;
    return { width: Math.ceil(svg.width.baseVal.value), height: Math.ceil(svg.height.baseVal.value) };
  });
  if (!(size.width > 0 && size.height > 0)) fail(`bookshop.svg has no size: ${JSON.stringify(size)}`);
  await page.setViewportSize(size);
  const found = await page.evaluate((names) => {
    const svg = document.documentElement;
    const w = Math.max(svg.scrollWidth, svg.getBoundingClientRect().width);
    const h = Math.max(svg.scrollHeight, svg.getBoundingClientRect().height);
    return names.map((name) => {
      const el = [...document.querySelectorAll("text")].find((t) => t.textContent === name);
      if (!el) return { name, ok: false, why: "no text element" };
      const r = el.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) return { name, ok: false, why: "empty box" };
      if (r.left < 0 || r.top < 0 || r.right > w + 1 || r.bottom > h + 1) {
        return { name, ok: false, why: `outside the page: ${JSON.stringify(r)}` };
      }
      // Not covered by another element: the topmost element at the text's centre is the text.
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (top !== el) return { name, ok: false, why: `covered by <${top && top.tagName}>` };
      return { name, ok: true, box: [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)] };
    });
  }, models);
  for (const f of found) {
    if (f.ok) console.log(`ok: ${f.name} rendered at ${f.box.join(",")}`);
    else fail(`${f.name}: ${f.why}`);
  }
  const shot = join(root, "target", "graph-screenshot.png");
  const png = await page.screenshot({ path: shot });
  // Not blank: decode the screenshot in the page and count colours and non-white pixels.
  const stats = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElementNS("http://www.w3.org/1999/xhtml", "canvas");
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (d[i] + d[i + 1] + d[i + 2] < 600) ink += 1;
    }
    return { width: c.width, height: c.height, colours: colours.size, ink: ink / (d.length / 4) };
  }, png.toString("base64"));
  console.log(`screenshot ${shot}: ${stats.width}x${stats.height}, ${stats.colours} colours, ${(stats.ink * 100).toFixed(1)}% ink`);
  if (stats.colours < 16 || stats.ink < 0.02) fail(`the screenshot looks blank: ${JSON.stringify(stats)}`);

  // 2. Mermaid output renders.
  for (let i = 0; i < mermaidFiles.length; i++) {
    const text = readFileSync(mermaidFiles[i], "utf8");
    const titles = [...text.matchAll(/^ {4}\w+\["([^"]+)"\]/gm)].map((m) => m[1]);
    const mp = await browser.newPage();
    await mp.goto(`${origin}/mermaid-${i}.html`);
    await mp.waitForFunction(() => window.result !== null, null, { timeout: 30000 });
    const result = await mp.evaluate(() => window.result);
    if (!result.ok) {
      fail(`${mermaidFiles[i]}: Mermaid error: ${result.error}`);
      continue;
    }
    const shown = await mp.evaluate(() => [...document.querySelectorAll("svg text, svg foreignObject")].map((t) => t.textContent.trim()));
    if (shown.some((s) => /syntax error/i.test(s))) fail(`${mermaidFiles[i]}: Mermaid shows a syntax error`);
    const missing = titles.filter((t) => !shown.some((s) => s.includes(t)));
    if (titles.length === 0 || missing.length) fail(`${mermaidFiles[i]}: entities not rendered: ${missing.join(", ") || "(none found)"}`);
    else console.log(`ok: ${mermaidFiles[i]} renders with Mermaid (${titles.length} entities)`);
    await mp.screenshot({ path: join(root, "target", `graph-mermaid-${i}.png`), fullPage: true });
    await mp.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log("graph browser test: all checks passed");
