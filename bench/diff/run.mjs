#!/usr/bin/env node
// Re-render benchmark: one click that changes one row of a list of 100, 1,000
// and 10,000 rows, re-rendered as a `patch` frame (the server's diff, the
// default) vs as a whole `render` frame morphed by idiomorph (what every
// re-render was before patches; Server::setPatchesEnabled(false)), in real
// headless Chromium against the real server and web client. Plus the
// server's cost of one re-render of the seed's chat template when one
// message is added to 100, 1,000 and 10,000.
//
//   /opt/node18/bin/node bench/diff/run.mjs [--build DIR] [--no-build]
//        [--clicks N] [--sizes 100,1000,10000] [--json FILE]
//
// --build     the CMake build directory (default build-bench; configured
//             with RILL_BUILD_BENCH=ON). run.mjs builds rill-bench-diff there
//             (cmake --build DIR --target rill-bench-diff) unless --no-build.
// --clicks    measured clicks per page (default 9, after 2 warm-up clicks;
//             a page whose clicks take seconds gets no warm-up and stops
//             after 30 s once 2 clicks were measured: the table says so).
//
// rill-bench-diff (bench/diff/server.cpp) runs two servers in one process:
// one with patches (the default), one with Server::setPatchesEnabled(false);
// both serve ListView at /list?n=N&keyed=0|1: a button and N rows
// (`<li>` with three spans), without ids, or with a dj-key each (keyed=1).
// A click on the button changes the middle row (its count and its class).
//
// Measured in the page (an init script, before the client loads; the client
// is not changed): the click's time (capturing listener on window), each
// WebSocket message's arrival (a listener added in the WebSocket constructor,
// so it runs before the client's), and for each message the end of the
// rendering update in which the client applied it: the client applies frames
// in the next animation frame, so the probe asks for that same frame
// (requestAnimationFrame) and from its callback posts a MessageChannel
// message, which runs once that frame's callbacks, style, layout and paint
// are done. Time = click -> that point for the re-render's frame; bytes = the
// re-render's frames (patch/render, not the reply) as UTF-8 payload plus the
// WebSocket frame header. The patch's time is split at the frame's arrival
// (before: server and socket; after: waiting for the animation frame, the
// client's apply, style, layout, paint); "floor" is the same change made by
// hand in an animation frame (no Rill), to the end of that frame. Long
// tasks (PerformanceObserver) between the click and that point are counted.
// Each figure is the median over the clicks; for each size the patch page
// runs, then the whole page, each in a fresh browser context.
//
// Prints two tables (browser: bytes, ms; server: µs, bytes per re-render),
// ratios after/before, and a last line against the goal
// (<= 2 KB and <= 50 ms for one changed row at 10,000 rows).
// Exit status non-zero if a re-render did not show in the page.
// See docs/benchmarks.md ("Re-renders").

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { chromium } = await import(pathToFileURL(path.join(root, 'webclient/node_modules/playwright-core/index.mjs')).href);

