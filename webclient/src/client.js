// Wires one view root: socket, events, and the frame pipeline. Frames are
// applied in arrival order, all those that arrived before the next animation
// frame together in it, each at most once (seq), so a replay after reconnect
// that overlaps what was already applied is harmless.

import { Attr, ErrorCode, Key, RillEvent, Type } from './protocol.js';
import { applyOp, fire, resolveTarget } from './ops.js';
import { ScrollKeeper, follow, installScrollIntent } from './scroll.js';
import { morphRoot } from './morph.js';
import { applyPatch } from './patch.js';
import { bindEvents } from './events.js';
import { bindFiles } from './files.js';
import { RillSocket, socketUrl } from './socket.js';
import { noticeLost, recoverSession, restoreTyped } from './recover.js';
import { devLog, checkDirectives } from './dev.js';

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

// A form's fields back to what the template says (their defaults), as a
// form that was really submitted would be: the text sent leaves the box.
function resetForm(form) {
  if (form.isConnected) form.reset();
}

const FOLLOW = '[data-follow]';
const AUTOFOCUS = '[data-rill-autofocus]';

// The view's field to type in ([data-rill-autofocus]), focused unless it
// is hidden or disabled.
export function focusAutofocus(root) {
  const field = root.querySelector(AUTOFOCUS);
  if (field && !field.disabled && field.getClientRects().length) field.focus({ preventScroll: true });
}

// A [data-rill-autofocus] field that an update adds (an inline "rename"
// form, say) takes the focus, as `autofocus` does when a page loads; the
// ones already there (the composer, kept by the morph) do not.
function focusNewAutofocus(root, seen) {
  let added = null;
  for (const field of root.querySelectorAll(AUTOFOCUS)) {
    if (seen.has(field)) continue;
    seen.add(field);
    added = field;
  }
  if (added && !added.disabled && added.getClientRects().length) added.focus({ preventScroll: true });
}

// Whether the reply to an event from `element` hands the focus back to the
// view's field: a form holding it (sending), or [data-rill-refocus] (say,
// "new chat").
function refocuses(element) {
  if (!element || !(element instanceof Element)) return false;
  if (element.closest('[data-rill-refocus]')) return true;
  return element.localName === 'form' && !!element.querySelector(AUTOFOCUS);
}

