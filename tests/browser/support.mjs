// Shared by the browser tests: start rill-examples on a free port, and a
// headless Chromium configured as the brief says.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(join(here, '../../webclient/node_modules/playwright-core/index.mjs'));

export const examplesBin = process.env.RILL_EXAMPLES_BIN ?? join(here, '../../build/bin/rill-examples');
// With RILL_EXAMPLES_QML set (the QML versions' Examples.qml), the same tests
// run against `rill-view --serve --port 0 Examples.qml ARGS` (RILL_VIEW_BIN);
// it prints "rill-view: /chat at URL/chat", which the same pattern finds.
const examplesQml = process.env.RILL_EXAMPLES_QML;
const viewBin = process.env.RILL_VIEW_BIN ?? join(here, '../../build/bin/rill-view');

// Starts rill-examples with extra flags; resolves once it prints its URL.
export async function startExamples(args = []) {
  const [bin, argv] = examplesQml
    ? [viewBin, ['--serve', '--port', '0', examplesQml, ...args]]
    : [examplesBin, ['--port', '0', ...args]];
  const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rill-examples did not start: ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/chat at (http:\/\/[^/]+)\/chat/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`rill-examples exited ${code}: ${err}`)); });
  });
  return {
    base,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
    },
  };
}

// Playwright gives each launch a fresh, empty profile of its own.
// extraArgs: more Chromium flags (say, --host-resolver-rules for a name).
export async function launchBrowser(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
  return { browser, close: () => browser.close() };
}

// A page that fails the test on console errors and page errors.
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  return { page, problems };
}

// Records every stream:* event under the root, with its detail.
export async function recordStreamEvents(page) {
  await page.evaluate(() => {
    window.__streamEvents = [];
    const root = document.querySelector('[data-rill-root]');
    for (const type of ['stream:start', 'stream:update', 'stream:text', 'stream:error', 'stream:done', 'stream:remove']) {
      root.addEventListener(type, (e) => {
        window.__streamEvents.push({ type, detail: e.detail, target: e.target.getAttribute('dj-stream') });
      });
    }
  });
}

export function expectedTokens(n) {
  let s = '';
  for (let i = 1; i <= n; i++) s += `t${i} `;
  return s;
}

// ---- rill-chat ---------------------------------------------------------------

export const chatBin = process.env.RILL_CHAT_BIN ?? join(here, '../../build/bin/rill-chat');
export const fakeLlmBin = process.env.RILL_FAKE_LLM_BIN ?? join(dirname(chatBin), 'rill-fake-llm');

// Spawns `bin args`, resolving with the first capture of `pattern` in its
// stdout; the handle also collects the rest of stdout for waitForLine().
function spawnPrinting(bin, args, pattern, name, env = undefined) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  let out = '';
  let err = '';
  const waiters = [];
  proc.stderr.on('data', (d) => { err += d; });
  proc.stdout.on('data', (d) => {
    out += d;
    for (const w of [...waiters]) if (w.re.test(out)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out} ${err}`)), 15000);
    const check = () => {
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); proc.stdout.off('data', check); resolve(m[1]); }
    };
    proc.stdout.on('data', check);
    proc.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${name} exited ${code ?? signal}: ${err}`)); });
  });
  const handle = {
    proc,
    stdout: () => out,
    stderr: () => err,
    // Resolves once stdout (so far or later) matches `re`.
    waitForLine(re, timeout = 15000) {
      if (re.test(out)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} never printed ${re}: ${out}`)), timeout);
        waiters.push({ re, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill(signal);
        await exited;
      }
    },
  };
  handle.stop = () => handle.kill('SIGTERM');
  return { ready, handle };
}

// Starts `rill-chat --serve --listen 127.0.0.1:0 ARGS`; resolves once it
// prints "rill-chat: serving URL". `url` is what it printed (with
// ?access=TOKEN when a token is required), `base` its origin.
// Each rill-chat gets a config folder of its own (XDG_CONFIG_HOME), empty
// unless `configDir` names one: what the settings panel saves never reaches
// the user's ~/.config, nor another test.
let configRoot;
export function freshConfigDir() {
  if (!configRoot) {
    configRoot = mkdtempSync(join(tmpdir(), 'rill-chat-config-'));
    process.on('exit', () => rmSync(configRoot, { recursive: true, force: true }));
  }
  return mkdtempSync(join(configRoot, 'c-'));
}

export async function startChat(args = [], { configDir = freshConfigDir() } = {}) {
  const { ready, handle } = spawnPrinting(chatBin, ['--serve', '--listen', '127.0.0.1:0', ...args],
    /rill-chat: serving (\S+)/, 'rill-chat', { ...process.env, XDG_CONFIG_HOME: configDir });
  const url = await ready;
  return { ...handle, url, base: new URL(url).origin };
}

// Starts tests/fakes' rill-fake-llm (an OpenAI-compatible or Ollama server
// with modes for slow tokens, errors and cut connections); resolves with its URL.
// waitForAbort(n) resolves once n streams were hung up on by the client.
export async function startFakeLlm(args = []) {
  const { ready, handle } = spawnPrinting(fakeLlmBin, args, /rill-fake-llm: listening (\S+)/, 'rill-fake-llm');
  const url = await ready;
  return { ...handle, url, waitForAbort: (n = 1, timeout) => handle.waitForLine(new RegExp(`aborted ${n}\\b`), timeout) };
}

// As a person with the token (not a link): the access form, then the chat.
export async function loginChat(browser, base, token, options = {}) {
  const chat = await openChatPage(browser, base, options);
  assert.equal(chat.response.status(), 401);
  await chat.page.fill('form input[name=token]', token);
  await Promise.all([chat.page.waitForNavigation(), chat.page.click('form button[type=submit]')]);
  await chat.page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  return chat;
}

// A chat page in its own browser context (cookies of its own), failing on
// console and page errors. Resolves once its socket is connected.
export async function openChat(browser, url, options = {}) {
  const chat = await openChatPage(browser, url, options);
  await chat.page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  return chat;
}

async function openChatPage(browser, url, { contextOptions = {}, viewport } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1100, height: 760 }, ...contextOptions });
  const page = await context.newPage();
  const problems = [];
  // 401 of the access form is the point of some tests, not a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const response = await page.goto(url);
  return { context, page, problems, response };
}

// An nginx of the test's own in the folder `work`: writes work/nginx.conf
// around the site configuration `site` (pid, log and temporary files in
// `work`), for `nginx -p WORK -c WORK/nginx.conf -g 'daemon off;'`.
export function writeNginxConf(work, site) {
  writeFileSync(join(work, 'site.conf'), site);
  mkdirSync(join(work, 'tmp'), { recursive: true });
  writeFileSync(join(work, 'nginx.conf'), `
${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${work}/tmp/body;
  proxy_temp_path ${work}/tmp/proxy;
  fastcgi_temp_path ${work}/tmp/fastcgi;
  uwsgi_temp_path ${work}/tmp/uwsgi;
  scgi_temp_path ${work}/tmp/scgi;
  include ${work}/site.conf;
}
`);
  return join(work, 'nginx.conf');
}

// A throw-away self-signed certificate for `name`: work/cert.pem and work/key.pem.
export function selfSignedCert(work, name) {
  const cert = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}
