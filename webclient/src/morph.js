// Re-renders the view root with idiomorph. A stream target's content belongs
// to its stream: while the stream is active, or after it ended in an error
// (until the next start), a re-render must not touch its content nor the two
// stream attributes. Once done, the template owns it again. dj-update="ignore"
// keeps its content through every re-render.

import { Idiomorph } from './vendor/idiomorph.js';
import { Attr } from './protocol.js';

const STREAM_OWNED = [Attr.STREAM_ACTIVE, Attr.STREAM_ERROR];

function isElement(node) {
  return node.nodeType === Node.ELEMENT_NODE;
}

export function keepsContent(el) {
  return el.hasAttribute(Attr.STREAM_ACTIVE) || el.hasAttribute(Attr.STREAM_ERROR) ||
    el.getAttribute(Attr.UPDATE) === 'ignore';
}

// Attributes still follow the template (a class toggled by the view should
// show), except the ones the stream owns.
function syncAttributes(oldEl, newEl) {
  for (const { name } of Array.from(oldEl.attributes)) {
    if (!STREAM_OWNED.includes(name) && !newEl.hasAttribute(name)) oldEl.removeAttribute(name);
  }
  for (const { name, value } of Array.from(newEl.attributes)) {
    if (!STREAM_OWNED.includes(name) && oldEl.getAttribute(name) !== value) oldEl.setAttribute(name, value);
  }
}

const config = {
  morphStyle: 'innerHTML',
  restoreFocus: true,
  callbacks: {
    beforeNodeMorphed(oldNode, newNode) {
      if (!isElement(oldNode) || !isElement(newNode) || !keepsContent(oldNode)) return true;
      syncAttributes(oldNode, newNode);
      return false;
    },
  },
};

// keepActiveValue: keystrokes typed into the focused field while a render was
// in flight are not lost. The caller turns it off for the render that answers
// a submit of that field's form, so "clear the input after send" works.
export function morphRoot(root, html, { keepActiveValue = true } = {}) {
  Idiomorph.morph(root, html, Object.assign({}, config, { ignoreActiveValue: keepActiveValue }));
}
