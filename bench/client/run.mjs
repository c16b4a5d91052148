#!/usr/bin/env node
// Client benchmark: Rill's web client vs a `textContent +=` client, one answer
// streamed at 1,600 tokens/s until it is 50,000 characters long, in headless
// Chromium.
//
//   node bench/client/run.mjs [--runs N] [--json FILE] [--trace PREFIX]
//                             [--scenario text|markdown|both]   (default both)
//
// Two scenarios (below: "text"; "markdown" is described at streamSession and
// in markdown.mjs): text appends plain text to one text node, peer
// `textContent +=`; markdown streams a Markdown answer the way rill-chat does
// (html `append` of finished blocks + `replace` of the open block), peer
// `innerHTML =` the whole answer each frame. The default runs both and
// prints a table per scenario and a summary line per scenario
// ("client: ..." and "client markdown: ...").
//
// --trace writes a Chromium trace per run to PREFIX-SCENARIO-rill.json / -peer.json
// (the last run's wins; tracing adds overhead, so do not read its figures).
//
// Needs only node, webclient/node_modules (npm ci) and /usr/bin/chromium; no
// C++ build. It starts, on 127.0.0.1 port 0, a node http server that serves
// webclient/src as /rill/client/* (idiomorph and the highlight.js bundle as
// the real server does) plus the bench pages, and a `ws` peer at
// /rill/socket speaking docs/protocol.md. Each page is a Rill page
// (data-rill-root with a token); the peer answers `join` with `mount`, then:
//
//   warm-up   300 small text frames into a separate target (JIT, caches),
//   measured  `start`, then one `stream` frame every 1/60 s carrying the
//             tokens due by then (1,600 tokens/s: ~26.7 tokens per frame, as
//             the server's 16 ms batcher would send them, concatenated into
//             one text op with mode "append") into [dj-stream="answer"]
//             until the answer reaches 50,000 characters (tokens of 4-6
//             characters, newlines between paragraphs), then `done`.
//
// Two clients, runs interleaved (rill, peer, rill, peer, ...):
//   rill   /rill/client/rill.js, the real entry (Text.appendData);
//   peer   bench/client/pages/peer.js: same batching per animation frame and
//          the same auto-scroll, but `el.textContent += text` (djust-style).
//
// Measured in the page by bench/client/pages/probe.js (which wraps
// requestAnimationFrame; neither client is changed): per animation frame
// that applies frames, the time to apply them (callback + its microtasks,
// including the layout the auto-scroll forces) and the time until that
// frame's rendering update is done (apply + style/layout/paint); and
// frame-time deltas of an rAF loop. Per-token cost = time / tokens applied,
// averaged over a window of the answer: chars 0-1,000 ("1k") and
// 49,000-50,000 ("50k") (10k and 25k are shown too); each figure is the
// median over the runs. The final text is checked against the sent text.
//
// Prints a table, ratios Rill / textContent+=, and a last line
// "client: p95 frame X ms; per-token Y µs at 1k, Z µs at 50k (ratio R, goal <= 1.5); textContent+=: ...".
// Exit status non-zero if a text differs or a run fails. Bounded (gives up
// after 110 s); closes the browser and the servers on any exit.
// See docs/benchmarks.md ("Client").

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const webclient = path.join(root, 'webclient');
const pages = path.join(here, 'pages');
const requireWeb = createRequire(path.join(webclient, 'package.json'));
const { WebSocketServer } = requireWeb('ws');
const { chromium } = await import(pathToFileURL(path.join(webclient, 'node_modules/playwright-core/index.mjs')).href);
const { highlightBundle } = await import(pathToFileURL(path.join(webclient, 'vendor-highlight.mjs')).href);
const md = await import(pathToFileURL(path.join(here, 'markdown.mjs')).href);

// ---- options ---------------------------------------------------------------

