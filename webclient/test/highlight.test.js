import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './support/harness.js';

let env;
let page;
before(async () => {
  env = await setup();
  page = await env.open('/test/pages/highlight.html');
});
after(async () => {
  const problems = page.problems;
  await env.teardown();
  assert.deepEqual(problems, []);
});

// Applies ops as the client would and reports the code elements afterwards
// (highlight.js loads on first use: the report waits for it).
async function apply(opsList) {
  return page.evaluate(async (opsList) => {
    const root = document.getElementById('root');
    for (const [stream, op] of opsList) window.lab.ops.applyOp(root, stream, op);
    await window.lab.highlight.loadHighlighter();
    await new Promise((r) => setTimeout(r));
    return Array.from(root.querySelectorAll('pre code'), (c) => ({
      in: c.closest('[dj-stream]').id,
      done: c.getAttribute('data-highlighted'),
      spans: c.querySelectorAll('span[class^="hljs-"]').length,
      text: c.textContent,
    }));
  }, opsList);
}

const PY = '<pre><code class="language-python">def f(x):\n    return 1\n</code></pre>\n';

test('an appended code block is highlighted once and marked', async () => {
  let r = await apply([['answer', { op: 'append', html: '<p>intro</p>' + PY }]]);
  assert.equal(r.length, 1);
  assert.equal(r[0].done, 'yes');
  assert.ok(r[0].spans > 0, 'keywords wrapped in hljs spans');
  assert.equal(r[0].text, 'def f(x):\n    return 1\n', 'text unchanged');
  const before = await page.evaluate(() => document.querySelector('#done code').innerHTML);
  r = await apply([['answer', { op: 'append', html: '<p>more</p>' }]]);
  const afterHtml = await page.evaluate(() => document.querySelector('#done code').innerHTML);
  assert.equal(afterHtml, before, 'a later op does not highlight it again');
});

test('the open tail (data-no-highlight) is left alone', async () => {
  const r = await apply([['answer-tail', { op: 'replace', target: '#tail', html: PY }]]);
  const tail = r.filter((c) => c.in === 'tail');
  assert.equal(tail.length, 1);
  assert.equal(tail[0].done, null);
  assert.equal(tail[0].spans, 0);
});

test('unknown or missing language: marked, not highlighted, no console warning', async () => {
  const r = await apply([
    ['answer', { op: 'replace', target: '#done', html: '<pre><code class="language-nosuchlang">x = 1</code></pre><pre><code>y</code></pre>' }],
  ]);
  const marked = r.filter((c) => c.in === 'done');
  assert.equal(marked[0].done, 'yes');
  assert.equal(marked[0].spans, 0);
  assert.equal(marked[1].done, null, 'no language class: not a target');
});

test('highlight.js is not loaded by a page without code blocks', async () => {
  const fresh = await env.open('/test/pages/highlight.html');
  const loaded = await fresh.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/vendor/highlight.js')));
  assert.equal(loaded, false);
});

test('highlightWithin returns the count and skips marked blocks', async () => {
  const counts = await page.evaluate(async () => {
    const box = document.createElement('div');
    box.innerHTML = '<pre><code class="language-js">let a = 1;</code></pre><pre><code class="language-cpp">int b;</code></pre>';
    document.body.appendChild(box);
    const hljs = await window.lab.highlight.loadHighlighter();
    const first = window.lab.highlight.highlightWithin(box, hljs);
    const second = window.lab.highlight.highlightWithin(box, hljs);
    box.remove();
    return [first, second];
  });
  assert.deepEqual(counts, [2, 0]);
});
