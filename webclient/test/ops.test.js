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

// Sets the root's html, applies ops of stream `stream` and returns the root's
// html afterwards plus the events logged while applying. The ownership mark
// every content op leaves (data-stream-owned) is reported apart, as `owned`
// (the ids of marked elements), so the html compares as the author wrote it.
async function run(html, stream, ops) {
  return page.evaluate(({ html, stream, ops }) => {
    const root = document.getElementById('root');
    root.innerHTML = html;
    window.log = [];
    const targets = ops.map((op) => window.lab.ops.applyOp(root, stream, op));
    const owned = Array.from(root.querySelectorAll('[data-stream-owned]'), (el) => el.id);
    const copy = root.cloneNode(true);
    for (const el of copy.querySelectorAll('[data-stream-owned]')) el.removeAttribute('data-stream-owned');
    return { html: copy.innerHTML, owned, log: window.log, found: targets.map((t) => t !== null) };
  }, { html, stream, ops });
}

const T = '<div id="t" dj-stream="s">';

test('replace: content becomes html, fires stream:update {op, stream}', async () => {
  const r = await run(T + '<p>old</p>text</div>', 's', [{ op: 'replace', target: '#t', html: '<b>new</b>' }]);
  assert.equal(r.html, T + '<b>new</b></div>');
  assert.deepEqual(r.log.map((e) => [e.type, e.detail, e.target]), [['stream:update', { op: 'replace', stream: 's' }, 't']]);
  assert.equal(r.log[0].html, '<b>new</b>', 'listener sees the DOM as of its op');
});

test('append and prepend insert html at the end and the start', async () => {
  const r = await run(T + '<i>mid</i></div>', 's', [
    { op: 'append', target: '#t', html: '<b>end</b>' },
    { op: 'prepend', target: '#t', html: '<u>start</u>' },
  ]);
  assert.equal(r.html, T + '<u>start</u><i>mid</i><b>end</b></div>');
  assert.deepEqual(r.log.map((e) => e.detail), [{ op: 'append', stream: 's' }, { op: 'prepend', stream: 's' }]);
  assert.equal(r.log[0].html, '<i>mid</i><b>end</b>');
});

test('content ops mark their target as stream-owned; delete and done do not', async () => {
  let r = await run(T + '</div><div id="u" dj-stream="s"></div>', 's', [{ op: 'append', target: '#t', html: '<i>x</i>' }]);
  assert.deepEqual(r.owned, ['t']);
  for (const op of ['text', 'replace', 'prepend', 'start', 'error']) {
    r = await run(T + '</div>', 's', [{ op, target: '#t', html: '', text: '', message: 'm' }]);
    assert.deepEqual(r.owned, ['t'], op);
  }
  for (const op of ['done', 'delete']) {
    r = await run(T + 'x</div>', 's', [{ op, target: '#t' }]);
    assert.deepEqual(r.owned, [], op);
  }
});

test('the target defaults to [dj-stream=NAME]', async () => {
  const r = await run('<div id="t" dj-stream="a b"></div>', 'a b', [{ op: 'text', text: 'hi' }]);
  assert.equal(r.html, '<div id="t" dj-stream="a b">hi</div>');
  assert.equal(r.log[0].target, 't');
});

test('an op whose target matches nothing changes nothing and fires nothing', async () => {
  const r = await run(T + 'x</div>', 's', [{ op: 'text', target: '#nope', text: 'y' }, { op: 'text', target: '!!', text: 'y' }]);
  assert.equal(r.html, T + 'x</div>');
  assert.deepEqual(r.log, []);
  assert.deepEqual(r.found, [false, false]);
});

test('text: append, prepend, replace, and the element default mode', async () => {
  let r = await run(T + 'b</div>', 's', [
    { op: 'text', target: '#t', text: 'c', mode: 'append' },
    { op: 'text', target: '#t', text: 'a', mode: 'prepend' },
    { op: 'text', target: '#t', text: '<not html>' },
  ]);
  assert.equal(r.html, T + 'abc&lt;not html&gt;</div>');
  assert.deepEqual(r.log.map((e) => [e.type, e.detail]), [
    ['stream:text', { text: 'c', mode: 'append', stream: 's' }],
    ['stream:text', { text: 'a', mode: 'prepend', stream: 's' }],
    ['stream:text', { text: '<not html>', mode: 'append', stream: 's' }],
  ]);
  r = await run('<div id="t" dj-stream="s" dj-stream-mode="replace"><p>x</p>old</div>', 's', [{ op: 'text', target: '#t', text: 'new' }]);
  assert.equal(r.html, '<div id="t" dj-stream="s" dj-stream-mode="replace">new</div>');
  assert.deepEqual(r.log[0].detail, { text: 'new', mode: 'replace', stream: 's' });
});

