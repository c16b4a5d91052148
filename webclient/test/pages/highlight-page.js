// Exposes the highlight module and the op applier to the tests; importing
// the module watches #root (it carries data-rill-highlight).
import * as ops from '/rill/client/ops.js';
import * as highlight from '/rill/client/highlight.js';

window.lab = { ops, highlight };
window.ready = true;
