// Turns dj-click / dj-submit / dj-change / dj-input into (event, params,
// element) handed to `push`. Listeners are delegated on the root, so
// elements a re-render adds need no wiring.

import { Attr } from './protocol.js';

export const DEFAULT_DEBOUNCE_MS = 150;

function camelCase(name) {
  return name.replace(/-([a-z0-9])/g, (m, c) => c.toUpperCase());
}

// data-* first, then dj-value-*: the explicit event value wins a clash.
export function clickParams(el) {
  const params = {};
  for (const key of Object.keys(el.dataset)) params[key] = el.dataset[key];
  for (const { name, value } of Array.from(el.attributes)) {
    if (name.startsWith(Attr.VALUE_PREFIX)) params[camelCase(name.slice(Attr.VALUE_PREFIX.length))] = value;
  }
  return params;
}

// Values are strings as the DOM has them; a repeated name keeps its last
// value (the wire has no lists), a file input gives the file's name.
export function formParams(form) {
  const params = {};
  for (const [name, value] of new FormData(form)) {
    params[name] = typeof value === 'string' ? value : value.name;
  }
  return params;
}

function debounceMs(el) {
  const ms = parseInt(el.getAttribute(Attr.DEBOUNCE), 10);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_DEBOUNCE_MS;
}

function within(root, event, attr) {
  const el = event.target instanceof Element ? event.target.closest('[' + attr + ']') : null;
  return el && root.contains(el) ? el : null;
}

// Wires the root; returns a function that removes the listeners.
export function bindEvents(root, push) {
  const pending = new Map(); // element -> timer of a debounced dj-input

  function fireInput(el) {
    pending.delete(el);
    push(el.getAttribute(Attr.INPUT), { value: el.value });
  }

  // A debounced input raised before a click or submit is sent before it, so
  // the server never sees a submit ahead of the typing that led to it.
  function flushInputs() {
    for (const [el, timer] of pending) {
      clearTimeout(timer);
      fireInput(el);
    }
  }

  function onClick(event) {
    const el = within(root, event, Attr.CLICK);
    if (!el) return;
    flushInputs();
    push(el.getAttribute(Attr.CLICK), clickParams(el), el);
  }

  function onSubmit(event) {
    const form = within(root, event, Attr.SUBMIT);
    if (!form) return;
    event.preventDefault();
    flushInputs();
    push(form.getAttribute(Attr.SUBMIT), formParams(form), form);
  }

  function onChange(event) {
    const el = within(root, event, Attr.CHANGE);
    if (!el) return;
    flushInputs();
    // dj-change may sit on a container of the field that changed.
    const source = 'value' in el ? el : event.target;
    push(el.getAttribute(Attr.CHANGE), { value: source.value });
  }

  function onInput(event) {
    const el = within(root, event, Attr.INPUT);
    if (!el) return;
    clearTimeout(pending.get(el));
    const ms = debounceMs(el);
    if (ms === 0) fireInput(el);
    else pending.set(el, setTimeout(fireInput, ms, el));
  }

  root.addEventListener('click', onClick);
  root.addEventListener('submit', onSubmit);
  root.addEventListener('change', onChange);
  root.addEventListener('input', onInput);
  return () => {
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
    root.removeEventListener('click', onClick);
    root.removeEventListener('submit', onSubmit);
    root.removeEventListener('change', onChange);
    root.removeEventListener('input', onInput);
  };
}
