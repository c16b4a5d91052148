// Applies one stream op to the DOM (docs/protocol.md, "Stream ops").
//
// Where text goes when an error is shown: the error element stays the last
// child of its target until the next `start` removes it. Content ops (append,
// text append, replace) work on the content before it, so later text never
// merges into the error and the error stays visible under the partial output.

import { Attr, ERROR_CLASS, Key, Op, StreamEvent, TextMode, defaultTarget } from './protocol.js';

export function fire(target, name, detail) {
  target.dispatchEvent(new CustomEvent(name, { bubbles: true, detail }));
}

export function resolveTarget(scope, stream, op) {
  const selector = op[Key.TARGET] || defaultTarget(stream);
  try {
    return scope.querySelector(selector);
  } catch (e) {
    return null; // a malformed selector addresses nothing
  }
}

function errorElementOf(target) {
  const last = target.lastElementChild;
  return last && last.classList.contains(ERROR_CLASS) ? last : null;
}

// The node content is inserted before when appending: the error element if
// one is shown, else the end.
function appendAnchor(target) {
  return errorElementOf(target);
}

function parseFragment(doc, html) {
  const template = doc.createElement('template');
  template.innerHTML = html == null ? '' : String(html);
  return template.content;
}

function removeContentBefore(target, anchor) {
  while (target.firstChild && target.firstChild !== anchor) target.removeChild(target.firstChild);
}

function textMode(target, op) {
  const mode = op[Key.MODE] || target.getAttribute(Attr.STREAM_MODE) || TextMode.APPEND;
  return mode === TextMode.REPLACE || mode === TextMode.PREPEND ? mode : TextMode.APPEND;
}

function appendText(target, text) {
  const anchor = appendAnchor(target);
  const before = anchor ? anchor.previousSibling : target.lastChild;
  if (before && before.nodeType === Node.TEXT_NODE) {
    // Cost of the token, not of the message: no re-serialising what is there.
    before.appendData(text);
  } else {
    target.insertBefore(target.ownerDocument.createTextNode(text), anchor);
  }
}

function prependText(target, text) {
  const first = target.firstChild;
  if (first && first.nodeType === Node.TEXT_NODE) first.insertData(0, text);
  else target.insertBefore(target.ownerDocument.createTextNode(text), first);
}

function applyText(target, op) {
  const text = op[Key.TEXT] == null ? '' : String(op[Key.TEXT]);
  const mode = textMode(target, op);
  if (mode === TextMode.APPEND) {
    appendText(target, text);
  } else if (mode === TextMode.PREPEND) {
    prependText(target, text);
  } else {
    const anchor = appendAnchor(target);
    removeContentBefore(target, anchor);
    target.insertBefore(target.ownerDocument.createTextNode(text), anchor);
  }
  return { text, mode };
}

function showError(target, message) {
  const old = errorElementOf(target);
  if (old) old.remove();
  const el = target.ownerDocument.createElement('div');
  el.className = ERROR_CLASS;
  el.setAttribute('role', 'alert');
  el.textContent = message;
  target.appendChild(el);
  target.setAttribute(Attr.STREAM_ERROR, 'true');
  target.removeAttribute(Attr.STREAM_ACTIVE);
}

function clearError(target) {
  for (const child of Array.from(target.children)) {
    if (child.classList.contains(ERROR_CLASS)) child.remove();
  }
  target.removeAttribute(Attr.STREAM_ERROR);
}

// Applies `op` of stream `stream` inside `scope` (the view root) and fires its
// event on the target. Returns the target, or null when the selector matched
// nothing or the op is unknown (then nothing happens and nothing fires).
export function applyOp(scope, stream, op, dispatch = fire) {
  const target = resolveTarget(scope, stream, op);
  if (!target) return null;
  const doc = target.ownerDocument;
  // The page holds what a stream put here through re-renders, until the
  // server resets it (docs/views.md, "What a re-render changes").
  if (op[Key.OP] !== Op.DELETE && op[Key.OP] !== Op.DONE) target.setAttribute(Attr.STREAM_OWNED, '');
  switch (op[Key.OP]) {
    case Op.REPLACE: {
      const anchor = appendAnchor(target);
      removeContentBefore(target, anchor);
      target.insertBefore(parseFragment(doc, op[Key.HTML]), anchor);
      dispatch(target, StreamEvent.UPDATE, { op: Op.REPLACE, stream });
      return target;
    }
    case Op.APPEND:
      target.insertBefore(parseFragment(doc, op[Key.HTML]), appendAnchor(target));
      dispatch(target, StreamEvent.UPDATE, { op: Op.APPEND, stream });
      return target;
    case Op.PREPEND:
      target.insertBefore(parseFragment(doc, op[Key.HTML]), target.firstChild);
      dispatch(target, StreamEvent.UPDATE, { op: Op.PREPEND, stream });
      return target;
    case Op.TEXT: {
      const { text, mode } = applyText(target, op);
      dispatch(target, StreamEvent.TEXT, { text, mode, stream });
      return target;
    }
    case Op.DELETE:
      // Fired first so listeners still see the element in the document.
      dispatch(target, StreamEvent.REMOVE, { stream });
      target.remove();
      return target;
    case Op.ERROR: {
      const error = op[Key.ERROR] == null ? '' : String(op[Key.ERROR]);
      showError(target, error);
      dispatch(target, StreamEvent.ERROR, { error, stream });
      return target;
    }
    case Op.START:
      target.setAttribute(Attr.STREAM_ACTIVE, 'true');
      clearError(target);
      dispatch(target, StreamEvent.START, { stream });
      return target;
    case Op.DONE:
      target.removeAttribute(Attr.STREAM_ACTIVE);
      dispatch(target, StreamEvent.DONE, { stream });
      return target;
    default:
      return null;
  }
}
