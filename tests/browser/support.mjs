// Shared by the browser tests: start rill-examples on a free port, and a
// headless Chromium configured as the brief says.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(join(here, '../../webclient/node_modules/playwright-core/index.mjs'));

export const examplesBin = process.env.RILL_EXAMPLES_BIN ?? join(here, '../../build/bin/rill-examples');

// Starts rill-examples with extra flags; resolves once it prints its URL.
export async function startExamples(args = []) {
  const proc = spawn(examplesBin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
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
