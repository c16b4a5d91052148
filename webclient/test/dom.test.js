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
  assert.equal(html, '<h1>v2</h1>' +
    streamTarget(' data-stream-owned="" data-stream-active="true"', 'streaming').replace('class="msg"', 'class="msg new"') +
    '<div id="ig" dj-update="ignore">client-owned</div>');
});

test('morph leaves an errored stream target alone until the next start', async () => {
  const html = await morphCase([{ op: 'start' }, { op: 'text', text: 'part' }, { op: 'error', error: 'bad' }], v2);
  assert.match(html, /<div id="t" class="msg new" dj-stream="s" data-stream-owned="" data-stream-error="true">part<div class="dj-stream-error" role="alert">bad<\/div><\/div>/);
});

test('after done the streamed content stays through a whole render; the server reset then shows the template', async () => {
  const r = await page.evaluate(({ v2 }) => {
    const root = document.getElementById('root');
    root.innerHTML = '<h1>v1</h1><div id="t" class="msg" dj-stream="s"></div>';
    for (const op of [{ op: 'start' }, { op: 'text', text: 'streamed' }, { op: 'done' }]) window.lab.ops.applyOp(root, 's', op);
    window.lab.morph.morphRoot(root, v2);
    const afterMorph = document.getElementById('t').outerHTML;
    // What the server sends after such a render: the target's template content again.
    const failure = window.lab.patch.applyPatch(root, [{ target: '#t', html: 'rendered' }]);
    return { afterMorph, failure, after: document.getElementById('t').outerHTML };
  }, { v2 });
  assert.equal(r.afterMorph, '<div id="t" class="msg new" dj-stream="s" data-stream-owned="">streamed</div>');
  assert.equal(r.failure, null);
  assert.equal(r.after, '<div id="t" class="msg new" dj-stream="s">rendered</div>');
});

// --- patches -----------------------------------------------------------------

async function patchCase(html, ops, before) {
  return page.evaluate(({ html, ops, before }) => {
    const root = document.getElementById('root');
    root.innerHTML = html;
    const marks = new Map();
    for (const el of root.querySelectorAll('[id]')) marks.set(el.id, el);
    if (before) new Function('root', before)(root);
    const failure = window.lab.patch.applyPatch(root, ops);
    const kept = Array.from(root.querySelectorAll('[id]')).filter((el) => marks.get(el.id) === el).map((el) => el.id);
    return { html: root.innerHTML, failure, kept };
  }, { html, ops, before });
}

test('patch: attributes set and unset, text by path, entities decoded', async () => {
  const r = await patchCase('<p id="a" class="x" title="t">one</p>', [
    { path: [0], tag: 'p', set: { class: 'y &amp; z' }, unset: ['title'] },
    { path: [0, 0], tag: '#text', text: 'two &lt;b&gt;' },
  ]);
  assert.equal(r.failure, null);
  assert.equal(r.html, '<p id="a" class="y &amp; z">two &lt;b&gt;</p>');
  assert.deepEqual(r.kept, ['a']);
});

test('patch: children runs keep, move and insert nodes (keyed reorder keeps the elements)', async () => {
  const r = await patchCase('<ul><li id="1">1</li><li id="2">2</li><li id="3">3</li></ul>', [
    { path: [0], tag: 'ul', children: [[2, 1], '<li id="4">4</li>', [0, 1]] },
  ]);
  assert.equal(r.failure, null);
  assert.equal(r.html, '<ul><li id="3">3</li><li id="4">4</li><li id="1">1</li></ul>');
  assert.deepEqual(r.kept.sort(), ['1', '3']);
});

test('patch: outer replaces a node; html resets a target and its stream marks', async () => {
  const r = await patchCase('<div id="a" data-stream-owned="" data-stream-active="true">x</div><span>s</span>', [
    { path: [1], tag: 'span', outer: '<em>e</em>' },
    { target: '#a', html: '<b>fresh</b>' },
  ]);
  assert.equal(r.failure, null);
  assert.equal(r.html, '<div id="a"><b>fresh</b></div><em>e</em>');
});

test('patch: stream attributes are never set or removed by attribute ops', async () => {
  const r = await patchCase('<div id="a" data-stream-owned="">x</div>', [
    { path: [0], tag: 'div', set: { class: 'c', 'data-stream-active': 'true' }, unset: ['data-stream-owned'] },
  ]);
  assert.equal(r.html, '<div id="a" data-stream-owned="" class="c">x</div>');
});

test('patch: a DOM not what the server thinks stops at the first mismatch and says where', async () => {
  let r = await patchCase('<p>one</p>', [{ path: [0], tag: 'p', set: { class: 'a' } }, { path: [0], tag: 'div', set: { class: 'b' } }, { path: [0], tag: 'p', set: { id: 'c' } }]);
  assert.deepEqual(r.failure, { index: 1, reason: 'expected div at [0], found p' });
  assert.equal(r.html, '<p class="a">one</p>');
  r = await patchCase('<p>one</p>', [{ path: [3, 1], tag: 'p', text: 'x' }]);
  assert.equal(r.failure.index, 0);
  r = await patchCase('<ul><li>1</li></ul>', [{ path: [0], tag: 'ul', children: [[0, 2]] }]);
  assert.deepEqual(r.failure, { index: 0, reason: 'a run refers to children not there' });
  assert.equal(r.html, '<ul><li>1</li></ul>');
  r = await patchCase('<p>one</p>', [{ target: '!!bad', html: 'x' }, 'junk']);
  assert.equal(r.failure.index, 0);
  r = await patchCase('<p>one</p>', ['junk']);
  assert.deepEqual(r.failure, { index: 0, reason: 'not an op' });
});

test('patch: the focused button label is updated; a focused input keeps value, caret and focus through a move', async () => {
  await page.evaluate(() => {
    document.getElementById('root').innerHTML = '<div><button id="b">Send</button></div><div><input id="in" name="q"></div>';
  });
  await page.focus('#b');
  let r = await page.evaluate(() => {
    const root = document.getElementById('root');
    const failure = window.lab.patch.applyPatch(root, [{ path: [0, 0, 0], tag: '#text', text: 'Stop' }]);
    return { failure, label: document.getElementById('b').textContent, focused: document.activeElement.id };
  });
  assert.deepEqual(r, { failure: null, label: 'Stop', focused: 'b' });
  await page.focus('#in');
  await page.keyboard.type('typing');
  await page.keyboard.press('ArrowLeft');
  r = await page.evaluate(() => {
    const root = document.getElementById('root');
    const input = document.getElementById('in');
    const failure = window.lab.patch.applyPatch(root, [
      { path: [], tag: '#root', children: [[1, 1], '<p>new</p>', [0, 1]] },
      { path: [0, 0], tag: 'input', set: { value: 'server', name: 'q' } },
    ]);
    return {
      failure, same: document.getElementById('in') === input, focused: document.activeElement === input,
      value: input.value, caret: [input.selectionStart, input.selectionEnd],
    };
  });
  assert.deepEqual(r, { failure: null, same: true, focused: true, value: 'typing', caret: [5, 5] });
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
