// When the server no longer knows the page (its session ended after the
// reconnect grace, or the server restarted), the only way back is a fresh
// page. The reader is told, and what they were typing survives the reload:
// text fields of the view are kept in sessionStorage (this tab only) and
// put back into the same fields of the new page.

import { showNotice } from './notice.js';

const STORE_PREFIX = 'rill:typed:';
const RELOADED_AT = 'rill:reloaded-at';
// A page that comes back to the same failure this soon is not reloaded again.
const LOOP_WINDOW_MS = 15000;

const TEXT_INPUTS = 'textarea, input:not([type]), input[type=text], input[type=search], input[type=email], ' +
  'input[type=url], input[type=tel], input[type=number]';

function storeKey(location) {
  return STORE_PREFIX + location.pathname + location.search;
}

// Fields as (name, index among fields of that name): stable across renders
// of the same template.
function fieldsOf(root) {
  const seen = new Map();
  const out = [];
  for (const field of root.querySelectorAll(TEXT_INPUTS)) {
    const name = field.name || field.id;
    if (!name) continue;
    const index = seen.get(name) || 0;
    seen.set(name, index + 1);
    out.push({ key: name + '#' + index, field });
  }
  return out;
}

export function saveTyped(root, storage, location) {
  const typed = {};
  for (const { key, field } of fieldsOf(root)) {
    if (field.value && field.value !== field.defaultValue) typed[key] = field.value;
  }
  if (Object.keys(typed).length) storage.setItem(storeKey(location), JSON.stringify(typed));
  return typed;
}

// Puts saved text back into empty fields; returns how many it filled.
export function restoreTyped(root, storage, location) {
  const raw = storage.getItem(storeKey(location));
  if (!raw) return 0;
  storage.removeItem(storeKey(location));
  let typed;
  try {
    typed = JSON.parse(raw);
  } catch (e) {
    return 0;
  }
  let filled = 0;
  for (const { key, field } of fieldsOf(root)) {
    if (typeof typed[key] === 'string' && !field.value) {
      field.value = typed[key];
      field.dispatchEvent(new Event('input', { bubbles: true }));
      filled++;
    }
  }
  return filled;
}

// The session is gone: keep the typing, say why, reload (unless the same
// happened moments ago: then a button, not a loop).
export function recoverSession(root, { storage, location, reload, now = Date.now, delayMs = 1200 }) {
  saveTyped(root, storage, location);
  const doc = root.ownerDocument;
  const last = Number(storage.getItem(RELOADED_AT) || 0);
  if (now() - last < LOOP_WINDOW_MS) {
    showNotice(doc, 'This page lost its connection to the server and could not get it back.', [
      { label: 'Reload', run: () => { storage.setItem(RELOADED_AT, '0'); reload(); } },
    ]);
    return false;
  }
  showNotice(doc, 'This page\u2019s session ended (the server restarted, or the page was away too long). ' +
    'Reloading\u2026 what you typed is kept.');
  setTimeout(() => {
    storage.setItem(RELOADED_AT, String(now()));
    reload();
  }, delayMs);
  return true;
}

export function noticeLost(doc, reload) {
  showNotice(doc, 'Some live updates sent while this page was disconnected could not be restored.', [
    { label: 'Reload', run: reload },
  ]);
}
