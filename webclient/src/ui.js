// Small page behaviours a view switches on with attributes, so its template
// needs no script of its own (the page's CSP allows none inline):
//
//   textarea[data-rill-enter-submit]  Enter submits its form (when the form
//       has an enabled submit button and the text is not blank); Shift+Enter
//       is a newline; nothing happens during an IME composition.
//   textarea[data-rill-autogrow]      grows with its text up to its CSS
//       max-height, then scrolls.
//   [data-rill-shortcut="Escape"]     a key (Escape, or e.g. "Ctrl+K") that
//       clicks the element while it is shown and enabled.
//   [data-rill-elapsed]               shows the seconds since it appeared
//       ("1.2 s"), every tenth of a second.
//   [data-rill-theme-toggle]          switches between the light and dark
//       theme: <html data-theme="light|dark">, remembered in localStorage;
//       without a choice the page follows prefers-color-scheme.
//   [data-rill-toggle="NAME"]         toggles <html data-NAME-open> (outside
//       the view root: re-renders keep it) and aria-expanded on the toggles;
//       a click inside [data-rill-close="NAME"] removes it, so does Escape
//       (the focus goes back to the toggle). If the toggle's aria-controls
//       names an element with data-rill-trap-focus (a drawer, a dialog), the
//       focus moves into it when it opens and Tab stays inside while open.
//   [data-rill-external-links]        links to other sites inside it open in
//       a new tab, target=_blank rel="noopener noreferrer".
//   <div hidden id="ID" data-rill-download="FILE" data-type="MIME">TEXT</div>
//       saves TEXT (its textContent, exactly) as FILE once, when a render
//       adds it (an "Export" handler puts it in the page); again only when
//       a render gives it another id (make it unique per export).
//
// (data-rill-autofocus and data-rill-refocus are the client's: client.js.)

import { RillEvent } from './protocol.js';

export const THEME_KEY = 'rill:theme';

function storage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null;
  }
}

// ---- composer --------------------------------------------------------------

export function autogrow(field) {
  field.style.height = 'auto';
  const style = getComputedStyle(field);
  const border = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
  const max = parseFloat(style.maxHeight);
  const wanted = field.scrollHeight + border;
  field.style.height = `${Number.isFinite(max) ? Math.min(wanted, max) : wanted}px`;
}

function autogrowAll(root) {
  for (const field of root.querySelectorAll('textarea[data-rill-autogrow]')) autogrow(field);
}

function onKeydownEnter(event) {
  const field = event.target;
  if (!(field instanceof HTMLTextAreaElement) || !field.hasAttribute('data-rill-enter-submit')) return false;
  if (event.key !== 'Enter' || event.shiftKey || event.altKey) return true;
  // keyCode 229: the key went to an input method (older engines do not set isComposing).
  if (event.isComposing || event.keyCode === 229) return true;
  event.preventDefault();
  const form = field.form;
  if (!form || !field.value.trim()) return true;
  const submit = form.querySelector('button[type=submit]:not([disabled]), input[type=submit]:not([disabled])');
  if (submit) form.requestSubmit(submit);
  return true;
}

// ---- shortcuts -------------------------------------------------------------

function keyName(event) {
  const parts = [];
  if (event.ctrlKey) parts.push('Ctrl');
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey) parts.push('Shift');
  if (event.metaKey) parts.push('Meta');
  parts.push(event.key.length === 1 ? event.key.toUpperCase() : event.key);
  return parts.join('+');
}

function onShortcut(root, event) {
  if (event.defaultPrevented || event.isComposing) return;
  const name = keyName(event);
  for (const el of root.querySelectorAll('[data-rill-shortcut]')) {
    if (el.getAttribute('data-rill-shortcut') !== name || el.disabled || !el.getClientRects().length) continue;
    event.preventDefault();
    el.click();
    return;
  }
}

// ---- elapsed time ----------------------------------------------------------

const since = new WeakMap();
let ticking = null;

function tick(root) {
  const shown = root.querySelectorAll('[data-rill-elapsed]');
  const now = performance.now();
  for (const el of shown) {
    if (!since.has(el)) since.set(el, now);
    const text = `${((now - since.get(el)) / 1000).toFixed(1)} s`;
    if (el.textContent !== text) el.textContent = text;
  }
  if (!shown.length && ticking) {
    clearInterval(ticking);
    ticking = null;
  }
}

function watchElapsed(root) {
  if (ticking || !root.querySelector('[data-rill-elapsed]')) return;
  tick(root);
  ticking = setInterval(tick, 100, root);
}

// ---- theme -----------------------------------------------------------------

export function currentTheme(doc = document) {
  const chosen = doc.documentElement.getAttribute('data-theme');
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyStoredTheme(doc = document) {
  const chosen = storage()?.getItem(THEME_KEY);
  if (chosen === 'light' || chosen === 'dark') doc.documentElement.setAttribute('data-theme', chosen);
}

function toggleTheme(doc) {
  const next = currentTheme(doc) === 'dark' ? 'light' : 'dark';
  doc.documentElement.setAttribute('data-theme', next);
  try {
    storage()?.setItem(THEME_KEY, next);
  } catch (e) {
    // storage full or off: the choice holds for this page only
  }
}

// ---- toggles ---------------------------------------------------------------

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), '
  + 'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function togglesOf(root, name) {
  return Array.from(root.querySelectorAll(`[data-rill-toggle="${CSS.escape(name)}"]`));
}