function parseArgs(argv) {
  const a = { runs: 3, json: null, chars: 50000, rate: 1600, fps: 60, trace: null, scenarios: ['text', 'markdown'] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--runs') a.runs = Math.max(1, parseInt(v(), 10));
    else if (k === '--json') a.json = v();
    else if (k === '--chars') a.chars = parseInt(v(), 10);
    else if (k === '--trace') a.trace = v();
    else if (k === '--scenario') {
      const x = v();
      if (x === 'both') a.scenarios = ['text', 'markdown'];
      else if (x === 'text' || x === 'markdown') a.scenarios = [x];
      else throw new Error(`--scenario: text, markdown or both, not ${x}`);
    }
    else if (k === '-h' || k === '--help') {
      const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      console.log(src.slice(1, src.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

// ---- the answer --------------------------------------------------------------

// Deterministic LLM-shaped text: tokens of 4-6 characters (a space and a
// 3-5 letter word, or a word piece), a paragraph break every 40-90 tokens.
function makeTokens(chars) {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed / 4294967296;
  };
  const letters = 'etaoinshrdlucmfwypvbgkqjxz';
  const word = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += letters[Math.floor(Math.pow(rand(), 1.7) * letters.length)];
    return s;
  };
  const tokens = [];
  let total = 0;
  let untilBreak = 40 + Math.floor(rand() * 50);
  while (total < chars) {
    let t;
    if (--untilBreak <= 0) {
      t = '.\n\n' + word(1 + Math.floor(rand() * 2));
      untilBreak = 40 + Math.floor(rand() * 50);
    } else {
      const n = 4 + Math.floor(rand() * 3); // 4..6
      t = rand() < 0.8 ? ' ' + word(n - 1) : word(n);
    }
    tokens.push(t);
    total += t.length;
  }
  return tokens;
}

// ---- server ------------------------------------------------------------------

const TYPES = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8', '.css': 'text/css' };
const TOKEN = 'bench-token-0123456789abcdef';
const ROOT_HTML = `<div data-rill-root data-rill-token="${TOKEN}"><div class="messages" data-follow>` +
  '<div class="message user">Write a long answer.</div>' +
  '<div class="message assistant" id="answer" dj-stream="answer" dj-stream-mode="append"></div>' +
  '</div><div class="warmup" id="warmup" dj-stream="warmup" dj-stream-mode="append"></div></div>';

// rill-chat's live answer (app/chat/templates/chat.html): finished blocks are
// appended to #live-done, the open block replaces #live-tail; code blocks are
// highlighted as they arrive (data-rill-highlight), not in the tail.
const MD_ROOT_HTML = `<div data-rill-root data-rill-token="${TOKEN}"><div class="messages" data-follow data-rill-highlight>` +
  '<div class="message user">Write a long answer.</div>' +
  '<div class="message assistant live"><div class="markdown" data-bench-answer>' +
  '<div id="live-done" dj-stream="answer" data-bench-wrap></div>' +
  '<div id="live-tail" dj-stream="answer-tail" data-no-highlight data-bench-wrap></div></div></div>' +
  '</div><div class="warmup" id="warmup" dj-stream="warmup" dj-stream-mode="append"></div></div>';
const rootHtmlOf = (scenario) => (scenario === 'markdown' ? MD_ROOT_HTML : ROOT_HTML);

function routeFile(urlPath) {
  const fixed = {
    '/rill/client/vendor/idiomorph.js': path.join(webclient, 'node_modules/idiomorph/dist/idiomorph.esm.js'),
    '/bench/probe.js': path.join(pages, 'probe.js'),
    '/bench/peer.js': path.join(pages, 'peer.js'),
    '/bench/page.css': path.join(pages, 'page.css'),
  };
  if (fixed[urlPath]) return fixed[urlPath];
  const m = /^\/rill\/client\/([\w-]+\.(?:js|css))$/.exec(urlPath);
  return m ? path.join(webclient, 'src', m[1]) : null;
}

async function startServer(onSocket, currentScenario) {
  const hljs = highlightBundle(webclient);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const { port } = server.address();
    const headers = (type) => ({
      'Content-Type': type,
      'Content-Security-Policy': `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port}`,
      'Cache-Control': 'no-store',
    });
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/rill' || url.pathname === '/peer') {
      const html = fs.readFileSync(path.join(pages, url.pathname === '/rill' ? 'rill.html' : 'peer.html'), 'utf8');
      res.writeHead(200, headers(TYPES['.html'])).end(html.replace('__ROOT__', rootHtmlOf(currentScenario())));
      return;
    }
    if (url.pathname === '/rill/client/vendor/highlight.js') {
      res.writeHead(200, headers(TYPES['.js'])).end(hljs);
      return;
    }
    const file = routeFile(url.pathname);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, headers(TYPES[path.extname(file)] || 'application/octet-stream'));
    res.end(fs.readFileSync(file));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://x').pathname !== '/rill/socket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Speaks the protocol to one page: join -> mount, warm-up, the measured
// stream, done. Resolves with what was sent once `done` is out: the expected
// final text of the answer, frames sent, seconds.
//
// text      one `text` append of the frame's tokens into [dj-stream="answer"]
//           (both clients).
// markdown  the frame's tokens go through the block rule (markdown.mjs);
//   rill    as rill-chat sends them (ChatView::onAnswerProgress): html
//           `append` of the newly finished blocks into [dj-stream="answer"]
//           (if any), then html `replace` of [dj-stream="answer-tail"] with
//           the open block, each in its own stream frame;
//   peer    html `replace` of [dj-stream="answer"] with the whole answer
//           (finished blocks + open block), i.e. re-render the message.
function streamSession(ws, tokens, a, scenario, which) {
  return new Promise((resolve, reject) => {
    let seq = 0;
    const send = (frame) => ws.send(JSON.stringify(Object.assign({ seq: ++seq }, frame)));
    const text = (target, t) => ({ op: 'text', target: `[dj-stream="${target}"]`, text: t, mode: 'append' });
    const html = (op, target, h) => ({ op, target: `[dj-stream="${target}"]`, html: h });
    const ctl = (op, stream) => send({ type: 'stream', stream, ops: [{ op, target: `[dj-stream="${stream}"]` }] });
    const streams = scenario === 'markdown' && which === 'rill' ? ['answer', 'answer-tail'] : ['answer'];
    ws.on('error', reject);
    ws.once('message', async (data) => {
      try {
        const join = JSON.parse(String(data));
        if (join.type !== 'join' || join.token !== TOKEN) throw new Error(`bad join ${String(data)}`);
        send({ type: 'mount', html: rootHtmlOf(scenario).replace(/^<div[^>]*>|<\/div>$/g, '') });
        await sleep(300);
        // Warm-up: a separate target, so the measured answer starts empty.
        // The markdown scenario also warms html parsing and the highlighter.
        ctl('start', 'warmup');
        for (let i = 0; i < 300; i++) {
          if (scenario === 'markdown' && i % 3 === 1) {
            const blk = md.renderBlock(`\`\`\`js\nconst w${i} = f(${i});\nreturn w${i} + 1;\n\`\`\``, 0, true) +
              md.renderBlock(`Warm **up** ${i} \`x()\`.`, 0, true);
            send({ type: 'stream', stream: 'warmup', ops: [html(i % 2 ? 'append' : 'replace', 'warmup', blk)] });
          } else {
            send({ type: 'stream', stream: 'warmup', ops: [text('warmup', ` warm${i % 10}`)] });
          }
          if (i % 5 === 4) await sleep(8);
        }
        ctl('done', 'warmup');
        await sleep(400);

        // Measured: tokens due at t0 + i / rate; a frame every 1/fps s.
        for (const st of streams) ctl('start', st);
        const blocks = new md.BlockStream();
        let tailHtml = '';
        const t0 = performance.now();
        const frameMs = 1000 / a.fps;
        let next = 0;
        let frames = 0;
        let sent = '';
        for (let k = 1; next < tokens.length; k++) {
          const due = t0 + k * frameMs;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const upTo = Math.min(tokens.length, Math.floor(((performance.now() - t0) / 1000) * a.rate));
          if (upTo <= next) continue;
          const chunk = tokens.slice(next, upTo).join('');
          next = upTo;
          sent += chunk;
          if (scenario === 'text') {
            send({ type: 'stream', stream: 'answer', ops: [text('answer', chunk)] });
          } else {
            const out = blocks.feed(chunk);
            tailHtml = out.tailHtml;
            if (which === 'rill') {
              if (out.appendHtml) send({ type: 'stream', stream: 'answer', ops: [html('append', 'answer', out.appendHtml)] });
              send({ type: 'stream', stream: 'answer-tail', ops: [html('replace', 'answer-tail', tailHtml)] });
            } else {
              send({ type: 'stream', stream: 'answer', ops: [html('replace', 'answer', blocks.doneHtml + tailHtml)] });
            }
          }
          frames++;
        }
        const seconds = (performance.now() - t0) / 1000;
        for (const st of streams) ctl('done', st);
        const expected = scenario === 'text' ? sent : md.textOf(blocks.doneHtml + tailHtml);
        resolve({ sent, expected, frames, seconds });
      } catch (e) {
        reject(e);
      }
    });
  });
}

// ---- statistics --------------------------------------------------------------

function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}
const median = (xs) => quantile(xs.filter((x) => Number.isFinite(x)), 0.5);

const WINDOWS = [
  { name: '1k', from: 0, to: 1000 },
  { name: '10k', from: 9000, to: 10000 },
  { name: '25k', from: 24000, to: 25000 },
  { name: '50k', from: 49000, to: 50000 },
];

// Per-run figures from the probe's records.
function analyse(probe, tokens, sentText) {
  const ends = [];
  let c = 0;
  for (const t of tokens) ends.push((c += t.length));
  const tokensIn = (before, after) => {
    // count of token ends in (before, after]
    const lower = (x) => {
      let lo = 0, hi = ends.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ends[mid] <= x) lo = mid + 1; else hi = mid; }
      return lo;
    };
    return lower(after) - lower(before);
  };
  const flushes = probe.flushes.filter((f) => f.after > f.before);
  for (const f of flushes) f.tokens = tokensIn(f.before, f.after);
  const win = {};
  for (const w of WINDOWS) {
    const fs_ = flushes.filter((f) => f.before >= w.from && f.before < w.to);
    const tok = fs_.reduce((s, f) => s + f.tokens, 0);
    win[w.name] = {
      flushes: fs_.length,
      tokens: tok,
      apply_us: tok ? (fs_.reduce((s, f) => s + f.apply, 0) / tok) * 1000 : NaN,
      render_us: tok ? (fs_.reduce((s, f) => s + f.render, 0) / tok) * 1000 : NaN,
      apply_ms_per_frame: fs_.length ? fs_.reduce((s, f) => s + f.apply, 0) / fs_.length : NaN,
      render_ms_per_frame: fs_.length ? fs_.reduce((s, f) => s + f.render, 0) / fs_.length : NaN,
    };
  }
  // Frame times over the measured stream: from the first to the last flush
  // that grew the answer.
  const start = flushes.length ? flushes[0].t0 : 0;
  const end = flushes.length ? flushes[flushes.length - 1].t0 : 0;
  const stamps = probe.frames.filter((t) => t >= start - 1 && t <= end + 20);
  const deltas = [];
  for (let i = 1; i < stamps.length; i++) deltas.push(stamps[i] - stamps[i - 1]);
  return {
    windows: win,
    frame_p50_ms: quantile(deltas, 0.5),
    frame_p95_ms: quantile(deltas, 0.95),
    frame_max_ms: deltas.length ? Math.max(...deltas) : NaN,
    frames_over_33ms: deltas.filter((d) => d > 33.4).length,
    frames: deltas.length,
    flushes: flushes.length,
    render_p95_ms: quantile(flushes.map((f) => f.render), 0.95),
    chars: sentText.length,
  };
}

