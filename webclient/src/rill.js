// Entry point the page loads (<script type="module" src="/rill/client/rill.js">).
import { Attr } from './protocol.js';
import { start } from './client.js';

const root = document.querySelector('[' + Attr.ROOT + ']');
if (root) start(root);
