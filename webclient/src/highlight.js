// Syntax highlighting for code blocks in streamed Markdown, once per block,
// with highlight.js (its common languages).
//
// The server (app/markdown) sends a fenced code block with
// class="language-X" as part of a finished block, appended once; so a block
// is highlighted when it arrives and marked (data-highlighted, which
// highlight.js sets itself), and later ops on the same target skip it. The
// open block at the end of an answer is re-sent every frame: give its target
// data-no-highlight, or each frame would highlight a block that the next one
// throws away.
//
// On import, roots marked data-rill-highlight are watched, so a page needs
// no inline script: <div data-rill-root data-rill-highlight> and
// <script type="module" src="/rill/client/highlight.js">. highlight.js
// itself (about 380 KB) is loaded when the first block to highlight shows
// up, not with the page.
import { StreamEvent } from './protocol.js';

export const WATCH_ATTR = 'data-rill-highlight';
export const NO_HIGHLIGHT_ATTR = 'data-no-highlight';
export const DONE_ATTR = 'data-highlighted';
const SELECTOR = 'pre code[class*="language-"]:not([' + DONE_ATTR + '])';

export function languageOf(code) {
  for (const name of code.classList) {
    if (name.startsWith('language-')) return name.slice('language-'.length);
  }
  return '';
}

// Highlights the unmarked code blocks inside `element` (not those under a
// data-no-highlight element) and marks them; returns how many were
// highlighted. A language highlight.js does not know is marked, not guessed:
// guessing would colour prose, and highlight.js would warn on the console.
let loading = null;
export function loadHighlighter() {
  loading ??= import('./vendor/highlight.js').then((m) => m.default);
  return loading;
}

// Whether `element` holds a block highlightWithin() would take.
export function hasPending(element) {
  if (element.closest('[' + NO_HIGHLIGHT_ATTR + ']')) return false;
  for (const code of element.querySelectorAll(SELECTOR)) {
    if (!code.closest('[' + NO_HIGHLIGHT_ATTR + ']')) return true;
  }
  return false;
}

export function highlightWithin(element, highlighter) {
  if (element.closest('[' + NO_HIGHLIGHT_ATTR + ']')) return 0;
  let count = 0;
  for (const code of element.querySelectorAll(SELECTOR)) {
    if (code.closest('[' + NO_HIGHLIGHT_ATTR + ']')) continue;
    const language = languageOf(code);
    if (highlighter.getLanguage(language)) {
      highlighter.highlightElement(code);
      count += 1;
    }
    code.setAttribute(DONE_ATTR, 'yes');
  }
  return count;
}

// Highlights code blocks as stream ops insert them anywhere under `root`;
// returns a function that stops watching.
export function watch(root, highlighter = null) {
  // Synchronously once highlight.js is there; until then, each element
  // waits for it (and is looked at again then: it may have changed).
  const highlight = (element) => {
    if (!hasPending(element)) return;
    if (highlighter) {
      highlightWithin(element, highlighter);
      return;
    }
    loadHighlighter().then((h) => {
      highlighter = h;
      if (element.isConnected) highlightWithin(element, h);
    }, (e) => console.error('rill: loading highlight.js', e));
  };
  const onUpdate = (event) => highlight(event.target);
  root.addEventListener(StreamEvent.UPDATE, onUpdate);
  // Blocks can also arrive through a re-render (a finished answer joining the
  // message list); give those a [dj-update=ignore] wrapper so the next
  // re-render keeps their highlighting.
  const observer = new MutationObserver((mutations) => {
    for (const m of mutations) {
      for (const node of m.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) highlight(node);
      }
    }
  });
  observer.observe(root, { childList: true, subtree: true });
  highlight(root);
  return () => {
    root.removeEventListener(StreamEvent.UPDATE, onUpdate);
    observer.disconnect();
  };
}

for (const root of document.querySelectorAll('[' + WATCH_ATTR + ']')) watch(root);
