// The wire contract of docs/protocol.md, spelled once. No other module
// writes a wire key or a type name as a string literal.

export const SOCKET_PATH = '/rill/socket';

export const Type = Object.freeze({
  // client -> server
  JOIN: 'join',
  EVENT: 'event',
  PING: 'ping',
  RESYNC: 'resync',
  // server -> client
  MOUNT: 'mount',
  RENDER: 'render',
  STREAM: 'stream',
  REPLY: 'reply',
  ERROR: 'error',
  PONG: 'pong',
  PATCH: 'patch',
});

export const Key = Object.freeze({
  TYPE: 'type',
  SEQ: 'seq',
  TOKEN: 'token',
  LAST_SEQ: 'lastSeq',
  EVENT: 'event',
  PARAMS: 'params',
  REF: 'ref',
  HTML: 'html',
  STREAM: 'stream',
  OPS: 'ops',
  CODE: 'code',
  MESSAGE: 'message',
  LAST_REF: 'lastRef', // in mount: the highest event ref the session has read
  LOST: 'lost', // in mount: streamed content the page missed could not all be restored
  // inside a patch op
  PATH: 'path',
  TAG: 'tag',
  SET: 'set',
  UNSET: 'unset',
  CHILDREN: 'children',
  OUTER: 'outer',
  // inside a stream op
  OP: 'op',
  TARGET: 'target',
  TEXT: 'text',
  MODE: 'mode',
  ERROR: 'error',
});

export const Op = Object.freeze({
  REPLACE: 'replace',
  APPEND: 'append',
  PREPEND: 'prepend',
  TEXT: 'text',
  DELETE: 'delete',
  ERROR: 'error',
  START: 'start',
  DONE: 'done',
});

export const TextMode = Object.freeze({
  APPEND: 'append',
  REPLACE: 'replace',
  PREPEND: 'prepend',
});

export const ErrorCode = Object.freeze({
  BAD_FRAME: 'bad_frame',
  UNKNOWN_TYPE: 'unknown_type',
  UNKNOWN_EVENT: 'unknown_event',
  BAD_PARAMS: 'bad_params',
  HANDLER_FAILED: 'handler_failed',
  RENDER_FAILED: 'render_failed',
  UNKNOWN_SESSION: 'unknown_session',
  RATE_LIMITED: 'rate_limited',
  BUSY: 'busy',
  NOT_JOINED: 'not_joined',
});

// DOM names that are part of the contract too (templates and CSS use them).
export const Attr = Object.freeze({
  ROOT: 'data-rill-root',
  TOKEN: 'data-rill-token',
  INSTANCE: 'data-rill-instance', // which server process rendered the page (sticky routing)
  CONNECTED: 'data-rill-connected',
  DISCONNECTED: 'data-rill-disconnected',
  STREAM: 'dj-stream',
  STREAM_MODE: 'dj-stream-mode',
  STREAM_ACTIVE: 'data-stream-active',
  STREAM_ERROR: 'data-stream-error',
  // set by any stream op on a target; only the server's reset clears it
  STREAM_OWNED: 'data-stream-owned',
  DEV: 'data-rill-dev',
  UPDATE: 'dj-update',
  CLICK: 'dj-click',
  SUBMIT: 'dj-submit',
  CHANGE: 'dj-change',
  INPUT: 'dj-input',
  DEBOUNCE: 'dj-debounce',
  FILE: 'dj-file',
  VALUE_PREFIX: 'dj-value-',
});

export const ERROR_CLASS = 'dj-stream-error';

export const StreamEvent = Object.freeze({
  START: 'stream:start',
  UPDATE: 'stream:update',
  TEXT: 'stream:text',
  ERROR: 'stream:error',
  DONE: 'stream:done',
  REMOVE: 'stream:remove',
});

// Fired on the view root for server frames that are not DOM changes.
export const RillEvent = Object.freeze({
  REPLY: 'rill:reply', // {ref}
  UPDATED: 'rill:updated', // {frames}: a batch of frames was applied (not bubbling)
  ERROR: 'rill:error', // {code, message, ref}
  SESSION_LOST: 'rill:session-lost', // {reload}: the server no longer knows this page; cancelable
});

export function joinFrame(token, lastSeq) {
  return JSON.stringify({ [Key.TYPE]: Type.JOIN, [Key.TOKEN]: token, [Key.LAST_SEQ]: lastSeq });
}

export function eventFrame(event, params, ref) {
  return JSON.stringify({ [Key.TYPE]: Type.EVENT, [Key.EVENT]: event, [Key.PARAMS]: params, [Key.REF]: ref });
}

export function resyncFrame(lastSeq) {
  return JSON.stringify({ [Key.TYPE]: Type.RESYNC, [Key.LAST_SEQ]: lastSeq });
}

export function pingFrame(ref) {
  return JSON.stringify({ [Key.TYPE]: Type.PING, [Key.REF]: ref });
}

const SERVER_TYPES = new Set([Type.MOUNT, Type.RENDER, Type.STREAM, Type.REPLY, Type.ERROR, Type.PONG, Type.PATCH]);

// Returns the frame object, or null when the text is not a server frame we
// understand. The client drops such frames rather than guessing: the server
// is the one that has to be fixed.
export function parseServerFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return null;
  if (!SERVER_TYPES.has(frame[Key.TYPE])) return null;
  if (!Number.isInteger(frame[Key.SEQ])) return null;
  if ((frame[Key.TYPE] === Type.STREAM || frame[Key.TYPE] === Type.PATCH) && !Array.isArray(frame[Key.OPS])) return null;
  if (frame[Key.TYPE] === Type.RENDER && typeof frame[Key.HTML] !== 'string') return null;
  return frame;
}

// The target an op addresses when it names none.
export function defaultTarget(stream) {
  return '[' + Attr.STREAM + '="' + String(stream).replace(/["\\]/g, '\\$&') + '"]';
}
