// Entry point the page loads (<script type="module" src="/rill/client/rill.js">).
import { Attr } from './protocol.js';
import { start } from './client.js';
import { installCopy } from './copy.js';
import { installFollow } from './follow.js';
import { installUi } from './ui.js';
import './highlight.js'; // highlights code blocks inside [data-rill-highlight]
import './math.js'; // typesets $…$ and $$…$$ inside [data-rill-math], loading KaTeX when needed

const root = document.querySelector('[' + Attr.ROOT + ']');
if (root) {
  installUi(root); // first: the stored theme before anything else paints
  start(root);
  installCopy(root);
  installFollow(root);
}
