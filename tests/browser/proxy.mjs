// A TCP proxy between a browser and a Rill server, for the resume tests: it
// can cut every connection at once, refuse new ones for a while (a network
// gone away), stall (stop forwarding without closing: a link that hangs), or
// drop what goes one way (bytes that die in a link about to be cut).
import { createServer, connect } from 'node:net';
import { once } from 'node:events';

export class CuttingProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.pairs = new Set();
    this.refusing = false;
    this.stalled = false;
    this.dropping = { up: false, down: false };
    this.accepted = 0;
    this.server = createServer((client) => this.accept(client));
  }

  async listen() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    return this.port;
  }

  accept(client) {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream, held: [] };
    this.pairs.add(pair);
    const forward = (from, to, dir) => from.on('data', (chunk) => {
      if (this.dropping[dir]) return;
      if (this.stalled) pair.held.push([to, chunk]);
      else to.write(chunk);
    });
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  // Every open connection dropped at once, both ways.
  cut() {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  // While on, bytes going `dir` ('up': browser to server, 'down': back) are
  // thrown away. The connection is then out of step: cut it before turning
  // this off.
  drop(dir, on) { this.dropping[dir] = on; }

  // New connections closed at once while on.
  refuse(on) { this.refusing = on; }

  // Bytes held (not forwarded, not dropped) while on; sent on when off.
  stall(on) {
    this.stalled = on;
    if (!on) {
      for (const pair of this.pairs) {
        for (const [to, chunk] of pair.held) to.write(chunk);
        pair.held = [];
      }
    }
  }

  async close() {
    this.cut();
    this.server.close();
  }
}
