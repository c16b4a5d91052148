// Applies a re-render's patch (docs/protocol.md, "Patches"): ops on the
// nodes at paths of child indices from the view root, or on the element a
// selector finds. Each op says what the node must be; a page whose DOM is
// not what the server thinks (a script moved things, the browser parsed
// differently) stops at the first mismatch and asks for the view again.
//
// Keeps what the reader is doing: focus, caret and selection survive nodes
// moving; a field's typed value is never overwritten (attribute and text
// changes set defaults, which the browser applies only to untouched fields).

import { Attr, Key } from './protocol.js';

const STREAM_ATTRS = [Attr.STREAM_ACTIVE, Attr.STREAM_ERROR, Attr.STREAM_OWNED];

// Raw HTML source (entities) to the text it stands for.
let decoder = null;
export function decodeHtmlText(raw) {
  if (raw.indexOf('&') < 0) return raw;
  if (!decoder) decoder = document.createElement('textarea');
  decoder.innerHTML = raw;
  return decoder.value;
}

function parse(doc, html) {
  const template = doc.createElement('template');
  template.innerHTML = html;
  return Array.from(template.content.childNodes);
}

// What the server calls the node (docs/protocol.md, "Patches"): the view
// root is "#root", whatever element holds it.
function describe(node, root) {
  if (!node) return 'nothing';
  if (node === root) return '#root';
  if (node.nodeType === Node.TEXT_NODE) return '#text';
  if (node.nodeType === Node.COMMENT_NODE) return '#comment';
  return node.localName;
}

function resolve(root, op) {
  if (typeof op[Key.TARGET] === 'string') {
    try {
      return root.querySelector(op[Key.TARGET]);
    } catch (e) {
      return null;
    }
  }
  let node = root;
  for (const index of op[Key.PATH] || []) {
    node = node.childNodes[index];
    if (!node) return null;
  }
  return node;
}

// Focus and selection, to put back if moving nodes took them.
function rememberFocus(doc) {
  const active = doc.activeElement;
  if (!active || active === doc.body) return null;
  const state = { el: active };
  if ('selectionStart' in active) {
    try {
      state.start = active.selectionStart;
      state.end = active.selectionEnd;
      state.dir = active.selectionDirection;
    } catch (e) {
      // inputs without a selection (type=number)
    }
  }
  return state;
}

function restoreFocus(doc, state) {
  if (!state || doc.activeElement === state.el || !state.el.isConnected) return;
  state.el.focus({ preventScroll: true });
  if (state.start != null) {
    try {
      state.el.setSelectionRange(state.start, state.end, state.dir);
    } catch (e) {
      // as above
    }
  }
}

function setChildren(el, runs) {
  const old = Array.from(el.childNodes);
  const wanted = [];
  for (const run of runs) {
    if (typeof run === 'string') wanted.push(...parse(el.ownerDocument, run));
    else if (Array.isArray(run) && run.length === 2) {
      const [first, count] = run;
      if (first < 0 || first + count > old.length) return false;
      for (let i = first; i < first + count; i++) wanted.push(old[i]);
    } else return false;
  }
  const keep = new Set(wanted);
  for (const node of old) if (!keep.has(node)) node.remove();
  for (let i = 0; i < wanted.length; i++) {
    const at = el.childNodes[i];
    if (at !== wanted[i]) el.insertBefore(wanted[i], at || null);
  }
  return true;
}

// Applies one op; returns null, or why it could not.
export function applyPatchOp(root, op) {
  const node = resolve(root, op);
  const expected = op[Key.TAG];
  if (!node || (expected && describe(node, root) !== expected)) {
    return `expected ${expected || 'a node'} at ${op[Key.TARGET] || JSON.stringify(op[Key.PATH])}, found ${describe(node, root)}`;
  }
  if (Key.SET in op) {
    for (const name of op[Key.UNSET] || []) {
      if (!STREAM_ATTRS.includes(name)) node.removeAttribute(name);
    }
    for (const [name, value] of Object.entries(op[Key.SET] || {})) {
      if (!STREAM_ATTRS.includes(name)) node.setAttribute(name, decodeHtmlText(String(value)));
    }
    return null;
  }
  if (Key.TEXT in op) {
    node.data = decodeHtmlText(String(op[Key.TEXT]));
    return null;
  }
  if (Key.CHILDREN in op) {
    return setChildren(node, op[Key.CHILDREN]) ? null : 'a run refers to children not there';
  }
  if (Key.OUTER in op) {
    if (node === root) return 'the view root cannot be replaced';
    node.replaceWith(...parse(node.ownerDocument, String(op[Key.OUTER])));
    return null;
  }
  if (Key.HTML in op) {
    // The template's content again: whatever a stream held there ends.
    node.innerHTML = String(op[Key.HTML]);
    if (node !== root) for (const name of STREAM_ATTRS) node.removeAttribute(name);
    return null;
  }
  return 'unknown patch op';
}

// Applies a patch's ops in order; returns null, or {index, reason} of the
// op that could not be applied (the ops before it were).
export function applyPatch(root, ops) {
  const focus = rememberFocus(root.ownerDocument);
  let failure = null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const reason = op && typeof op === 'object' ? applyPatchOp(root, op) : 'not an op';
    if (reason) {
      failure = { index: i, reason };
      break;
    }
  }
  restoreFocus(root.ownerDocument, focus);
  return failure;
}
