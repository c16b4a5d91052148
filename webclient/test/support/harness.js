// Test harness: a static server for webclient/ (the same URL layout the C++
// server uses: /rill/client/* from src/, idiomorph under vendor/), a `ws`
// peer at /rill/socket, and headless Chromium through playwright-core.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import { WebSocketServer } from 'ws';
import { chromium } from 'playwright-core';
import { highlightBundle } from '../../vendor-highlight.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webclient = path.resolve(here, '..', '..');

const ROUTES = [
  ['/rill/client/vendor/idiomorph.js', path.join(webclient, 'node_modules/idiomorph/dist/idiomorph.esm.js')],
  ['/rill/client/vendor/highlight.css', path.join(webclient, 'node_modules/highlight.js/styles/github.css')],
  ['/rill/client/', path.join(webclient, 'src/')],
  ['/test/pages/', path.join(webclient, 'test/pages/')],
];

const TYPES = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8', '.css': 'text/css' };

function resolve(urlPath) {
  for (const [prefix, target] of ROUTES) {
    if (urlPath === prefix) return target;
    if (prefix.endsWith('/') && urlPath.startsWith(prefix)) {
      const file = path.normalize(path.join(target, urlPath.slice(prefix.length)));
      return file.startsWith(target) ? file : null;
    }
  }
  return null;
}

// The peer: every socket the page opens shows up as a Peer, which records
// the frames it receives and sends frames with increasing seq.
export class Peer extends EventEmitter {
  constructor(ws) {
    super();
    this.ws = ws;
    this.received = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      this.received.push(frame);
      this.emit('frame', frame);
    });
    ws.on('close', () => this.emit('close'));
  }

  next(predicate, timeoutMs = 5000) {
    const found = this.received.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('peer: no matching frame')), timeoutMs);
      const onFrame = (frame) => {
        if (!predicate(frame)) return;
        clearTimeout(timer);
        this.off('frame', onFrame);
        resolve(frame);
      };
      this.on('frame', onFrame);
    });
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }
}

export async function startServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/rill/client/vendor/highlight.js') {
      // Built, not a file: the same bundle CMake writes (vendor-highlight.mjs).
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Security-Policy': "default-src 'self'" });
      res.end(highlightBundle(webclient));
      return;
    }
    const file = resolve(url.pathname);
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const { port } = server.address();
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Security-Policy': `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port}`,
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ noServer: true });
  const peers = new EventEmitter();
  peers.all = [];
  peers.refuse = false;
  peers.attempts = []; // when each upgrade request arrived, refused or not
  server.on('upgrade', (req, socket, head) => {
    peers.attempts.push(Date.now());
    // peers.refuse: fail every connection attempt, as a server that is down.
    if (peers.refuse || new URL(req.url, 'http://x').pathname !== '/rill/socket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = new Peer(ws);
      peers.all.push(peer);
      peers.emit('peer', peer);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;

  // Resolves with the n-th peer (0-based) once it has connected.
  peers.nth = (n, timeoutMs = 5000) => {
    if (peers.all[n]) return Promise.resolve(peers.all[n]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no peer #${n}`)), timeoutMs);
      const onPeer = () => {
        if (!peers.all[n]) return;
        clearTimeout(timer);
        peers.off('peer', onPeer);
        resolve(peers.all[n]);
      };
      peers.on('peer', onPeer);
    });
  };

  return {
    base,
    peers,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rill-webclient-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 800, height: 600 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Opens `url` and records everything that would mean the client misbehaved:
// uncaught errors, console errors, CSP violations.
export async function openPage(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    // The browser's own note on a refused socket is expected in reconnect tests.
    if (/^WebSocket connection to .* failed/.test(m.text())) return;
    if (m.type() === 'error' || /Content Security Policy/.test(m.text())) page.problems.push('console: ' + m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

// Starts server + browser once per test file.
export async function setup() {
  const server = await startServer();
  const browser = await launch();
  return {
    server,
    browser,
    open: (pathAndQuery) => openPage(browser.context, server.base + pathAndQuery),
    async teardown() {
      await browser.close();
      await server.close();
    },
  };
}