// ---- one run -----------------------------------------------------------------

async function runOnce(browser, server, setSession, which, tokens, a, scenario) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    const session = new Promise((resolve, reject) => setSession({ resolve, reject }));
    if (a.trace) await browser.startTracing(page, { path: `${a.trace}-${scenario}-${which}.json`, screenshots: false });
    await page.goto(`${server.base}/${which}`);
    await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('stream did not finish in 60 s')), 60000);
    });
    const sent = await Promise.race([session, timeout]).finally(() => clearTimeout(timer));
    // Wait for the last text to be applied (the answer's length), then read it.
    const answerSel = scenario === 'markdown' ? '[data-bench-answer]' : '[dj-stream="answer"]';
    await page.waitForFunction(([sel, n]) => {
      const el = document.querySelector(sel);
      return el && el.textContent.length >= n;
    }, [answerSel, sent.expected.length], { timeout: 10000 });
    await sleep(100);
    if (a.trace) await browser.stopTracing();
    const got = await page.evaluate((sel) => document.querySelector(sel).textContent, answerSel);
    const probe = await page.evaluate(() => window.__bench);
    const r = analyse(probe, tokens, sent.sent);
    r.text_ok = got === sent.expected;
    r.ws_frames = sent.frames;
    r.stream_seconds = sent.seconds;
    r.problems = problems;
    if (!r.text_ok) r.problems.push(`${scenario} ${which}: final text differs: got ${got.length} chars, expected ${sent.expected.length}`);
    return r;
  } finally {
    await page.close().catch(() => {});
  }
}

