// Wires one view root: socket, events, and the frame pipeline. Frames are
// applied in arrival order, all those that arrived before the next animation
// frame together in it, each at most once (seq), so a replay after reconnect
// that overlaps what was already applied is harmless.

import { Attr, ErrorCode, Key, RillEvent, Type } from './protocol.js';
import { applyOp, fire, resolveTarget } from './ops.js';
import { ScrollKeeper } from './scroll.js';
import { morphRoot } from './morph.js';
import { bindEvents } from './events.js';
import { RillSocket, socketUrl } from './socket.js';
import { noticeLost, recoverSession, restoreTyped } from './recover.js';

// A hidden page gets no animation frames; a timer keeps frames flowing so a
// background tab does not pile them up.
function defaultSchedule(run) {
  if (document.hidden) setTimeout(run, 16);
  else requestAnimationFrame(run);
}

// sessionStorage, or a stand-in that keeps nothing where it is off.
function sessionStorageOrNone() {
  try {
    return window.sessionStorage;
  } catch (e) {
    return { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  }
}

function setConnected(root, open) {
  root.toggleAttribute(Attr.CONNECTED, open);
  root.toggleAttribute(Attr.DISCONNECTED, !open);
}

// options: schedule(run), url, storage (sessionStorage), reload(), and
// anything RillSocket takes (backoffBase, backoffMax, pingInterval, random,
// WebSocket).
export function start(root, options = {}) {
  const schedule = options.schedule || defaultSchedule;
  const storage = options.storage || sessionStorageOrNone();
  const reload = options.reload || (() => window.location.reload());
  let lastSeq = 0;
  let pending = [];
  let scheduled = false;
  // The form submitted since the last re-render: that render may set the
  // value of a focused field inside it (see morph.js).
  let submitted = null;

  function morph(html) {
    const active = document.activeElement;
    const keepActiveValue = !(submitted && active && submitted.contains(active));
    submitted = null;
    morphRoot(root, html, { keepActiveValue });
  }

  function applyFrame(frame) {
    switch (frame[Key.TYPE]) {
      case Type.MOUNT:
        if (typeof frame[Key.HTML] === 'string') morph(frame[Key.HTML]);
        if (frame[Key.LOST] === true) noticeLost(root.ownerDocument, reload);
        break;
      case Type.RENDER:
        morph(frame[Key.HTML]);
        break;
      case Type.STREAM:
        for (const op of frame[Key.OPS]) {
          if (op && typeof op === 'object') applyOp(root, frame[Key.STREAM], op);
        }
        break;
      case Type.REPLY:
        fire(root, RillEvent.REPLY, { ref: frame[Key.REF] });
        break;
      case Type.ERROR:
        fire(root, RillEvent.ERROR, { code: frame[Key.CODE], message: frame[Key.MESSAGE], ref: frame[Key.REF] });
        break;
      default: // pong: only proof of life, which the socket already noted
    }
  }

  function flush() {
    scheduled = false;
    const frames = pending.filter((frame) => frame[Key.SEQ] > lastSeq);
    pending = [];
    // Measured once for the whole batch before any op runs: measuring between
    // frames would see the growth of the earlier ones and stop following.
    const scroll = new ScrollKeeper();
    for (const frame of frames) {
      if (frame[Key.TYPE] !== Type.STREAM) continue;
      for (const op of frame[Key.OPS]) {
        if (op && typeof op === 'object') scroll.measure(resolveTarget(root, frame[Key.STREAM], op));
      }
    }
    for (const frame of frames) {
      if (frame[Key.SEQ] <= lastSeq) continue;
      try {
        applyFrame(frame);
      } catch (e) {
        // One broken frame must not stall all later ones.
        console.error('rill: applying frame', frame[Key.SEQ], e);
      }
      lastSeq = frame[Key.SEQ];
    }
    scroll.settle();
  }

  // Errors from before a join (seq 0) are outside the session's sequence:
  // handled at once, never filtered out as already seen.
  function sessionError(frame) {
    const detail = { code: frame[Key.CODE], message: frame[Key.MESSAGE], ref: frame[Key.REF] };
    fire(root, RillEvent.ERROR, detail);
    if (frame[Key.CODE] !== ErrorCode.UNKNOWN_SESSION) return;
    // The page's own code may take over (preventDefault) and recover itself.
    const recovery = new CustomEvent(RillEvent.SESSION_LOST, { bubbles: true, cancelable: true, detail: { reload } });
    if (root.dispatchEvent(recovery)) recoverSession(root, { storage, location: window.location, reload });
  }

  function receive(frame) {
    if (frame[Key.TYPE] === Type.ERROR && frame[Key.SEQ] === 0) {
      sessionError(frame);
      return;
    }
    pending.push(frame);
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  }

  const socket = new RillSocket(Object.assign({}, options, {
    url: options.url || socketUrl(window.location),
    token: root.getAttribute(Attr.TOKEN) || '',
    lastSeq: () => lastSeq,
    onFrame: receive,
    onStatus: (open) => setConnected(root, open),
  }));
  const unbind = bindEvents(root, (name, params) => socket.pushEvent(name, params));
  const onSubmit = (event) => {
    if (event.defaultPrevented) submitted = event.target;
  };
  root.addEventListener('submit', onSubmit);
  setConnected(root, false);
  // Back from a reload after the session ended: what was being typed.
  try {
    restoreTyped(root, storage, window.location);
  } catch (e) {
    // Storage may be off (private modes): nothing to restore then.
  }
  socket.connect();

  return {
    socket,
    lastSeq: () => lastSeq,
    pendingCount: () => pending.length,
    stop() {
      unbind();
      root.removeEventListener('submit', onSubmit);
      socket.stop();
    },
  };
}
