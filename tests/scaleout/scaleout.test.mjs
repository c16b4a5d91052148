// docs/deployment.md, "Several instances", run: three rill-test-scaleout
// instances sharing the topic "feed" through a real redis-server, behind
// nginx with the documented configuration (ports swapped, a throw-away
// certificate), in Chromium reaching it as https://chat.test:PORT (a name
// the instances only accept because RILL_ALLOWED_ORIGINS says so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { launchBrowser, selfSignedCert, writeNginxConf } from '../browser/support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rill-scaleout-'));
const bin = process.env.RILL_SCALEOUT_BIN ?? join(here, '../../build/bin/rill-test-scaleout');
const nginxBin = process.env.RILL_NGINX ?? '/usr/sbin/nginx';
const redisBin = process.env.RILL_REDIS_SERVER ?? '/usr/bin/redis-server';
const names = ['a', 'b', 'c'];

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Through nginx's TLS (its certificate is the test's own).
function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, headers: { Host: `${siteName}:${nginxPort}` } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function listening(port) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

// The ```nginx file=deploy/rill-cluster.conf block of docs/deployment.md.
function documentedConfig(ports, nginxPort) {
  const doc = readFileSync(join(here, '../../docs/deployment.md'), 'utf8');
  const m = doc.match(/```nginx file=deploy\/rill-cluster\.conf\n([\s\S]*?)```/);
  assert.ok(m, 'docs/deployment.md has no cluster configuration');
  let conf = m[1].replace('listen 443 ssl;', `listen 127.0.0.1:${nginxPort} ssl;`)
    .replace('/etc/ssl/certs/chat.example.org.pem', join(work, 'cert.pem'))
    .replace('/etc/ssl/private/chat.example.org.key', join(work, 'key.pem'));
  ports.forEach((port, i) => { conf = conf.replaceAll(`127.0.0.1:800${i + 1}`, `127.0.0.1:${port}`); });
  assert.ok(ports.every((p) => conf.includes(`:${p}`)) && conf.includes(`${nginxPort} ssl`) && conf.includes(work),
    'the documented configuration changed shape');
  return conf;
}

class Proc {
  constructor(cmd, args, env = {}) {
    this.out = '';
    this.proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.out += d; });
    this.proc.stderr.on('data', (d) => { this.out += d; });
  }
  async stop(signal = 'SIGTERM') {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill(signal);
      await once(this.proc, 'exit');
    }
  }
}

let redis;
let redisPort;
let instances = [];
let ports = [];
let nginx;
let nginxPort;
let base;
const siteName = 'chat.test';
let chromium;

function startNginx() {
  return new Proc(nginxBin, ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off;']);
}

function startRedis() {
  return new Proc(redisBin, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
}

before(async () => {
  redisPort = await freePort();
  redis = startRedis();
  await until('redis listens', () => listening(redisPort));
  ports = await Promise.all(names.map(() => freePort()));
  nginxPort = await freePort();
  instances = names.map((name, i) => new Proc(bin, ['--port', String(ports[i])],
    { RILL_INSTANCE: name, RILL_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      RILL_ALLOWED_ORIGINS: `https://${siteName}:${nginxPort}` }));
  for (const p of instances) await until('an instance listens', () => /rill-test-scaleout: \w at/.test(p.out));
  selfSignedCert(work, siteName); // documentedConfig() points at work/cert.pem and work/key.pem
  writeNginxConf(work, documentedConfig(ports, nginxPort));
  nginx = startNginx();
  base = `https://${siteName}:${nginxPort}`;
  await until('nginx answers', async () => { try { return (await get(`https://127.0.0.1:${nginxPort}/`)).status === 200; } catch { return false; } });
  chromium = await launchBrowser([`--host-resolver-rules=MAP ${siteName} 127.0.0.1`]);
  browsing = await chromium.browser.newContext({ ignoreHTTPSErrors: true });
});

let browsing;

after(async () => {
  await chromium?.close();
  await nginx?.stop();
  for (const p of instances) await p.stop();
  await redis?.stop();
});

async function openFeed() {
  const page = await browsing.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 15000 });
  return page;
}
const instanceOf = (page) => page.$eval('#instance', (e) => e.textContent);
const feedOf = (page) => page.$$eval('#feed li', (items) => items.map((li) => li.textContent));
async function post(page, text) {
  await page.fill('input[name=text]', text);
  await page.click('form button');
  // The form is reset when the server answers: a field filled before that
  // would be emptied under the next post.
  await page.waitForFunction(() => document.querySelector('input[name=text]').value === '', null, { timeout: 10000 });
}

let pages = [];