// options: schedule(run), url, storage (sessionStorage), reload(), dev
// (development mode; default: the root's data-rill-dev), and anything
// RillSocket takes (backoffBase, backoffMax, pingInterval, random, WebSocket).
export function start(root, options = {}) {
  const schedule = options.schedule || defaultSchedule;
  const storage = options.storage || sessionStorageOrNone();
  const reload = options.reload || (() => window.location.reload());
  const dev = options.dev ?? root.hasAttribute(Attr.DEV);
  let lastSeq = 0;
  let pending = [];
  const autofocusSeen = new WeakSet(root.querySelectorAll(AUTOFOCUS));
  let scheduled = false;
  // After a patch that could not be applied: frames are dropped until the
  // mount that answers the resync, except replies and errors, which that
  // answer does not repeat (handled ones are remembered by seq, so a replay
  // after a reconnect does not fire them twice).
  let resyncing = false;
  let controlSeq = 0;
  // Refs of submit events, and their forms: reset when their reply comes.
  const submits = new Map();
  // Refs of events whose reply focuses [data-rill-autofocus].
  const refocus = new Set();

  function morph(html) {
    morphRoot(root, html);
    if (dev) checkDirectives(root);
  }

  function resync(frame, reason) {
    devLog(dev, `patch ${frame[Key.SEQ]} does not fit this page (${reason}); asking for the view again`);
    resyncing = true;
    socket.resync(lastSeq);
  }

  // Applies one frame; returns false when it could not (then the rest of
  // the batch waits for the resync).
  function applyFrame(frame) {
    switch (frame[Key.TYPE]) {
      case Type.MOUNT:
        if (resyncing && typeof frame[Key.HTML] !== 'string') {
          // A rejoin's replay, not the view: still out of step.
          socket.resync(lastSeq);
          return false;
        }
        resyncing = false;
        if (typeof frame[Key.HTML] === 'string') morph(frame[Key.HTML]);
        if (frame[Key.LOST] === true) noticeLost(root.ownerDocument, reload);
        break;
      case Type.RENDER:
        morph(frame[Key.HTML]);
        break;
      case Type.PATCH: {
        const failure = applyPatch(root, frame[Key.OPS]);
        if (failure) {
          resync(frame, failure.reason);
          return false;
        }
        if (dev) checkDirectives(root);
        break;
      }
      case Type.STREAM:
        for (const op of frame[Key.OPS]) {
          if (op && typeof op === 'object' && !applyOp(root, frame[Key.STREAM], op) && dev) {
            devLog(dev, `stream "${frame[Key.STREAM]}": ${op[Key.OP]} on ${op[Key.TARGET] || 'its default target'} matched no element`);
          }
        }
        break;
      case Type.REPLY: {
        const form = submits.get(frame[Key.REF]);
        if (form) {
          submits.delete(frame[Key.REF]);
          resetForm(form);
        }
        if (refocus.delete(frame[Key.REF])) focusAutofocus(root);
        fire(root, RillEvent.REPLY, { ref: frame[Key.REF] });
        break;
      }
      case Type.ERROR:
        devLog(dev, `error ${frame[Key.CODE]}: ${frame[Key.MESSAGE]}`);
        if (refocus.delete(frame[Key.REF])) focusAutofocus(root);
        fire(root, RillEvent.ERROR, { code: frame[Key.CODE], message: frame[Key.MESSAGE], ref: frame[Key.REF] });
        break;
      default: // pong: only proof of life, which the socket already noted
    }
    return true;
  }

  function flush() {
    scheduled = false;
    const frames = pending.filter((frame) => frame[Key.SEQ] > lastSeq);
    pending = [];
    // Measured once for the whole batch before any op runs: measuring between
    // frames would see the growth of the earlier ones and stop following.
    const scroll = new ScrollKeeper();
    // [data-follow] containers follow re-renders too; one whose value (a
    // key: which conversation, say) a render changes starts at its bottom.
    const followKeys = new Map();
    for (const el of root.querySelectorAll(FOLLOW)) {
      scroll.watch(el);
      followKeys.set(el, el.getAttribute('data-follow'));
    }
    for (const frame of frames) {
      if (frame[Key.TYPE] !== Type.STREAM) continue;
      for (const op of frame[Key.OPS]) {
        if (op && typeof op === 'object') scroll.measure(resolveTarget(root, frame[Key.STREAM], op));
      }
    }
    for (const frame of frames) {
      if (frame[Key.SEQ] <= lastSeq) continue;
      const control = frame[Key.TYPE] === Type.REPLY || frame[Key.TYPE] === Type.ERROR;
      if (control && frame[Key.SEQ] <= controlSeq) {
        if (!resyncing) lastSeq = frame[Key.SEQ]; // handled while resyncing
        continue;
      }
      if (resyncing && frame[Key.TYPE] !== Type.MOUNT) {
        // The resync's answer covers the view, not the replies.
        if (control) {
          applyFrame(frame);
          controlSeq = frame[Key.SEQ];
        }
        continue;
      }
      let applied = true;
      try {
        applied = applyFrame(frame);
      } catch (e) {
        // One broken frame must not stall all later ones.
        console.error('rill: applying frame', frame[Key.SEQ], e);
      }
      // A frame not applied leaves lastSeq where it was: what a resync
      // says the page has.
      if (applied) lastSeq = frame[Key.SEQ];
    }
    for (const el of root.querySelectorAll(FOLLOW)) {
      if (followKeys.get(el) !== el.getAttribute('data-follow')) follow(el);
    }
    scroll.settle();
    focusNewAutofocus(root, autofocusSeen);
    if (frames.length) root.dispatchEvent(new CustomEvent(RillEvent.UPDATED, { detail: { frames: frames.length } }));
  }

  // Errors from before a join (seq 0) are outside the session's sequence:
  // handled at once, never filtered out as already seen.
  function sessionError(frame) {
    devLog(dev, `error ${frame[Key.CODE]}: ${frame[Key.MESSAGE]}`);
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
    url: options.url || socketUrl(window.location, root.getAttribute(Attr.INSTANCE)),
    token: root.getAttribute(Attr.TOKEN) || '',
    lastSeq: () => lastSeq,
    onFrame: receive,
    onStatus: (open) => setConnected(root, open),
  }));
  installScrollIntent(root.ownerDocument);
  const unbind = bindEvents(root, (name, params, element) => {
    const ref = socket.pushEvent(name, params);
    if (element && element.localName === 'form') {
      submits.set(ref, element);
      // Who sends something wants to see what comes of it.
      for (const el of root.querySelectorAll(FOLLOW)) follow(el);
    }
    if (refocuses(element)) refocus.add(ref);
    return ref;
  });
  const unbindFiles = bindFiles(root, (name, params) => socket.pushEvent(name, params));
  setConnected(root, false);
  // Back from a reload after the session ended: what was being typed.
  try {
    restoreTyped(root, storage, window.location);
  } catch (e) {
    // Storage may be off (private modes): nothing to restore then.
  }
  if (dev) checkDirectives(root);
  // A page opens on the latest of what it follows, the field to type in focused.
  for (const el of root.querySelectorAll(FOLLOW)) follow(el);
  focusAutofocus(root);
  socket.connect();

  return {
    socket,
    lastSeq: () => lastSeq,
    pendingCount: () => pending.length,
    stop() {
      unbind();
      unbindFiles();
      socket.stop();
    },
  };
}
