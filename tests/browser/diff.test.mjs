// Re-renders as patches (docs/protocol.md, "Patches"; docs/views.md, "What a
// re-render changes") in headless Chromium, against the views of
// tests/browser/diffserver (rill-test-diffserver): what the page shows after
// each re-render, compared with what a fresh load of the same state shows,
// and what stream targets keep.
//
// RILL_DIFF_SEED=N replays the property test's random states.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const serverBin = process.env.RILL_DIFFSERVER_BIN ?? join(here, '../../build/bin/rill-test-diffserver');

async function startServer() {
  const proc = spawn(serverBin, [], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rill-test-diffserver did not start: ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/rill-test-diffserver: serving (http:\/\/[^/\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`rill-test-diffserver exited ${code}: ${err}`)); });
  });
  return {
    base,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

let chromium;
let server;
before(async () => {
  [chromium, server] = await Promise.all([launchBrowser(), startServer()]);
});
after(async () => {
  await chromium?.close();
  await server?.stop();
});

// A page of its own (own context: own cookies), counting the frame types
// its socket receives and sends, and failing on console errors.
async function openView(path) {
  const context = await chromium.browser.newContext();
  const page = await context.newPage();
  const received = {};
  const sent = {};
  const problems = [];
  const warnings = [];
  const count = (into, payload) => {
    try {
      const type = JSON.parse(String(payload)).type;
      into[type] = (into[type] || 0) + 1;
    } catch (e) {
      into['?'] = (into['?'] || 0) + 1;
    }
  };
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => count(received, f.payload));
    ws.on('framesent', (f) => count(sent, f.payload));
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${server.base}${path}`);
  await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  await page.evaluate(() => {
    const root = document.querySelector('[data-rill-root]');
    window.__replies = 0;
    window.__errors = [];
    window.__replyRefs = [];
    root.addEventListener('rill:reply', (e) => { window.__replies++; window.__replyRefs.push(e.detail.ref); });
    root.addEventListener('rill:error', (e) => { window.__errors.push(e.detail); });
  });
  return { context, page, received, sent, problems, warnings, close: () => context.close() };
}

// Runs `action` (which sends one event) and waits for that event's reply:
// the handler's final re-render has been applied by then.
async function act(page, action) {
  const n = await page.evaluate(() => window.__replies);
  await action();
  await page.waitForFunction((n) => window.__replies > n, n, { timeout: 10000 });
}

// A click that leaves focus where it is (el.click(), not the mouse).
const clickQuietly = (page, selector) => act(page, () => page.$eval(selector, (el) => el.click()));

const rootHtml = (page) => page.$eval('[data-rill-root]', (r) => r.innerHTML);

// ---- 1. property test -----------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'beta', 'Tom & Jerry', '<b>not bold</b>', '"quoted"', "it's", 'a < b > c', '&amp; literal',
  'fish &chips', 'ünïcødé', '  spaced  out ', '', '€ 5 &euro;', 'x', 'gamma delta', '&lt;tag&gt;', 'a\tb', '<!-- no -->',
  "'single' & \"double\"", '</li> oops'];

function generator(seed) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (list) => list[int(list.length)];
  const word = () => pick(WORDS);
  const phrase = () => (rnd() < 0.5 ? word() : `${word()} ${word()}`);
  let next = 0;
  const key = () => `k${next++}`;
  const idRow = () => ({ k: key(), cls: pick(['', 'odd', 'even hot', 'x&y']), x: int(5), text: phrase(), sub: rnd() < 0.4 ? word() : '' });
  const keyRow = () => ({ k: key(), on: rnd() < 0.5, text: phrase(), kids: Array.from({ length: int(3) }, word) });
  const item = () => ({ cls: pick(['', 'big', 'small']), text: phrase(), nested: rnd() < 0.4 ? phrase() : '' });
  const group = () => ({ name: phrase(), items: Array.from({ length: int(3) }, item) });

  const state = {
    cls: 'start', title: 'Title "one" & <two>', flag: '', heading: 'Heading', showA: true, a: 'A text', b: 'B text',
    comment: '', idRows: Array.from({ length: 4 }, idRow), keyRows: Array.from({ length: 4 }, keyRow),
    plain: ['one', 'two', 'three'], groups: [group(), group()], ta: 'text & area',
  };

  // Insert, delete, move, shuffle or change an element of a list.
  function mutateList(list, make, change) {
    const r = rnd();
    if (r < 0.25 || list.length === 0) list.splice(int(list.length + 1), 0, make());
    else if (r < 0.45) list.splice(int(list.length), 1);
    else if (r < 0.6) {
      const [row] = list.splice(int(list.length), 1);
      list.splice(int(list.length + 1), 0, row);
    } else if (r < 0.7) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [list[i], list[j]] = [list[j], list[i]];
      }
    } else if (r < 0.75) list.reverse();
    else if (r < 0.8) list.length = Math.min(list.length, int(2));
    else {
      const i = int(list.length);
      list[i] = change(list[i]);
    }
  }
  const mutations = [
    () => { state.cls = pick(['start', 'wide', 'narrow dark', '', 'a&b']); },
    () => { state.title = phrase(); },
    () => { state.flag = pick(['', 'on', 'off & out', '"q"']); },
    () => { state.heading = phrase(); },
    () => { state.showA = !state.showA; },
    () => { state.a = phrase(); },
    () => { state.b = phrase(); },
    () => { state.comment = rnd() < 0.5 ? '' : word(); },
    () => mutateList(state.idRows, idRow, (r) => ({ ...r, text: rnd() < 0.5 ? phrase() : r.text, cls: pick(['', 'odd', 'hot']), x: int(5), sub: rnd() < 0.5 ? word() : '' })),
    () => mutateList(state.keyRows, keyRow, (r) => ({ ...r, on: !r.on, text: rnd() < 0.5 ? phrase() : r.text, kids: rnd() < 0.5 ? [...r.kids, word()] : r.kids.slice(1) })),
    () => mutateList(state.plain, phrase, () => phrase()),
    () => mutateList(state.groups, group, (g) => {
      const items = g.items.slice();
      mutateList(items, item, (it) => ({ ...it, text: phrase(), nested: rnd() < 0.5 ? phrase() : '' }));
      return { ...g, items, name: rnd() < 0.3 ? phrase() : g.name };
    }),
    () => { state.ta = phrase(); },
  ];
  return {
    initial: () => structuredClone(state),
    step() {
      const n = 1 + int(4);
      for (let i = 0; i < n; i++) pick(mutations)();
      return structuredClone(state);
    },
  };
}

describe('re-renders', () => {
  test('after each event the page shows what a fresh load of the same state shows, sent as patches', async () => {
    const seed = process.env.RILL_DIFF_SEED ? Number(process.env.RILL_DIFF_SEED) : (Date.now() % 1000000);
    const steps = Number(process.env.RILL_DIFF_STEPS ?? 100);
    console.log(`property test seed: ${seed} (RILL_DIFF_SEED=${seed} replays it)`);
    const gen = generator(seed);
    const path = `/prop?k=seed${seed}-${Math.random().toString(36).slice(2)}`;
    const live = await openView(path);
    const fresh = await openView(path);
    let changedRenders = 0;
    try {
      const send = (state) => act(live.page, () => live.page.evaluate((json) => {
        const form = document.querySelector('#drive');
        form.querySelector('input').value = json;
        form.requestSubmit();
      }, JSON.stringify(state)));
      await send(gen.initial());
      let before = await rootHtml(live.page);
      for (let i = 1; i <= steps; i++) {
        const state = gen.step();
        await send(state);
        const shown = await rootHtml(live.page);
        if (shown !== before) changedRenders++;
        before = shown;
        // A fresh load of the same state: the page the server serves, as
        // the browser's parser builds it. Loading a page costs ~0.3 s, so
        // every step fetches and parses it (DOMParser: the same parser, the
        // same bytes), and every tenth step and the last also load it for real.
        const url = `${server.base}${path}`;
        const expected = await fresh.page.evaluate(async (url) => {
          const html = await (await fetch(url)).text();
          return new DOMParser().parseFromString(html, 'text/html').querySelector('[data-rill-root]').innerHTML;
        }, url);
        assert.equal(shown, expected,
          `seed ${seed}, step ${i}: the live page differs from a fresh load of state ${JSON.stringify(state)}`);
        if (i % 10 === 0 || i === steps) {
          await fresh.page.goto(url);
          await fresh.page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
          assert.equal(shown, await rootHtml(fresh.page),
            `seed ${seed}, step ${i}: the live page differs from a loaded page of state ${JSON.stringify(state)}`);
        }
      }
      assert.deepEqual(await live.page.evaluate(() => window.__errors), [], `seed ${seed}: error frames`);
      assert.ok((live.received.patch ?? 0) >= changedRenders,
        `seed ${seed}: re-renders came as patches (${JSON.stringify(live.received)}, ${changedRenders} changed renders)`);
      assert.equal(live.received.render ?? 0, 0, `seed ${seed}: no whole-view render frames (${JSON.stringify(live.received)})`);
      assert.equal(live.sent.resync ?? 0, 0, `seed ${seed}: no patch missed the page (${live.warnings.join('; ')})`);
      assert.deepEqual(live.problems, [], `seed ${seed}`);
      assert.deepEqual(fresh.problems, [], `seed ${seed}`);
      console.log(`frames received by the live page: ${JSON.stringify(live.received)}; ${changedRenders} steps changed the page`);
    } finally {
      await live.close();
      await fresh.close();
    }
  });

  test('a focused button whose label the template changes shows the new label (Send, Stop, Send)', async () => {
    const v = await openView('/chat?tokens=20&delay=25');
    try {
      const { page } = v;
      await page.fill('input[name=content]', 'hello');
      await page.focus('#send');
      const n = await page.evaluate(() => window.__replies);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#send').textContent === 'Stop', null, { timeout: 10000 });
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'send');
      await page.waitForFunction((n) => window.__replies > n, n, { timeout: 10000 });
      assert.equal(await page.$eval('#send', (b) => b.textContent), 'Send');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'send');
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('a focused text input keeps what the user typed and its caret while re-renders change and move it', async () => {
    const v = await openView('/field');
    try {
      const { page } = v;
      await page.click('#name');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('hello world');
      await page.$eval('#name', (el) => { el.setSelectionRange(3, 5); el.__mine = true; });
      for (let n = 1; n <= 3; n++) {
        await clickQuietly(page, '#bump');
        const field = await page.$eval('#name', (el) => ({
          value: el.value, start: el.selectionStart, end: el.selectionEnd, focused: document.activeElement === el,
          same: el.__mine === true, attr: el.getAttribute('value'), cls: el.className,
          first: document.querySelector('#box').firstElementChild.id,
        }));
        assert.deepEqual(field, {
          value: 'hello world', start: 3, end: 5, focused: true, same: true, attr: `server ${n} & co`, cls: `v${n}`,
          first: n % 2 ? 'lbl' : 'extra',
        }, `after re-render ${n}`);
        assert.equal(await page.$eval('#n', (p) => p.textContent), String(n));
      }
      assert.ok((v.received.patch ?? 0) >= 3, JSON.stringify(v.received));
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('a keyed list keeps the DOM nodes of kept rows through reorders, inserts and deletes', async () => {
    const v = await openView('/keyed');
    try {
      const { page } = v;
      const set = (rows) => act(page, () => page.evaluate((value) => {
        const form = document.querySelector('#drive');
        form.querySelector('input').value = value;
        form.requestSubmit();
      }, rows.map(([k, t]) => `${k}=${t}`).join(',')));
      const tag = () => page.evaluate(() => {
        for (const li of document.querySelectorAll('#ids > li')) li.__tag = li.id.slice(4);
        for (const li of document.querySelectorAll('#keys > li')) li.__tag = li.getAttribute('dj-key');
      });
      const read = () => page.evaluate(() => ['#ids', '#keys'].map((list) => Array.from(document.querySelectorAll(`${list} > li`),
        (li) => ({ key: li.id ? li.id.slice(4) : li.getAttribute('dj-key'), tag: li.__tag ?? null, text: li.textContent }))));
      const expect = (rows, kept) => [
        rows.map(([k, t]) => ({ key: k, tag: kept.includes(k) ? k : null, text: `${k}: ${t}` })),
        rows.map(([k, t]) => ({ key: k, tag: kept.includes(k) ? k : null, text: `${k} ${t}` })),
      ];
      const sequence = [
        [['a', 'A'], ['b', 'B'], ['c', 'C'], ['d', 'D'], ['e', 'E']],
        [['e', 'E'], ['c', 'C'], ['a', 'A'], ['d', 'D'], ['b', 'B']], // reorder
        [['x', 'X'], ['e', 'E'], ['c', 'C'], ['y', 'Y'], ['a', 'A'], ['d', 'D'], ['b', 'B']], // inserts
        [['e', 'E'], ['y', 'Y'], ['d', 'D']], // deletes
        [['d', 'D & changed'], ['z', 'Z'], ['e', 'E'], ['y', 'Y <2>']], // all at once, texts changed
        [['y', 'Y <2>'], ['e', 'E'], ['z', 'Z'], ['d', 'D & changed']], // reversed
      ];
      await set(sequence[0]);
      for (let i = 1; i < sequence.length; i++) {
        await tag();
        const previous = sequence[i - 1].map(([k]) => k);
        await set(sequence[i]);
        assert.deepEqual(await read(), expect(sequence[i], previous), `step ${i}`);
      }
      assert.ok((v.received.patch ?? 0) >= sequence.length, JSON.stringify(v.received));
      assert.equal(v.sent.resync ?? 0, 0);
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });
});

// ---- stream targets across re-renders ----------------------------------------------

describe('stream targets', () => {
  test("the seed's snippet: HTML inserted into a target nobody started is still there after the handler's re-render", async () => {
    const v = await openView('/insert');
    try {
      const { page } = v;
      const messages = () => page.$$eval('#messages > .msg', (els) => els.map((e) => e.textContent));
      await clickQuietly(page, '#add');
      assert.equal(await page.$eval('#count', (p) => p.textContent), '1', 'the re-render after the handler arrived');
      assert.deepEqual(await messages(), ['from the template', 'inserted 1 & more']);
      await clickQuietly(page, '#add');
      assert.deepEqual(await messages(), ['from the template', 'inserted 1 & more', 'inserted 2 & more']);
      for (let i = 0; i < 3; i++) await clickQuietly(page, '#bump');
      assert.equal(await page.$eval('#count', (p) => p.textContent), '5');
      assert.deepEqual(await messages(), ['from the template', 'inserted 1 & more', 'inserted 2 & more']);
      assert.ok((v.received.patch ?? 0) >= 5, JSON.stringify(v.received));
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('log viewer: lines inserted between start and done stay after done and later re-renders; streamTo and streamDelete reset them', async () => {
    const v = await openView('/logs');
    try {
      const { page } = v;
      const lines = () => page.$$eval('#logs > *', (els) => els.map((e) => e.textContent));
      const status = () => page.$eval('#status', (p) => p.textContent);
      await clickQuietly(page, '#tail');
      assert.equal(await status(), 'done');
      assert.equal(await page.$eval('#other', (p) => p.textContent), 'mid-stream 3');
      const five = [1, 2, 3, 4, 5].map((i) => `line ${i} <ok>`);
      assert.deepEqual(await lines(), five);
      assert.equal(await page.$eval('#logs', (e) => e.hasAttribute('data-stream-active')), false);
      for (let i = 1; i <= 3; i++) {
        await clickQuietly(page, '#other-btn');
        assert.equal(await page.$eval('#other', (p) => p.textContent), `other ${i}`);
        assert.deepEqual(await lines(), five, `after re-render ${i} caused by another event`);
      }
      // streamDelete of one line: it goes, the others stay through re-renders.
      await page.$eval('#del', (b) => b.setAttribute('data-selector', '#line-2'));
      await clickQuietly(page, '#del');
      await clickQuietly(page, '#other-btn');
      assert.deepEqual(await lines(), five.filter((l) => !l.startsWith('line 2 ')));
      // streamTo: the template's fragment again.
      await clickQuietly(page, '#reset');
      assert.deepEqual(await lines(), []);
      assert.equal(await page.$eval('#logs', (e) => e.innerHTML), '<!-- lines -->');
      await clickQuietly(page, '#other-btn');
      assert.deepEqual(await lines(), []);
      // Tail again; then a change of the template's own output for the target resets it.
      await clickQuietly(page, '#tail');
      const next = [6, 7, 8, 9, 10].map((i) => `line ${i} <ok>`);
      assert.deepEqual(await lines(), next);
      await clickQuietly(page, '#other-btn');
      assert.deepEqual(await lines(), next);
      await clickQuietly(page, '#header');
      assert.deepEqual(await lines(), ['header 1']);
      assert.deepEqual(await page.evaluate(() => window.__errors), []);
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('chat: text streamed between start and done gives way to the template at the first re-render after done; the answer shows once', async () => {
    const v = await openView('/chat?tokens=30&delay=20');
    try {
      const { page } = v;
      const answer = `${Array.from({ length: 30 }, (_, i) => `tok${i + 1} `).join('')}& <fin>`;
      const n = await page.evaluate(() => window.__replies);
      await page.fill('input[name=content]', 'question & <q>');
      await page.click('#send');
      // Mid-stream, a re-render caused by another event leaves the active target alone.
      await page.waitForFunction(() => /tok3 /.test(document.querySelector('#response').textContent), null, { timeout: 10000 });
      await clickQuietly(page, '#other-btn');
      assert.equal(await page.$eval('#other', (p) => p.textContent), 'other 1');
      const mid = await page.$eval('#response', (e) => ({ text: e.textContent, active: e.hasAttribute('data-stream-active') }));
      assert.ok(mid.active, 'still streaming');
      assert.match(mid.text, /^tok1 tok2 tok3 /);
      await page.waitForFunction((n) => window.__replies > n + 1, n, { timeout: 15000 });
      const shown = await page.evaluate(() => ({
        messages: Array.from(document.querySelectorAll('#chat > .message:not([dj-stream])'), (e) => [e.className, e.textContent]),
        response: document.querySelector('#response').innerHTML,
        chat: document.querySelector('#chat').textContent,
      }));
      assert.deepEqual(shown.messages, [['message user', 'question & <q>'], ['message assistant', answer]]);
      assert.equal(shown.response, '');
      assert.equal(shown.chat.split('tok30 & <fin>').length - 1, 1, 'the answer appears exactly once');
      await clickQuietly(page, '#other-btn');
      assert.equal(await page.$eval('#chat', (e) => e.textContent.split('tok30 & <fin>').length - 1), 1);
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('an errored target keeps its content and error through re-renders until the next streamStart', async () => {
    const v = await openView('/errored');
    try {
      const { page } = v;
      const out = () => page.$eval('#out', (e) => ({
        text: e.textContent.replace(e.querySelector('.dj-stream-error')?.textContent ?? '', ''),
        error: e.querySelector('.dj-stream-error')?.textContent ?? null,
        errorAttr: e.hasAttribute('data-stream-error'),
      }));
      for (const [button, partial, message] of [
        ['#fail', 'partial & text ', 'boom <1>'],
        ['#throw', 'thrown partial ', "handler 'throw' failed: kaput"],
      ]) {
        await clickQuietly(page, button);
        const failed = await out();
        assert.ok(failed.text.includes(partial), `${button}: ${JSON.stringify(failed)}`);
        assert.deepEqual([failed.error, failed.errorAttr], [message, true], button);
        // The template renders other content there now (its n changed): the target is left alone.
        for (let i = 0; i < 3; i++) {
          await clickQuietly(page, '#bump');
          assert.deepEqual(await out(), failed, `${button}: after re-render ${i + 1}`);
        }
        await clickQuietly(page, '#restart');
        const n = await page.$eval('#n', (p) => p.textContent);
        assert.deepEqual(await out(), { text: `placeholder ${n}`, error: null, errorAttr: false }, `${button}: after restart`);
        await clickQuietly(page, '#bump');
        const m = await page.$eval('#n', (p) => p.textContent);
        assert.deepEqual(await out(), { text: `placeholder ${m}`, error: null, errorAttr: false });
      }
      assert.deepEqual(v.problems.filter((p) => !/kaput/.test(p)), []);
    } finally {
      await v.close();
    }
  });
});

// ---- the view root's own children ---------------------------------------------------

describe('the view root', () => {
  // A re-render that changes the root's own child list (a top-level
  // {% if %}) is a `children` op on path [] with tag "#root": applied as a
  // patch, no resync, and the event's reply arrives (a resync once dropped
  // it, and the page named the root "div").
  test('a re-render that changes the view root\'s own children is applied as a patch, without a resync', async () => {
    const v = await openView(`/top?k=top-${Math.random().toString(36).slice(2)}`);
    try {
      const { page } = v;
      const submit = (state) => page.evaluate((json) => {
        const form = document.querySelector('#drive');
        form.querySelector('input').value = json;
        form.requestSubmit();
      }, JSON.stringify(state));
      await submit({ show: 'yes' });
      await page.waitForSelector('#top', { timeout: 10000 });
      assert.equal(await page.$eval('#top', (p) => p.textContent), 'shown yes');
      // A second event (ref 2) that changes nothing: once its reply is in,
      // the first one's (ref 1) was handled, or dropped.
      await submit({ show: 'yes' });
      await page.waitForFunction(() => window.__replyRefs.includes(2), null, { timeout: 10000 });
      const seen = {
        replies: await page.evaluate(() => window.__replyRefs),
        resyncsSent: v.sent.resync ?? 0,
        warnings: v.warnings.filter((w) => /does not fit/.test(w)),
      };
      assert.deepEqual(seen, { replies: [1, 2], resyncsSent: 0, warnings: [] });
    } finally {
      await v.close();
    }
  });
});
