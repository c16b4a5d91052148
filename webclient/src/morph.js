// A whole render (the first paint after a reconnect, or when a patch could
// not be applied) morphs the view root with idiomorph. What a stream put in
// a target is the page's until the server resets it: an element holding
// stream content (data-stream-owned, -active or -error) keeps its content
// and those attributes; the server sends the resets it wants after the
// render. dj-update="ignore" keeps an element's content through everything.

import { Idiomorph } from './vendor/idiomorph.js';
import { Attr } from './protocol.js';

const STREAM_OWNED = [Attr.STREAM_ACTIVE, Attr.STREAM_ERROR, Attr.STREAM_OWNED];

function isElement(node) {
  return node.nodeType === Node.ELEMENT_NODE;
}

export function keepsContent(el) {
  return el.hasAttribute(Attr.STREAM_ACTIVE) || el.hasAttribute(Attr.STREAM_ERROR) ||
    el.hasAttribute(Attr.STREAM_OWNED) || el.getAttribute(Attr.UPDATE) === 'ignore';
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
