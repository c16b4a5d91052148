// Exposes the client's modules to the tests (page.evaluate), and logs every
// stream:* event as it reaches the document.
import * as protocol from '/rill/client/protocol.js';
import * as ops from '/rill/client/ops.js';
import * as scroll from '/rill/client/scroll.js';
import * as morph from '/rill/client/morph.js';
import * as events from '/rill/client/events.js';
import * as socket from '/rill/client/socket.js';
import * as patch from '/rill/client/patch.js';

window.lab = { protocol, ops, scroll, morph, events, socket, patch };
window.log = [];
for (const name of Object.values(protocol.StreamEvent)) {
  document.addEventListener(name, (e) => {
    window.log.push({
      type: e.type,
      detail: e.detail,
      target: e.target.id,
      connected: e.target.isConnected,
      html: e.target.innerHTML,
    });
  });
}
window.ready = true;