// ---- output --------------------------------------------------------------------

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function summarise(runs) {
  const s = { windows: {} };
  for (const w of WINDOWS) {
    const pick = (k) => median(runs.map((r) => r.windows[w.name][k]));
    s.windows[w.name] = {
      apply_us: pick('apply_us'), render_us: pick('render_us'),
      apply_ms_per_frame: pick('apply_ms_per_frame'), render_ms_per_frame: pick('render_ms_per_frame'),
      tokens: pick('tokens'), flushes: pick('flushes'),
    };
  }
  for (const k of ['frame_p50_ms', 'frame_p95_ms', 'frame_max_ms', 'frames_over_33ms', 'render_p95_ms']) {
    s[k] = median(runs.map((r) => r[k]));
  }
  s.text_ok = runs.every((r) => r.text_ok);
  return s;
}

const SCENARIOS = {
  text: { peer: 'textContent+=', peerDoc: '`textContent +=`', summary: 'client' },
  markdown: { peer: 'innerHTML', peerDoc: 'innerHTML re-render', summary: 'client markdown' },
};

function tokensFor(scenario, a) {
  if (scenario === 'text') return makeTokens(a.chars);
  return md.tokenize(md.makeMarkdown(a.chars));
}

function main() {
  return (async () => {
    const a = parseArgs(process.argv.slice(2));
    let scenario = a.scenarios[0];
    let pending = null;
    const server = await startServer((ws) => {
      const p = pending;
      pending = null;
      if (!p) { ws.close(); return; }
      streamSession(ws, p.tokens, a, p.scenario, p.which).then(p.resolve, p.reject);
    }, () => scenario);
    let browser = null;
    const cleanup = async () => {
      if (browser) await browser.close().catch(() => {});
      browser = null;
      await server.close().catch(() => {});
    };
    const limit = 110 * a.scenarios.length;
    const watchdog = setTimeout(async () => {
      console.error(`run.mjs: gave up after ${limit} s`);
      await cleanup();
      process.exit(2);
    }, limit * 1000);
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

    const all = {};
    try {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const version = browser.version();
      for (const sc of a.scenarios) {
        scenario = sc;
        const tokens = tokensFor(sc, a);
        const load0 = os.loadavg()[0];
        const results = { rill: [], peer: [] };
        for (let i = 0; i < a.runs; i++) {
          for (const which of ['rill', 'peer']) {
            const r = await runOnce(browser, server, (p) => { pending = Object.assign(p, { tokens, scenario: sc, which }); },
              which, tokens, a, sc);
            results[which].push(r);
            process.stderr.write(`${sc} run ${i + 1}/${a.runs} ${which}: 1k ${f(r.windows['1k'].render_us, 2)} µs/token, ` +
              `50k ${f(r.windows['50k'].render_us, 2)} µs/token, p95 frame ${f(r.frame_p95_ms)} ms` +
              `${r.text_ok ? '' : ' TEXT DIFFERS'}\n`);
          }
        }
        all[sc] = { tokens, results, load: [load0, os.loadavg()[0]] };
      }
      await cleanup();
      clearTimeout(watchdog);
      const summaries = [];
      const json = { args: a, chromium: version, scenarios: {} };
      for (const sc of a.scenarios) {
        const { tokens, results, load } = all[sc];
        const out = report(a, sc, tokens, results, version, load[0], load[1]);
        summaries.push(out.line);
        json.scenarios[sc] = { load, summary: { rill: out.R, peer: out.P }, runs: results };
      }
      console.log();
      for (const l of summaries) console.log(l);
      if (a.json) fs.writeFileSync(a.json, JSON.stringify(json, null, 1));
      const every = a.scenarios.flatMap((sc) => [...all[sc].results.rill, ...all[sc].results.peer]);
      const ok = every.every((r) => r.text_ok && !r.problems.length);
      for (const r of every) for (const p of r.problems) console.log(`problem: ${p}`);
      process.exitCode = ok ? 0 : 1;
    } catch (e) {
      clearTimeout(watchdog);
      await cleanup();
      console.error(`run.mjs: ${e.stack || e}`);
      process.exitCode = 1;
    }
  })();
}

