// Entry point the page loads (<script type="module" src="/rill/client/rill.js">).
import { Attr } from './protocol.js';
import { start } from './client.js';
import { installCopy } from './copy.js';
import { installFollow } from './follow.js';
import './highlight.js'; // highlights code blocks inside [data-rill-highlight]

const root = document.querySelector('[' + Attr.ROOT + ']');
if (root) {
  start(root);
  installCopy(root);
  installFollow(root);
}
