// Math in Markdown, typeset with KaTeX inside [data-rill-math] roots: md4c
// writes $…$ as <x-equation> and $$…$$ as <x-equation type="display">,
// with the TeX as their text.
//
// Each equation is drawn into a shadow root of its own element, so the
// element's children (the TeX, as the server sent it) stay what the server
// thinks they are: patches and re-renders keep matching the page, and
// copying an answer copies the TeX. KaTeX builds its DOM setting styles
// through CSSOM, which the page's CSP allows (its HTML-string output would
// need inline style attributes, which it does not). KaTeX (about 270 KB) is
// loaded the first time an equation shows up; trust is off (no \href, no
// \htmlClass) and macro expansion is bounded.
//
// A page opts in with <div data-rill-root data-rill-math>; rill.js loads
// this module.

export const WATCH_ATTR = 'data-rill-math';
const EQUATION = 'x-equation';
const CSS_URL = new URL('./vendor/katex.css', import.meta.url).href;
const OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 500, output: 'htmlAndMathml' };

let katexModule = null;
function loadKatex() {
  katexModule ??= import('./vendor/katex.js').then((m) => m.default);
  return katexModule;
}

const shown = new WeakMap(); // equation -> the TeX it shows

// @font-face rules are not taken from shadow trees: the document needs the
// stylesheet too.
function ensureDocumentStyles(doc) {
  if (doc.querySelector('link[data-rill-katex]')) return;
  const link = doc.createElement('link');
  link.rel = 'stylesheet';
  link.href = CSS_URL;
  link.setAttribute('data-rill-katex', '');
  doc.head.appendChild(link);
}

function pendingWithin(element) {
  const all = Array.from(element.querySelectorAll(EQUATION));
  if (element.localName === EQUATION) all.unshift(element);
  return all.filter((eq) => shown.get(eq) !== eq.textContent);
}

export function typeset(eq, katex) {
  const doc = eq.ownerDocument;
  const tex = eq.textContent;
  const display = eq.getAttribute('type') === 'display';
  const shadow = eq.shadowRoot ?? eq.attachShadow({ mode: 'open' });
  const link = doc.createElement('link');
  link.rel = 'stylesheet';
  link.href = CSS_URL;
  const box = doc.createElement(display ? 'div' : 'span');
  try {
    katex.render(tex, box, { ...OPTIONS, displayMode: display });
  } catch (e) {
    box.textContent = tex; // what KaTeX cannot take is shown as written
  }
  shadow.replaceChildren(link, box);
  shown.set(eq, tex);
}

// Typesets the equations inside `element` that are new or changed; resolves
// to how many it typeset.
export async function typesetWithin(element) {
  if (!pendingWithin(element).length) return 0;
  const katex = await loadKatex();
  ensureDocumentStyles(element.ownerDocument);
  const pending = pendingWithin(element); // again: the page may have moved on while loading
  for (const eq of pending) typeset(eq, katex);
  return pending.length;
}

function report(e) {
  console.error('rill: typesetting math', e);
}

// Typesets equations as renders and stream ops add or change them; returns
// a function that stops watching.
export function watch(root) {
  const observer = new MutationObserver((mutations) => {
    const touched = new Set();
    for (const m of mutations) {
      const target = m.target.nodeType === Node.ELEMENT_NODE ? m.target : m.target.parentElement;
      const eq = target?.closest(EQUATION);
      if (eq) touched.add(eq);
      for (const node of m.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) touched.add(node);
    }
    for (const el of touched) if (el.isConnected) typesetWithin(el).catch(report);
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  typesetWithin(root).catch(report);
  return () => observer.disconnect();
}

for (const root of document.querySelectorAll('[' + WATCH_ATTR + ']')) watch(root);
