// One WebSocket per page: join on every open, reconnect with exponential
// backoff and jitter, keep-alive pings, and every event delivered once: an
// event waits (in `outbox`) until the server shows it read it, and after a
// rejoin goes out again unless the mount says the server has it.

import { ErrorCode, Key, SOCKET_PATH, Type, eventFrame, joinFrame, parseServerFrame, pingFrame, resyncFrame } from './protocol.js';

// With the instance that rendered the page, for a proxy that routes each
// socket to it (docs/deployment.md).
export function socketUrl(location, instance) {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + SOCKET_PATH;
  return instance ? `${url}?instance=${encodeURIComponent(instance)}` : url;
}

// Delay before reconnect attempt `attempt` (0-based): base doubling up to
// max, then scaled into [50%, 100%] so a restarted server is not hit by every
// page at the same instant.
export function backoffDelay(attempt, { base, max }, random = Math.random) {
  const full = Math.min(max, base * Math.pow(2, attempt));
  return Math.round(full * (0.5 + 0.5 * random()));
}

const DEFAULTS = {
  backoffBase: 200,
  backoffMax: 10000,
  pingInterval: 30000,
  random: Math.random,
  WebSocket: typeof WebSocket === 'undefined' ? null : WebSocket,
};

export class RillSocket {
  // options: url, token, lastSeq() -> int, onFrame(frame), onStatus(open: bool),
  // and optionally backoffBase, backoffMax, pingInterval (ms), random, WebSocket.
  constructor(options) {
    this.options = Object.assign({}, DEFAULTS, options);
    this.ws = null;
    this.open = false;
    this.stopped = false;
    this.attempt = 0;
    this.nextRef = 1;
    // Events not yet known to be read by the server, in ref order: [ref, frame].
    // The first `sent` went out on the current socket.
    this.outbox = [];
    this.sent = 0;
    // Between join and its mount: events wait, as the mount decides which
    // of those sent before are to go again.
    this.joining = false;
    // Ping ref -> the highest event ref this socket had sent before it: its
    // pong shows the server read those (events resent after the ping, as
    // after a rejoin, have lower refs than the ping but came later).
    this.pingCovers = new Map();
    this.retryTimer = null;
    this.pingTimer = null;
    this.heardSincePing = true;
  }

  connect() {
    this.stopped = false;
    const ws = new this.options.WebSocket(this.options.url);
    this.ws = ws;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (message) => this.onMessage(ws, message);
    ws.onclose = () => this.onClose(ws);
    // onerror is always followed by onclose, which does the work.
  }

  // Sends event `name` with `params`; returns its ref. Raised while closed
  // (or joining), it waits and goes out once the next join is mounted.
  pushEvent(name, params) {
    const ref = this.nextRef++;
    this.outbox.push([ref, eventFrame(name, params, ref)]);
    this.sendOutbox();
    return ref;
  }

  sendOutbox() {
    if (!this.open || this.joining) return;
    for (; this.sent < this.outbox.length; this.sent++) this.ws.send(this.outbox[this.sent][1]);
  }

  // The server has read every event up to `ref`: they never go again.
  confirm(ref) {
    let n = 0;
    while (n < this.outbox.length && this.outbox[n][0] <= ref) n++;
    if (!n) return;
    this.outbox.splice(0, n);
    this.sent = Math.max(0, this.sent - n);
  }

  // Asks the server for the view again, as for a page that applied up to
  // lastSeq. Closed, the next join does the same.
  resync(lastSeq) {
    if (this.open) this.ws.send(resyncFrame(lastSeq));
  }

  // For good: no reconnect after this (e.g. the session is gone).
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopPing();
    if (this.ws) this.ws.close();
  }

  onOpen(ws) {
    if (ws !== this.ws) return;
    this.open = true;
    this.joining = true;
    this.sent = 0; // what the last socket sent is unconfirmed: the mount decides
    this.pingCovers.clear();
    ws.send(joinFrame(this.options.token, this.options.lastSeq()));
    this.startPing();
    this.options.onStatus(true);
  }

  onMessage(ws, message) {
    if (ws !== this.ws) return;
    this.heardSincePing = true;
    const frame = parseServerFrame(message.data);
    if (!frame) return;
    const type = frame[Key.TYPE];
    if (type === Type.MOUNT && this.joining) {
      // Only an accepted join proves the server is healthy again; an open
      // socket alone would let a failing server drive a reconnect storm.
      this.attempt = 0;
      this.joining = false;
      // Events above lastRef died with an earlier socket before the server
      // read them: they go again, ahead of those raised since.
      this.confirm(Number.isInteger(frame[Key.LAST_REF]) ? frame[Key.LAST_REF] : 0);
      this.sendOutbox();
    } else if (type === Type.REPLY || type === Type.ERROR) {
      // The server read event `ref`, and every event with a lower ref: each
      // socket carries events in ref order, and an event resent after a
      // rejoin goes before any later one.
      if (Number.isInteger(frame[Key.REF])) this.confirm(frame[Key.REF]);
    } else if (type === Type.PONG) {
      const covers = this.pingCovers.get(frame[Key.REF]);
      this.pingCovers.delete(frame[Key.REF]);
      if (covers !== undefined) this.confirm(covers);
    }
    if (frame[Key.TYPE] === Type.ERROR && frame[Key.CODE] === ErrorCode.UNKNOWN_SESSION) this.stopped = true;
    this.options.onFrame(frame);
  }

  onClose(ws) {
    if (ws !== this.ws) return;
    this.open = false;
    this.ws = null;
    this.stopPing();
    this.options.onStatus(false);
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, { base: this.options.backoffBase, max: this.options.backoffMax },
      this.options.random);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPing() {
    this.heardSincePing = true;
    this.pingTimer = setInterval(() => {
      // Nothing heard for a whole interval, not even a pong: the connection
      // is dead without a close (sleep, network change). Close to reconnect.
      if (!this.heardSincePing) {
        const dead = this.ws;
        dead.close();
        this.onClose(dead); // its own close event may take a closing-handshake timeout
        return;
      }
      this.heardSincePing = false;
      const ref = this.nextRef++;
      this.pingCovers.clear(); // an older ping's pong would confirm less than this one's
      this.pingCovers.set(ref, this.sent > 0 ? this.outbox[this.sent - 1][0] : 0);
      this.ws.send(pingFrame(ref));
    }, this.options.pingInterval);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
