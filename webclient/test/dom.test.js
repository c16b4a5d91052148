// Auto-scroll, re-render (morph) and DOM event bindings, on the lab page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './support/harness.js';

let env;
let page;
before(async () => {
  env = await setup();
  page = await env.open('/test/pages/lab.html');
});
after(async () => {
  const problems = page.problems;
  await env.teardown();
  assert.deepEqual(problems, []);
});

// --- auto-scroll ---------------------------------------------------------

// Fills a 200 px scroll box, puts it at `scrollTop` (or the bottom minus
// `fromBottom`), appends a line through the ScrollKeeper and reports.
async function scrollCase(fromBottom, { boxOnTarget = false } = {}) {
  return page.evaluate(({ fromBottom, boxOnTarget }) => {
    const root = document.getElementById('root');
    const lines = '<p>line</p>'.repeat(50);
    root.innerHTML = boxOnTarget
      ? `<div id="t" class="box" dj-stream="s">${lines}</div>`
      : `<div id="box" class="box"><section><div id="t" dj-stream="s">${lines}</div></section></div>`;
    const target = document.getElementById('t');
    const box = boxOnTarget ? target : document.getElementById('box');
    box.scrollTop = box.scrollHeight - box.clientHeight - fromBottom;
    const before = box.scrollTop;
    const { ScrollKeeper, scrollContainerOf } = window.lab.scroll;
    const keeper = new ScrollKeeper();
    keeper.measure(target);
    window.lab.ops.applyOp(root, 's', { op: 'append', html: '<p>more</p>'.repeat(5) });
    keeper.settle();
    return {
      container: scrollContainerOf(target) === box,
      before,
      after: box.scrollTop,
      atBottom: box.scrollHeight - box.scrollTop - box.clientHeight,
    };
  }, { fromBottom, boxOnTarget });
}

test('scroll container: nearest overflow-y auto/scroll ancestor, target included, else the document', async () => {
  assert.equal((await scrollCase(0)).container, true);
  assert.equal((await scrollCase(0, { boxOnTarget: true })).container, true);
  const doc = await page.evaluate(() => {
    document.getElementById('root').innerHTML = '<div id="t" dj-stream="s"></div>';
    return window.lab.scroll.scrollContainerOf(document.getElementById('t')) === document.scrollingElement;
  });
  assert.equal(doc, true);
});

test('near the bottom (within 100 px) follows to the bottom', async () => {
  for (const fromBottom of [0, 99]) {
    const r = await scrollCase(fromBottom);
    assert.equal(r.atBottom, 0, `from ${fromBottom}px`);
  }
  assert.equal((await scrollCase(50, { boxOnTarget: true })).atBottom, 0);
});

test('scrolled up keeps the reader where they were', async () => {
  const r = await scrollCase(300);
  assert.equal(r.after, r.before);
  assert.ok(r.atBottom > 300);
});

test('the document scrolls too when it is the container', async () => {
  const r = await page.evaluate(async () => {
    const root = document.getElementById('root');
    root.innerHTML = '<div id="t" dj-stream="s">' + '<p>line</p>'.repeat(100) + '</div>';
    const se = document.scrollingElement;
    const { ScrollKeeper } = window.lab.scroll;
    const result = {};
    for (const [name, top] of [['follow', se.scrollHeight], ['stay', 0]]) {
      se.scrollTop = top;
      const before = se.scrollTop;
      const keeper = new ScrollKeeper();
      keeper.measure(document.getElementById('t'));
      window.lab.ops.applyOp(root, 's', { op: 'append', html: '<p>x</p>'.repeat(10) });
      keeper.settle();
      result[name] = { before, gap: se.scrollHeight - se.scrollTop - se.clientHeight, top: se.scrollTop };
    }
    se.scrollTop = 0;
    return result;
  });
  assert.equal(r.follow.gap, 0);
  assert.equal(r.stay.top, 0);
});

// --- morph -----------------------------------------------------------------

test('morph keeps focus, caret and a typed value; updates the rest', async () => {
  await page.evaluate(() => {
    document.getElementById('root').innerHTML = '<p id="p">one</p><input id="in" name="q" value="">';
  });
  await page.focus('#in');
  await page.keyboard.type('hello world');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const r = await page.evaluate(() => {
    const input = document.getElementById('in');
    window.lab.morph.morphRoot(document.getElementById('root'), '<p id="p">two</p><input id="in" name="q" value="">');
    return {
      same: document.getElementById('in') === input,
      focused: document.activeElement === input,
      value: input.value,
      caret: [input.selectionStart, input.selectionEnd],
      p: document.getElementById('p').textContent,
    };
  });
  assert.deepEqual(r, { same: true, focused: true, value: 'hello world', caret: [9, 9], p: 'two' });
});

test('morph keeps a scroll container where it was', async () => {
  const top = await page.evaluate(() => {
    const root = document.getElementById('root');
    const html = (n) => '<div id="box" class="box">' + '<p>line</p>'.repeat(n) + '</div>';
    root.innerHTML = html(50);
    document.getElementById('box').scrollTop = 123;
    window.lab.morph.morphRoot(root, html(60));
    return document.getElementById('box').scrollTop;
  });
  assert.equal(top, 123);
});