test('text append uses Text.appendData on one trailing text node over 1,000 appends', async () => {
  const r = await page.evaluate(() => {
    const root = document.getElementById('root');
    root.innerHTML = '<div id="t" dj-stream="s"><p>head</p></div>';
    const target = document.getElementById('t');
    const original = Text.prototype.appendData;
    let calls = 0;
    Text.prototype.appendData = function (data) {
      calls++;
      return original.call(this, data);
    };
    let setter = 0;
    const desc = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
    Object.defineProperty(target, 'textContent', {
      get() { return desc.get.call(this); },
      set(v) { setter++; desc.set.call(this, v); },
      configurable: true,
    });
    try {
      for (let i = 0; i < 1000; i++) window.lab.ops.applyOp(root, 's', { op: 'text', text: 'tok ' });
    } finally {
      Text.prototype.appendData = original;
      delete target.textContent;
    }
    const texts = Array.from(target.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE);
    return { calls, setter, textNodes: texts.length, length: texts[0].data.length, first: target.firstChild.nodeName };
  });
  // The first append creates the node; every later one extends it.
  assert.equal(r.calls, 999);
  assert.equal(r.setter, 0);
  assert.equal(r.textNodes, 1);
  assert.equal(r.length, 4000);
  assert.equal(r.first, 'P');
});

test('delete fires stream:remove first, while the target is still in the document', async () => {
  const r = await run('<ul id="t" dj-stream="s"><li id="m42">x</li><li>y</li></ul>', 's', [{ op: 'delete', target: '#m42' }]);
  assert.equal(r.html, '<ul id="t" dj-stream="s"><li>y</li></ul>');
  assert.deepEqual(r.log.map((e) => [e.type, e.detail, e.target, e.connected]), [['stream:remove', { stream: 's' }, 'm42', true]]);
});

test('start and done set and remove data-stream-active', async () => {
  const r = await page.evaluate(() => {
    const root = document.getElementById('root');
    root.innerHTML = '<div id="t" dj-stream="s"></div>';
    window.log = [];
    const t = document.getElementById('t');
    const seen = [];
    t.addEventListener('stream:start', () => seen.push(t.getAttribute('data-stream-active')));
    t.addEventListener('stream:done', () => seen.push(t.getAttribute('data-stream-active')));
    window.lab.ops.applyOp(root, 's', { op: 'start' });
    window.lab.ops.applyOp(root, 's', { op: 'text', text: 'hi' });
    window.lab.ops.applyOp(root, 's', { op: 'done' });
    return { seen, log: window.log.map((e) => [e.type, e.detail]), html: root.innerHTML };
  });
  assert.deepEqual(r.seen, ['true', null]);
  assert.deepEqual(r.log, [['stream:start', { stream: 's' }], ['stream:text', { text: 'hi', mode: 'append', stream: 's' }], ['stream:done', { stream: 's' }]]);
  assert.equal(r.html, '<div id="t" dj-stream="s" data-stream-owned="">hi</div>');
});

test('error: its own element, partial content kept, active removed, later text not merged into it', async () => {
  const r = await run(T + '</div>', 's', [
    { op: 'start' },
    { op: 'text', text: 'partial ' },
    { op: 'error', error: 'model <overloaded>' },
    { op: 'text', text: 'late' },
    { op: 'append', html: '<b>x</b>' },
  ]);
  assert.equal(r.html, '<div id="t" dj-stream="s" data-stream-error="true">partial late<b>x</b>' +
    '<div class="dj-stream-error" role="alert">model &lt;overloaded&gt;</div></div>');
  const e = r.log.find((x) => x.type === 'stream:error');
  assert.deepEqual(e.detail, { error: 'model <overloaded>', stream: 's' });
  const text = await page.evaluate(() => {
    const t = document.getElementById('t');
    return { errorText: t.querySelector('.dj-stream-error').textContent, first: t.firstChild.data };
  });
  assert.deepEqual(text, { errorText: 'model <overloaded>', first: 'partial late' });
});

test('replace while an error shows keeps the error last', async () => {
  const r = await run(T + '</div>', 's', [{ op: 'error', error: 'e' }, { op: 'replace', html: 'r' }, { op: 'text', text: 't', mode: 'replace' }]);
  assert.equal(r.html, '<div id="t" dj-stream="s" data-stream-error="true">t<div class="dj-stream-error" role="alert">e</div></div>');
});

test('a second error replaces the first error element', async () => {
  const r = await run(T + '</div>', 's', [{ op: 'error', error: 'one' }, { op: 'error', error: 'two' }]);
  assert.equal(r.html, '<div id="t" dj-stream="s" data-stream-error="true"><div class="dj-stream-error" role="alert">two</div></div>');
});

test('start clears a previous error, keeps the content, and text continues', async () => {
  const r = await run(T + '</div>', 's', [
    { op: 'start' }, { op: 'text', text: 'abc' }, { op: 'error', error: 'boom' },
    { op: 'start' }, { op: 'text', text: 'def' },
  ]);
  assert.equal(r.html, '<div id="t" dj-stream="s" data-stream-active="true">abcdef</div>');
  const startAfterError = r.log.filter((e) => e.type === 'stream:start')[1];
  assert.equal(startAfterError.html, 'abc');
});