// The open element that keeps the focus while NAME is open, if any.
function trapOf(root, name) {
  for (const toggle of togglesOf(root, name)) {
    const id = toggle.getAttribute('aria-controls');
    const el = id ? root.ownerDocument.getElementById(id) : null;
    if (el && el.hasAttribute('data-rill-trap-focus')) return el;
  }
  return null;
}

function focusables(el) {
  return Array.from(el.querySelectorAll(FOCUSABLE)).filter((e) => e.getClientRects().length);
}

function openNames(doc) {
  return doc.documentElement.getAttributeNames().map((a) => /^data-(.+)-open$/.exec(a)?.[1]).filter(Boolean);
}

function setOpen(root, name, open) {
  root.ownerDocument.documentElement.toggleAttribute(`data-${name}-open`, open);
  for (const el of togglesOf(root, name)) el.setAttribute('aria-expanded', String(open));
  const trap = open ? trapOf(root, name) : null;
  if (trap) focusables(trap)[0]?.focus({ preventScroll: true });
}

// Escape closes what is open (before any Escape shortcut); Tab stays in an
// open trap.
function onToggleKeys(root, event) {
  if (event.defaultPrevented || event.isComposing) return;
  const doc = root.ownerDocument;
  const open = openNames(doc).filter((name) => togglesOf(root, name).length);
  if (!open.length) return;
  const name = open[open.length - 1];
  if (event.key === 'Escape') {
    event.preventDefault();
    setOpen(root, name, false);
    const toggle = togglesOf(root, name).find((t) => t.getClientRects().length);
    toggle?.focus({ preventScroll: true });
    return;
  }
  const trap = event.key === 'Tab' ? trapOf(root, name) : null;
  if (!trap) return;
  const list = focusables(trap);
  if (!list.length) return;
  const at = list.indexOf(doc.activeElement);
  if (at < 0 || (event.shiftKey && at === 0) || (!event.shiftKey && at === list.length - 1)) {
    event.preventDefault();
    list[event.shiftKey ? list.length - 1 : 0].focus({ preventScroll: true });
  }
}

// ---- links -----------------------------------------------------------------

function isExternal(link) {
  return (link.protocol === 'http:' || link.protocol === 'https:') && link.origin !== window.location.origin;
}

export function markExternalLinks(root) {
  for (const link of root.querySelectorAll('[data-rill-external-links] a[href]')) {
    if (!isExternal(link)) continue;
    if (link.getAttribute('target') !== '_blank') link.setAttribute('target', '_blank');
    if (link.getAttribute('rel') !== 'noopener noreferrer') link.setAttribute('rel', 'noopener noreferrer');
  }
}

// ---- downloads -------------------------------------------------------------

const downloaded = new WeakMap(); // element -> the id it was saved under

export function startDownloads(root) {
  for (const el of root.querySelectorAll('[data-rill-download]')) {
    if (downloaded.has(el) && downloaded.get(el) === el.id) continue;
    downloaded.set(el, el.id);
    const blob = new Blob([el.textContent], { type: el.getAttribute('data-type') || 'text/plain' });
    const url = URL.createObjectURL(blob);
    const link = root.ownerDocument.createElement('a');
    link.href = url;
    link.download = el.getAttribute('data-rill-download') || 'download.txt';
    link.hidden = true;
    root.ownerDocument.body.appendChild(link); // outside the view root: renders never see it
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}

// ---- wiring ----------------------------------------------------------------

export function installUi(root) {
  const doc = root.ownerDocument;
  applyStoredTheme(doc);

  root.addEventListener('keydown', (event) => {
    onKeydownEnter(event);
  });
  doc.addEventListener('keydown', (event) => onToggleKeys(root, event));
  doc.addEventListener('keydown', (event) => onShortcut(root, event));
  root.addEventListener('input', (event) => {
    if (event.target instanceof HTMLTextAreaElement && event.target.hasAttribute('data-rill-autogrow')) autogrow(event.target);
  });
  // A form's reset (after its submit's reply) empties the field after the
  // event: measured once it has.
  root.addEventListener('reset', () => setTimeout(() => autogrowAll(root)), true);

  root.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest('[data-rill-theme-toggle]')) toggleTheme(doc);
    const toggle = target.closest('[data-rill-toggle]');
    if (toggle) {
      const name = toggle.getAttribute('data-rill-toggle');
      setOpen(root, name, !doc.documentElement.hasAttribute(`data-${name}-open`));
    }
    const close = target.closest('[data-rill-close]');
    if (close && close !== toggle) setOpen(root, close.getAttribute('data-rill-close'), false);
    // Before the default action, for links a render added since the last pass.
    const link = target.closest('[data-rill-external-links] a[href]');
    if (link) markExternalLinks(link.parentElement || root);
  });

  const update = () => {
    startDownloads(root);
    autogrowAll(root);
    markExternalLinks(root);
    watchElapsed(root);
    for (const el of root.querySelectorAll('[data-rill-toggle]')) {
      el.setAttribute('aria-expanded', String(doc.documentElement.hasAttribute(`data-${el.getAttribute('data-rill-toggle')}-open`)));
    }
  };
  root.addEventListener(RillEvent.UPDATED, update);
  update();
}
