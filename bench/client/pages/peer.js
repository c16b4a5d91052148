// The peer: a minimal client for the same protocol that appends streamed text
// the way djust's does, `el.textContent += text`, and html `replace` as
// `el.innerHTML = html` (the markdown scenario's naive re-render). Everything else matches
// Rill's client so only the append differs: join with the page's token,
// frames batched per animation frame, auto-scroll measured before the batch
// and settled after it (within 100 px of the bottom: follow).
const root = document.querySelector('[data-rill-root]');
const scroller = root.querySelector('.messages');
const ws = new WebSocket('ws://' + location.host + '/rill/socket');
let pending = [];
let scheduled = false;

function flush() {
  scheduled = false;
  const frames = pending;
  pending = [];
  const near = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= 100;
  for (const frame of frames) {
    for (const op of frame.ops) {
      const el = root.querySelector(op.target);
      if (!el) continue;
      if (op.op === 'text') el.textContent += op.text;
      // The markdown scenario: "re-render the message", the whole answer's
      // HTML every frame.
      else if (op.op === 'replace') el.innerHTML = op.html;
      else if (op.op === 'append') el.insertAdjacentHTML('beforeend', op.html);
    }
  }
  if (near) scroller.scrollTop = scroller.scrollHeight;
}

ws.onopen = () => {
  ws.send(JSON.stringify({ type: 'join', token: root.getAttribute('data-rill-token'), lastSeq: 0 }));
  root.setAttribute('data-rill-connected', '');
};
ws.onmessage = (message) => {
  const frame = JSON.parse(message.data);
  if (frame.type !== 'stream') return;
  pending.push(frame);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(flush);
  }
};