const streamTarget = (attrs, body) => `<div id="t" class="msg" dj-stream="s"${attrs}>${body}</div>`;

async function morphCase(ops, templateHtml) {
  return page.evaluate(({ ops, templateHtml }) => {
    const root = document.getElementById('root');
    root.innerHTML = '<h1>v1</h1><div id="t" class="msg" dj-stream="s"></div><div id="ig" dj-update="ignore">initial</div>';
    for (const op of ops) window.lab.ops.applyOp(root, 's', op);
    document.getElementById('ig').textContent = 'client-owned';
    window.lab.morph.morphRoot(root, templateHtml);
    return root.innerHTML;
  }, { ops, templateHtml });
}

const v2 = '<h1>v2</h1><div id="t" class="msg new" dj-stream="s">rendered</div><div id="ig" dj-update="ignore">server</div>';

test('morph leaves an active stream target alone (content and stream attributes), and dj-update=ignore', async () => {
  const html = await morphCase([{ op: 'start' }, { op: 'text', text: 'streaming' }], v2);
  assert.equal(html, '<h1>v2</h1>' + streamTarget(' data-stream-active="true"', 'streaming').replace('class="msg"', 'class="msg new"') +
    '<div id="ig" dj-update="ignore">client-owned</div>');
});

test('morph leaves an errored stream target alone until the next start', async () => {
  const html = await morphCase([{ op: 'start' }, { op: 'text', text: 'part' }, { op: 'error', error: 'bad' }], v2);
  assert.match(html, /<div id="t" class="msg new" dj-stream="s" data-stream-error="true">part<div class="dj-stream-error" role="alert">bad<\/div><\/div>/);
});

test('after done, the next re-render shows what the template renders', async () => {
  const html = await morphCase([{ op: 'start' }, { op: 'text', text: 'streamed' }, { op: 'done' }], v2);
  assert.equal(html, v2.replace('>server<', '>client-owned<'));
});

// --- events ------------------------------------------------------------------

async function bind(html) {
  await page.evaluate((html) => {
    const root = document.getElementById('root');
    root.innerHTML = html;
    if (window.unbind) window.unbind();
    window.pushed = [];
    window.unbind = window.lab.events.bindEvents(root, (event, params) => window.pushed.push({ event, params, t: performance.now() }));
  }, html);
}
const pushed = () => page.evaluate(() => window.pushed.map(({ event, params }) => ({ event, params })));

test('dj-click sends data-* and dj-value-* params (camelCased), from a click inside the element too', async () => {
  await bind('<button id="b" dj-click="del" data-msg-id="4" dj-value-id="7" dj-value-user-name="ann"><span id="inner">x</span></button>');
  await page.click('#inner');
  assert.deepEqual(await pushed(), [{ event: 'del', params: { msgId: '4', id: '7', userName: 'ann' } }]);
});

test('dj-submit sends form fields and prevents the navigation', async () => {
  await bind('<form id="f" dj-submit="ask" action="/nowhere"><input name="content" value="hi"><select name="k"><option>a</option><option selected>b</option></select><button id="go">Send</button></form>');
  await page.click('#go');
  assert.deepEqual(await pushed(), [{ event: 'ask', params: { content: 'hi', k: 'b' } }]);
  assert.match(page.url(), /lab\.html$/);
});

test('dj-change sends {value}', async () => {
  await bind('<select id="s" dj-change="pick"><option>a</option><option>b</option></select>');
  await page.selectOption('#s', 'b');
  assert.deepEqual(await pushed(), [{ event: 'pick', params: { value: 'b' } }]);
});

test('dj-input is debounced (default 150 ms) and sends the latest value once', async () => {
  await bind('<input id="q" dj-input="search">');
  const start = await page.evaluate(() => performance.now());
  await page.type('#q', 'abc', { delay: 10 });
  assert.deepEqual(await pushed(), []);
  await page.waitForFunction(() => window.pushed.length > 0);
  const r = await page.evaluate(() => window.pushed);
  assert.deepEqual(r.map(({ event, params }) => ({ event, params })), [{ event: 'search', params: { value: 'abc' } }]);
  assert.ok(r[0].t - start >= 150, `sent after ${r[0].t - start} ms`);
  await page.waitForTimeout(200);
  assert.equal((await pushed()).length, 1);
});

test('dj-debounce sets the delay; a click flushes pending input first', async () => {
  await bind('<input id="q" dj-input="search" dj-debounce="5000"><button id="b" dj-click="go">go</button>');
  await page.type('#q', 'xy');
  await page.click('#b');
  assert.deepEqual(await pushed(), [
    { event: 'search', params: { value: 'xy' } },
    { event: 'go', params: {} },
  ]);
  await bind('<input id="q" dj-input="search" dj-debounce="0">');
  await page.type('#q', 'ab');
  assert.deepEqual(await pushed(), [{ event: 'search', params: { value: 'a' } }, { event: 'search', params: { value: 'ab' } }]);
});
