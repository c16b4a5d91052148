// docs/deployment.md, run: its nginx configuration (read from the page, with
// ports and certificate paths swapped for test ones) in front of
// `rill-chat --serve --allow-origin`, TLS with a self-signed certificate, and
// a chat driven through it in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, selfSignedCert, startChat, writeNginxConf } from '../browser/support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rill-nginx-'));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// The ```nginx file=deploy/rill-chat.conf block of docs/deployment.md.
function documentedConfig() {
  const doc = readFileSync(join(here, '../../docs/deployment.md'), 'utf8');
  const m = doc.match(/```nginx file=deploy\/rill-chat\.conf\n([\s\S]*?)```/);
  assert.ok(m, 'docs/deployment.md has no nginx block');
  return m[1];
}

function get(url, headers = {}, viaHttp = false) {
  return new Promise((resolve, reject) => {
    const req = (viaHttp ? httpRequest : request)(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let nginx;
let chat;
let chromium;
let httpsPort;
let httpPort;

before(async () => {
  const rillPort = await freePort();
  httpsPort = await freePort();
  httpPort = await freePort();
  const tls = selfSignedCert(work, '127.0.0.1');
  const site = documentedConfig()
    .replace('listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`)
    .replace('listen [::]:443 ssl;', '')
    .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
    .replace('listen [::]:80;', '')
    .replace('/etc/ssl/certs/chat.example.org.pem', tls.cert)
    .replace('/etc/ssl/private/chat.example.org.key', tls.key)
    .replace('http://127.0.0.1:8000', `http://127.0.0.1:${rillPort}`);
  assert.ok(site.includes(`127.0.0.1:${rillPort}`) && site.includes(`${httpsPort} ssl`), 'the documented config changed shape');
  writeNginxConf(work, site);
  const origin = `https://127.0.0.1:${httpsPort}`;
  chat = await startChat(['--listen', `127.0.0.1:${rillPort}`, '--allow-origin', origin, '--provider', 'demo',
    '--data-dir', join(work, 'data')].slice(0));
  nginx = spawn('/usr/sbin/nginx', ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) { // until nginx answers
    try { await get(`${origin}/`); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  nginx?.kill('SIGTERM');
  await chat?.stop();
});

test('through nginx: plain http redirects to https, and https without the token is refused', async () => {
  const plain = await get(`http://127.0.0.1:${httpPort}/`, {}, true);
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.location, `https://127.0.0.1/`);
  const bare = await get(`https://127.0.0.1:${httpsPort}/`);
  assert.equal(bare.status, 401);
});

test('through nginx with TLS: the page loads, its WebSocket connects, an answer streams', async () => {
  const origin = `https://127.0.0.1:${httpsPort}`;
  await chat.waitForLine(/rill-chat: through https:/);
  const through = chat.stdout().match(/rill-chat: through (\S+): (\S+)/);
  assert.equal(through[1], origin);
  const context = await chromium.browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(through[2]);
  assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
  await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  await page.fill('.composer textarea', 'Hello through nginx');
  await page.click('.composer button.send');
  await page.waitForFunction(() => document.querySelectorAll('#messages > .message.assistant:not(#live-answer)').length === 1
    && !document.querySelector('#live-answer'), null, { timeout: 30000 });
  const answer = await page.$eval('#messages > .message.assistant .markdown', (e) => e.innerText);
  assert.match(answer, /offline demo/i);
  assert.deepEqual(problems, []);
  await context.close();
});
