// Development mode (the view root's data-rill-dev, Server::setDevMode()):
// what went wrong, said in the browser console, where a developer looks.
// Off, it costs nothing.

import { Attr } from './protocol.js';

const KNOWN = new Set([Attr.STREAM, Attr.STREAM_MODE, Attr.UPDATE, Attr.CLICK, Attr.SUBMIT, Attr.CHANGE, Attr.INPUT,
  Attr.DEBOUNCE, Attr.FILE, 'dj-key']);
const warned = new Set();

export function devLog(dev, message) {
  if (dev) console.warn('rill: ' + message);
}

// Unknown dj-* attributes (a typo'd dj-clik does nothing, silently
// otherwise), each said once.
export function checkDirectives(root) {
  const all = root.querySelectorAll('*');
  for (const el of all) {
    for (const { name } of el.attributes) {
      if (!name.startsWith('dj-') || KNOWN.has(name) || name.startsWith(Attr.VALUE_PREFIX)) continue;
      const key = name + '@' + el.localName;
      if (warned.has(key)) continue;
      warned.add(key);
      console.warn(`rill: unknown directive ${name} on <${el.localName}>: known are ${[...KNOWN].join(', ')} and ${Attr.VALUE_PREFIX}*`);
    }
  }
}
