// dj-file="EVENT": files the user picks, drops or pastes become events.
//
//   <input type="file" dj-file="attach">   each file chosen
//   <div dj-file="attach">…</div>           each file dropped on it, or pasted
//                                           into a field inside it
//
// Each file is one event, EVENT with { name, type, size, data } (data: the
// bytes in base64), in the order given. data-max-bytes on the element (else
// DEFAULT_MAX_BYTES) bounds a file: a larger one is not read or sent; the
// page shows a notice instead. Pasted text stays text: only pastes that
// carry files are taken.

import { Attr } from './protocol.js';
import { showNotice, hideNotice } from './notice.js';

export const DEFAULT_MAX_BYTES = 1024 * 1024;
const DROPPING = 'dropping';

function maxBytes(el) {
  const n = parseInt(el.getAttribute('data-max-bytes'), 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_BYTES;
}

function megabytes(n) {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1)); // data:TYPE;base64,DATA
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Wires the root; returns a function that removes the listeners.
export function bindFiles(root, push) {
  const doc = root.ownerDocument;

  function within(target) {
    const el = target instanceof Element ? target.closest('[' + Attr.FILE + ']') : null;
    return el && root.contains(el) ? el : null;
  }

  async function send(el, files) {
    const limit = maxBytes(el);
    const name = el.getAttribute(Attr.FILE);
    // One after the other: the events keep the files' order.
    for (const file of files) {
      if (file.size > limit) {
        const box = showNotice(doc, `“${file.name}” is too large to attach (${megabytes(file.size)}; at most ${megabytes(limit)}).`,
          [{ label: 'OK', run: () => hideNotice(doc) }]);
        box.classList.add('rill-notice-file');
        continue;
      }
      try {
        const data = await readBase64(file);
        push(name, { name: file.name, type: file.type, size: file.size, data }, el);
      } catch (e) {
        showNotice(doc, `“${file.name}” could not be read.`, [{ label: 'OK', run: () => hideNotice(doc) }]);
      }
    }
  }

  function onChange(event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.hasAttribute(Attr.FILE)) return;
    if (!root.contains(input)) return;
    const files = Array.from(input.files || []);
    input.value = ''; // the same file can be chosen again
    if (files.length) send(input, files);
  }

  const carriesFiles = (event) => !!event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');

  function onDragOver(event) {
    const el = within(event.target);
    if (!el || el instanceof HTMLInputElement || !carriesFiles(event)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = 'copy';
    el.classList.add(DROPPING);
  }

  function onDragLeave(event) {
    const el = within(event.target);
    if (el && !el.contains(event.relatedTarget)) el.classList.remove(DROPPING);
  }

  function onDrop(event) {
    const el = within(event.target);
    if (!el || el instanceof HTMLInputElement || !carriesFiles(event)) return;
    event.preventDefault();
    el.classList.remove(DROPPING);
    send(el, Array.from(event.dataTransfer.files));
  }

  function onPaste(event) {
    const el = within(event.target);
    const files = Array.from(event.clipboardData?.files || []);
    if (!el || el instanceof HTMLInputElement || !files.length) return;
    event.preventDefault(); // a pasted image is a file, not text
    send(el, files);
  }

  root.addEventListener('change', onChange);
  root.addEventListener('dragover', onDragOver);
  root.addEventListener('dragleave', onDragLeave);
  root.addEventListener('drop', onDrop);
  root.addEventListener('paste', onPaste);
  return () => {
    root.removeEventListener('change', onChange);
    root.removeEventListener('dragover', onDragOver);
    root.removeEventListener('dragleave', onDragLeave);
    root.removeEventListener('drop', onDrop);
    root.removeEventListener('paste', onPaste);
  };
}