// Straight to an instance, with a Host header of our choosing.
function getDirect(port, host) {
  return new Promise((resolve, reject) => {
    const req = plainRequest({ host: '127.0.0.1', port, path: '/', headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

test('each instance takes the name RILL_ALLOWED_ORIGINS gives it, and no other', async () => {
  for (const port of ports) {
    assert.equal(await getDirect(port, `${siteName}:${nginxPort}`), 200);
    assert.equal(await getDirect(port, `rebind.example:${nginxPort}`), 421);
  }
});

test('pages on different instances see one feed, in one order', async () => {
  // nginx balances requests round robin, and a page load is several
  // requests: open pages (nudging the rotation with an extra request) until
  // one is on each instance.
  for (let tries = 0; pages.length < 3 && tries < 30; tries++) {
    const page = await openFeed();
    const name = await instanceOf(page);
    if ((await Promise.all(pages.map(instanceOf))).includes(name)) {
      await page.close();
      await get(`https://127.0.0.1:${nginxPort}/rill/client/rill.css`);
    } else {
      pages.push(page);
    }
  }
  const on = await Promise.all(pages.map(instanceOf));
  assert.deepEqual([...on].sort(), names, `pages on ${on}`);
  // Each socket went to the instance that rendered its page.
  for (const page of pages) {
    assert.equal(await page.$eval('[data-rill-root]', (e) => e.dataset.rillInstance), await instanceOf(page));
  }
  const sent = [];
  for (let i = 0; i < 10; i++) {
    for (const [k, page] of pages.entries()) {
      const text = `m${i}-${on[k]}`;
      sent.push(text);
      await post(page, text);
    }
  }
  await until('every page has every message', async () =>
    (await Promise.all(pages.map(feedOf))).every((f) => f.length === sent.length));
  const feeds = await Promise.all(pages.map(feedOf));
  assert.deepEqual(feeds[1], feeds[0]);
  assert.deepEqual(feeds[2], feeds[0]);
  assert.deepEqual([...feeds[0]].sort(), [...sent].sort());
  for (const name of names) { // each poster's own order kept
    assert.deepEqual(feeds[0].filter((t) => t.endsWith(`-${name}`)), sent.filter((t) => t.endsWith(`-${name}`)));
  }
});

test('nginx restarted mid-stream: every socket is cut, comes back through the new nginx to its own instance and resumes, missing nothing', async () => {
  const on = await Promise.all(pages.map(instanceOf));
  const before = await Promise.all(pages.map(feedOf));
  for (const page of pages) await page.evaluate(() => { window.__sameDocument = true; });
  await nginx.stop(); // fast shutdown: every proxied socket is closed
  await until('the pages see the cut', async () =>
    (await Promise.all(pages.map((p) => p.$('[data-rill-root][data-rill-connected]')))).every((x) => x === null));
  // Meanwhile a page straight on instance a posts: the feed goes on.
  const direct = await chromium.browser.newPage();
  await direct.goto(`http://127.0.0.1:${ports[0]}/`);
  await direct.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 15000 });
  const during = ['during 1', 'during 2', 'during 3'];
  for (const text of during) await post(direct, text);
  let seen = [];
  await until('the direct page has them', async () => {
    seen = await feedOf(direct);
    return during.every((t) => seen.includes(t));
  }, 30000).catch((e) => { throw new Error(`${e.message}; its feed: ${JSON.stringify(seen)}`); });
  await direct.close();
  nginx = startNginx();
  await until('nginx answers again', async () => { try { return (await get(`https://127.0.0.1:${nginxPort}/`)).status === 200; } catch { return false; } });
  await until('every page is connected again', async () =>
    (await Promise.all(pages.map((p) => p.$('[data-rill-root][data-rill-connected]')))).every((x) => x !== null), 30000);
  await until('every page has what was posted during the cut', async () =>
    (await Promise.all(pages.map(feedOf))).every((f) => during.every((t) => f.includes(t))), 20000);
  for (const [k, page] of pages.entries()) {
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'resumed, not reloaded');
    assert.equal(await instanceOf(page), on[k], 'on the instance that rendered it');
    assert.deepEqual(await feedOf(page), [...before[k], ...during], 'each message once, in order');
  }
});

test('a killed instance: its page says so, reloads onto another instance and takes part again', async () => {
  const victim = pages[1];
  const victimName = await instanceOf(victim);
  const index = names.indexOf(victimName);
  await instances[index].stop('SIGKILL');
  // Its socket reaches a backup instance, which does not know the session:
  // the page reloads to a fresh view there.
  await until('the page comes back on another instance', async () => {
    try {
      const now = await victim.$eval('#instance', (e) => e.textContent);
      return now !== victimName && await victim.$('[data-rill-root][data-rill-connected]') !== null;
    } catch {
      return false; // mid-reload
    }
  }, 30000);
  const alive = pages.filter((p) => p !== victim);
  await post(victim, 'after the failover');
  await until('every page sees it', async () =>
    (await Promise.all([...alive, victim].map(feedOf))).every((f) => f.includes('after the failover')));
  assert.deepEqual(await feedOf(victim), ['after the failover']); // a fresh view: the feed was the dead process's
});

test('Redis restarted mid-stream: instances keep serving, and share again once it is back', async () => {
  const [first, , third] = pages;
  assert.notEqual(await instanceOf(first), await instanceOf(third));
  await redis.stop('SIGKILL');
  await post(first, 'while redis is down');
  await until('its own instance still delivers', async () => (await feedOf(first)).includes('while redis is down'));
  redis = startRedis();
  await until('redis listens again', () => listening(redisPort));
  // Instances reconnect with a backoff (up to 5 s): post until the other
  // instance's page sees a message from this one.
  let n = 0;
  await until('shared again', async () => {
    await post(first, `back ${n++}`);
    await new Promise((r) => setTimeout(r, 200));
    return (await feedOf(third)).some((t) => t.startsWith('back '));
  }, 30000);
  assert.ok(!(await feedOf(third)).includes('while redis is down'), 'nothing replays what Redis never kept');
});