function parseArgs(argv) {
  const a = { build: 'build-bench', doBuild: true, clicks: 9, sizes: [100, 1000, 10000], json: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--build') a.build = v();
    else if (k === '--no-build') a.doBuild = false;
    else if (k === '--clicks') a.clicks = Math.max(1, parseInt(v(), 10));
    else if (k === '--sizes') a.sizes = v().split(',').map((s) => parseInt(s, 10));
    else if (k === '--json') a.json = v();
    else if (k === '-h' || k === '--help') {
      const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      console.log(src.slice(1, src.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const buildDir = path.resolve(root, args.build);
const bin = path.join(buildDir, 'bin', 'rill-bench-diff');

// Whatever happens, nothing is left running.
const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (e) { /* already gone */ }
  }
}
const deadline = setTimeout(async () => {
  console.error('run.mjs: gave up after 900 s');
  await cleanup();
  process.exit(2);
}, 900_000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

// ---- helpers -------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// A server-to-client WebSocket frame: 2 header bytes, +2 from 126, +8 from 65,536.
const PAGE_BUDGET_MS = 30_000;
const CLICK_TIMEOUT_MS = 180_000;
const wsHeader = (n) => (n < 126 ? 2 : n < 65536 ? 4 : 10);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const fmtBytes = (n) => (n < 10240 ? `${fmtInt(n)} B` : `${(n / 1024).toFixed(n < 102400 ? 1 : 0)} KiB`);
const ratio = (a, b) => (a / b < 0.01 ? (a / b).toExponential(1) : (a / b).toFixed(a / b < 0.1 ? 3 : 2));

// ---- the page probe -------------------------------------------------------------

const PROBE = `(() => {
  const B = (window.__bench = { clicks: [], frames: [], longtasks: [] });
  addEventListener('click', () => B.clicks.push(performance.now()), true);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.startTime + e.duration]);
    }).observe({ type: 'longtask' });
  } catch (e) { /* no long task timing */ }
  const Native = WebSocket;
  window.WebSocket = class extends Native {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (m) => {
        const f = { t: performance.now(), data: m.data };
        B.frames.push(f);
        requestAnimationFrame(() => {
          f.raf = performance.now();
          const ch = new MessageChannel();
          ch.port1.onmessage = () => { f.done = performance.now(); };
          ch.port2.postMessage(null);
        });
      });
    }
  };
})();`;

// ---- one page: warm-up and measured clicks ----------------------------------------

async function measurePage(browser, port, n, keyed, clicks) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  try {
    await page.addInitScript(PROBE);
    await page.goto(`http://127.0.0.1:${port}/list?n=${n}&keyed=${keyed ? 1 : 0}`, { timeout: 60_000 });
    await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 30_000 });
    await page.waitForFunction(() => window.__bench.frames.some((f) => f.data.includes('"mount"') && f.done), null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    const samples = [];
    const started = Date.now();
    let warmups = 0;
    let warm = true;
    for (let i = 0; samples.length < clicks; i++) {
      // A slow page (idiomorph on thousands of rows: tens of seconds per
      // click) gets fewer clicks: no warm-up once a click took over 2 s
      // (that click counts), and no new click after PAGE_BUDGET_MS once 2
      // were measured.
      if (samples.length >= 2 && Date.now() - started > PAGE_BUDGET_MS) break;
      await page.evaluate(() => { window.__bench.frames = []; window.__bench.clicks = []; window.__bench.longtasks = []; });
      await page.click('#bump', { timeout: 30_000 });
      // The reply comes after the re-render's frames; then their frame is drawn.
      await page.waitForFunction(() => {
        const fs = window.__bench.frames;
        return fs.some((f) => /^\{"type":"reply"/.test(f.data.slice(0, 20))) && fs.every((f) => f.done !== undefined);
      }, null, { timeout: CLICK_TIMEOUT_MS, polling: 50 });
      const s = await page.evaluate(({ clickNo, middle }) => {
        const B = window.__bench;
        const click = B.clicks[0];
        const enc = new TextEncoder();
        const typeOf = (f) => (/^\{"type":"(\w+)"/.exec(f.data.slice(0, 20)) || [])[1];
        const rr = B.frames.filter((f) => f.t >= click && (typeOf(f) === 'patch' || typeOf(f) === 'render'));
        const row = document.querySelectorAll('ul.rows > li')[middle];
        return {
          types: rr.map(typeOf),
          payload: rr.map((f) => enc.encode(f.data).length),
          recv: rr.length ? rr[0].t - click : NaN,
          done: rr.length ? Math.max(...rr.map((f) => f.done)) - click : NaN,
          longtasks: B.longtasks.filter(([s, e]) => e > click).length,
          shown: !!row && row.querySelector('.count').textContent === String(clickNo)
            && row.classList.contains('hot') === (clickNo % 2 === 1),
        };
      }, { clickNo: i + 1, middle: Math.floor(n / 2) });
      if (!s.types.length || !s.shown) throw new Error(`n=${n} keyed=${keyed} port ${port}: click ${i + 1} did not show (${JSON.stringify(s)})`);
      if (warm && warmups < 2 && s.done <= 2000) ++warmups;
      else {
        warm = false;
        samples.push(s);
      }
      await page.waitForTimeout(100);
    }
    // The floor: the same change made by hand in an animation frame (class
    // and count of the middle row, no Rill), to the end of that frame.
    const floor = [];
    for (let i = 0; i < 5; i++) {
      floor.push(await page.evaluate((middle) => new Promise((resolve) => {
        const li = document.querySelectorAll('ul.rows > li')[middle];
        requestAnimationFrame(() => {
          const t = performance.now();
          li.classList.toggle('hot');
          li.querySelector('.count').firstChild.data += '1';
          const ch = new MessageChannel();
          ch.port1.onmessage = () => resolve(performance.now() - t);
          ch.port2.postMessage(null);
        });
      }), Math.floor(n / 2)));
      await page.waitForTimeout(50);
    }
    return {
      floorMs: median(floor),
      warmups,
      type: [...new Set(samples.flatMap((s) => s.types))].join('+'),
      frames: samples[0].types.length,
      bytes: median(samples.map((s) => s.payload.reduce((sum, b) => sum + b + wsHeader(b), 0))),
      recvMs: median(samples.map((s) => s.recv)),
      pageMs: median(samples.map((s) => s.done - s.recv)),
      doneMs: median(samples.map((s) => s.done)),
      maxDoneMs: Math.max(...samples.map((s) => s.done)),
      longtasks: samples.reduce((sum, s) => sum + s.longtasks, 0),
      clicks: samples.length,
    };
  } finally {
    await context.close();
  }
}

// ---- main ----------------------------------------------------------------------------

async function main() {
  if (args.doBuild) {
    const b = spawnSync('cmake', ['--build', buildDir, '--target', 'rill-bench-diff'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error(`building rill-bench-diff in ${buildDir} failed`);
  }
  if (!fs.existsSync(bin)) throw new Error(`${bin} not found (configure ${buildDir} with RILL_BUILD_BENCH=ON)`);

  // Server cost per re-render of the chat template.
  console.error('server cost (chat template) ...');
  const c = spawnSync(bin, ['--cost', '--messages', '100,1000,10000'], { encoding: 'utf8', timeout: 180_000 });
  if (c.status !== 0) throw new Error(`rill-bench-diff --cost failed: ${c.stderr}`);
  const cost = c.stdout.trim().split('\n').map((l) => JSON.parse(l));

  // The servers.
  const server = spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => { server.kill('SIGTERM'); });
  const ports = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: server.stdout });
    rl.on('line', (l) => {
      const m = /^ports (\d+) (\d+)$/.exec(l);
      if (m) resolve({ patch: +m[1], whole: +m[2] });
    });
    server.on('exit', (code) => reject(new Error(`rill-bench-diff exited (${code})`)));
  });

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanups.push(() => browser.close());
  const version = browser.version();

  const rows = [];
  for (const keyed of [false, true]) {
    for (const n of args.sizes) {
      const r = { n, keyed };
      for (const mode of ['patch', 'whole']) {
        console.error(`${keyed ? 'keyed' : 'plain'} ${n} rows, ${mode} ...`);
        r[mode] = await measurePage(browser, ports[mode], n, keyed, args.clicks);
      }
      rows.push(r);
    }
  }

  // ---- report
  console.log(`\nOne click changes one row (Chromium ${version}; median of ${args.clicks} clicks; ms from the click to the end of the frame that applied the re-render)\n`);
  console.log('| rows | dj-key | bytes whole | bytes patch | after/before | ms whole | ms patch | after/before | patch: click → frame received | patch: received → drawn | floor: same change by hand |');
  console.log('|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${fmtInt(r.n)} | ${r.keyed ? 'yes' : 'no'} | ${fmtBytes(r.whole.bytes)} | ${fmtBytes(r.patch.bytes)} | ${ratio(r.patch.bytes, r.whole.bytes)}`
      + ` | ${fmtMs(r.whole.doneMs)} | ${fmtMs(r.patch.doneMs)} | ${ratio(r.patch.doneMs, r.whole.doneMs)}`
      + ` | ${fmtMs(r.patch.recvMs)} | ${fmtMs(r.patch.pageMs)} | ${fmtMs(r.patch.floorMs)} |`);
  }
  const few = rows.flatMap((r) => ['patch', 'whole'].filter((m) => r[m].clicks < args.clicks || r[m].warmups < 2)
    .map((m) => `${fmtInt(r.n)}${r.keyed ? ' keyed' : ''} ${m}: ${r[m].clicks} clicks after ${r[m].warmups} warm-up`));
  if (few.length) console.log(`\nfewer clicks (slow pages): ${few.join('; ')}`);
  const odd = rows.filter((r) => r.patch.type !== 'patch' || r.whole.type !== 'render');
  if (odd.length) console.log(`\nnote: unexpected frame types: ${odd.map((r) => `${r.n}${r.keyed ? 'k' : ''} ${r.patch.type}/${r.whole.type}`).join(', ')}`);
  const lt = rows.map((r) => `${r.n}${r.keyed ? ' keyed' : ''}: ${r.patch.longtasks}/${r.whole.longtasks}`).join(', ');
  console.log(`\nlong tasks during the measured clicks (patch/whole): ${lt}`);

  console.log('\nServer, per re-render of examples/templates/chat_page.html when one message is added (thread CPU time, median of 9 batches; the template render, the same for both, not included)\n');
  console.log('| messages | µs whole | µs patch | after/before | bytes whole | bytes patch | after/before | µs template render | µs encode only (no tree) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const k of cost) {
    console.log(`| ${fmtInt(k.messages)} | ${fmtInt(k.whole_ns / 1000)} | ${fmtInt(k.patch_ns / 1000)} | ${ratio(k.patch_ns, k.whole_ns)}`
      + ` | ${fmtBytes(k.whole_bytes)} | ${fmtBytes(k.patch_bytes)} | ${ratio(k.patch_bytes, k.whole_bytes)} | ${fmtInt(k.template_ns / 1000)} | ${fmtInt(k.encode_whole_ns / 1000)} |`);
  }

  const big = rows.filter((r) => r.n === Math.max(...args.sizes));
  const worstBytes = Math.max(...big.map((r) => r.patch.bytes));
  const worstMs = Math.max(...big.map((r) => r.patch.doneMs));
  const ok = worstBytes <= 2048 && worstMs <= 50;
  console.log(`\nrerender: ${fmtInt(Math.max(...args.sizes))} rows, one changed: patch ${fmtBytes(worstBytes)}, ${fmtMs(worstMs)} ms`
    + ` (whole ${fmtBytes(Math.max(...big.map((r) => r.whole.bytes)))}, ${fmtMs(Math.max(...big.map((r) => r.whole.doneMs)))} ms);`
    + ` goal <= 2 KB and <= 50 ms: ${ok ? 'met' : 'NOT met'}`);

  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ chromium: version, clicks: args.clicks, rows, cost }, null, 2));
}

try {
  await main();
  await cleanup();
  clearTimeout(deadline);
} catch (e) {
  console.error(`run.mjs: ${e.stack || e}`);
  await cleanup();
  clearTimeout(deadline);
  process.exitCode = 1;
}