function report(a, scenario, tokens, results, version, load0, load1) {
  const S = SCENARIOS[scenario];
  const pn = S.peer;
  const R = summarise(results.rill);
  const P = summarise(results.peer);
  const chars = tokens.reduce((s, t) => s + t.length, 0);
  const r0 = results.rill[0];
  console.log();
  console.log(`== scenario ${scenario}: ` + (scenario === 'text'
    ? 'plain text appended to one text node (Rill: text append; peer: textContent +=)'
    : 'Markdown as rill-chat streams it (Rill: append finished blocks + replace open block; peer: innerHTML = whole answer)'));
  console.log(`Client benchmark: ${tokens.length} tokens (${chars} chars, mean ${(chars / tokens.length).toFixed(2)} chars/token) ` +
    `at ${a.rate} tokens/s in ${r0.ws_frames} frames (${a.fps}/s) over ${r0.stream_seconds.toFixed(2)} s; ` +
    `Chromium ${version} headless; median of ${a.runs} runs per client`);
  console.log(`load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end (${os.cpus().length} cores)`);
  console.log();
  console.log('Per token, averaged over a window of the answer (µs): apply = the rAF callback that applies the');
  console.log('frames (+ forced layout of auto-scroll); render = apply + that frame\'s style/layout/paint.');
  const head = ['window', 'Rill apply', 'Rill render', `${pn} apply`, `${pn} render`, `Rill/${pn} (render)`, 'tokens/frame'];
  const rows = WINDOWS.map((w) => {
    const x = R.windows[w.name], y = P.windows[w.name];
    return [w.name, f(x.apply_us, 2), f(x.render_us, 2), f(y.apply_us, 2), f(y.render_us, 2),
      f(x.render_us / y.render_us, 2), f(x.tokens / x.flushes, 1)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  const rr = R.windows['50k'].render_us / R.windows['1k'].render_us;
  const pr = P.windows['50k'].render_us / P.windows['1k'].render_us;
  const ra = R.windows['50k'].apply_us / R.windows['1k'].apply_us;
  const pa = P.windows['50k'].apply_us / P.windows['1k'].apply_us;
  console.log(line(['50k/1k', f(ra, 2) + 'x', f(rr, 2) + 'x', f(pa, 2) + 'x', f(pr, 2) + 'x', '', '']));
  console.log();
  const fhead = ['client', 'frame p50 ms', 'frame p95 ms', 'frame max ms', 'frames >33ms', 'work p95 ms', 'text'];
  const frow = (n, s) => [n, f(s.frame_p50_ms), f(s.frame_p95_ms), f(s.frame_max_ms), f(s.frames_over_33ms, 0),
    f(s.render_p95_ms), s.text_ok ? 'same' : 'DIFFERS'];
  const frows = [frow('Rill', R), frow(pn, P)];
  const fw = fhead.map((h, i) => Math.max(h.length, ...frows.map((r) => r[i].length)));
  const fline = (cells) => cells.map((c, i) => (i ? c.padStart(fw[i]) : c.padEnd(fw[i]))).join('  ');
  console.log(fline(fhead));
  console.log(fw.map((w) => '-'.repeat(w)).join('  '));
  for (const r of frows) console.log(fline(r));
  console.log('(frame = rAF-to-rAF delta over the stream; work = apply + render of one animation frame; ' +
    `${frows.length} clients x ${a.runs} runs, medians)`);
  console.log();
  console.log(`Rill / ${pn} per token: ${f(R.windows['1k'].render_us / P.windows['1k'].render_us, 2)}x at 1k, ` +
    `${f(R.windows['50k'].render_us / P.windows['50k'].render_us, 2)}x at 50k (lower is better)`);
  const summary = `${S.summary}: p95 frame ${f(R.frame_p95_ms)} ms; per-token ${f(R.windows['1k'].render_us, 2)} µs at 1k, ` +
    `${f(R.windows['50k'].render_us, 2)} µs at 50k (ratio ${f(rr, 2)}, goal <= 1.5); ${pn}: p95 frame ` +
    `${f(P.frame_p95_ms)} ms; per-token ${f(P.windows['1k'].render_us, 2)} µs at 1k, ${f(P.windows['50k'].render_us, 2)} µs ` +
    `at 50k (ratio ${f(pr, 2)})`;
  return { R, P, line: summary };
}

await main();
