// Pages that lose their connection, as readers do: through a proxy that cuts
// and refuses (tests/browser/proxy.mjs) and a server that restarts. A page
// must end up showing exactly what a page that never left shows, or say
// that it cannot; a page whose session is gone must say so and come back
// with what its reader was typing. What the reader did runs exactly once,
// whichever way the link died.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, examplesBin } from './support.mjs';
import { CuttingProxy } from './proxy.mjs';

let chromium;
before(async () => { chromium = await launchBrowser(); });
after(async () => { await chromium?.close(); });

const work = mkdtempSync(join(tmpdir(), 'rill-resume-'));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startExamplesOn(port, logFile, extra = []) {
  const proc = spawn(examplesBin, ['--port', String(port), '--log-file', logFile, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !out.includes('chat at'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(out.includes('chat at'), out);
  return { proc, output: () => out, async stop() { if (proc.exitCode === null) { proc.kill('SIGKILL'); await once(proc, 'exit'); } } };
}

async function openPage(url) {
  const context = await chromium.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 10000 });
  return { context, page, problems };
}

const lineCount = (page) => page.$$eval('[dj-stream="logs"] .log-line', (els) => els.length);
const lineTexts = (page) => page.$$eval('[dj-stream="logs"] .log-line', (els) => els.map((e) => e.textContent));

// Lines of ~1 KiB: 2,000 of them are twice what the replay ring keeps.
const line = (i) => `line ${i} ` + 'x'.repeat(1000);

test('log lines written while the page was away past the replay ring all show up, in order', async () => {
  const logFile = join(work, 'away.log');
  writeFileSync(logFile, '');
  const server = await startExamplesOn(await freePort(), logFile);
  const proxy = new CuttingProxy(Number(/:(\d+)\/chat/.exec(server.output())[1]));
  const port = await proxy.listen();
  try {
    const { context, page, problems } = await openPage(`http://127.0.0.1:${port}/logs`);
    await page.click('button[dj-click="start_tail"]');
    await page.waitForSelector('[dj-stream="logs"][data-stream-active]', { state: 'attached' });
    for (let i = 0; i < 10; i++) appendFileSync(logFile, line(i) + '\n');
    await page.waitForFunction(() => document.querySelectorAll('[dj-stream="logs"] .log-line').length === 10);

    // The network goes away; 2,000 lines are written meanwhile.
    proxy.refuse(true);
    proxy.cut();
    await page.waitForSelector('[data-rill-root][data-rill-disconnected]');
    for (let i = 10; i < 2010; i++) appendFileSync(logFile, line(i) + '\n');
    await new Promise((r) => setTimeout(r, 1500)); // the server reads them all
    proxy.refuse(false);
    await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll('[dj-stream="logs"] .log-line').length >= 2010,
      null, { timeout: 20000 });
    const texts = await lineTexts(page);
    assert.equal(texts.length, 2010);
    texts.forEach((t, i) => assert.ok(t.startsWith(`line ${i} `), `line ${i}: ${t.slice(0, 20)}`));
    assert.equal(await page.$('.rill-notice'), null, 'nothing to apologise for');
    assert.ok(await page.$('[dj-stream="logs"][data-stream-active]'), 'still tailing');
    // And it goes on streaming.
    appendFileSync(logFile, line(2010) + '\n');
    await page.waitForFunction(() => document.querySelectorAll('[dj-stream="logs"] .log-line').length === 2011);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await proxy.close();
    await server.stop();
  }
});

test('when more was missed than the server keeps, the page says so', async () => {
  const logFile = join(work, 'toolong.log');
  writeFileSync(logFile, '');
  const server = await startExamplesOn(await freePort(), logFile);
  const proxy = new CuttingProxy(Number(/:(\d+)\/chat/.exec(server.output())[1]));
  const port = await proxy.listen();
  try {
    const { context, page } = await openPage(`http://127.0.0.1:${port}/logs`);
    await page.click('button[dj-click="start_tail"]');
    await page.waitForSelector('[dj-stream="logs"][data-stream-active]', { state: 'attached' });
    proxy.refuse(true);
    proxy.cut();
    await page.waitForSelector('[data-rill-root][data-rill-disconnected]');
    let chunk = '';
    for (let i = 0; i < 6000; i++) chunk += line(i) + '\n'; // 6 MB: beyond the 4 MiB resume log
    appendFileSync(logFile, chunk);
    await new Promise((r) => setTimeout(r, 2500));
    proxy.refuse(false);
    await page.waitForSelector('.rill-notice', { timeout: 20000 });
    assert.match(await page.innerText('.rill-notice'), /could not be restored/);
    assert.ok(await page.isVisible('.rill-notice button:text("Reload")'));
    // What it has is still in order, the newest lines included (the notice
    // can show before the frames that follow the resume are applied).
    await page.waitForFunction(() => {
      const lines = document.querySelectorAll('[dj-stream="logs"] .log-line');
      return lines.length > 1000 && lines[lines.length - 1].textContent.startsWith('line 5999 ');
    }, null, { timeout: 20000 });
    const texts = await lineTexts(page);
    const numbers = texts.map((t) => Number(/^line (\d+) /.exec(t)?.[1]));
    assert.ok(numbers.every((n, i) => i === 0 || n > numbers[i - 1]), 'in order');
    await context.close();
  } finally {
    await proxy.close();
    await server.stop();
  }
});

test('a server restart: the page says so, reloads, and keeps what the reader was typing', async () => {
  const logFile = join(work, 'restart.log');
  writeFileSync(logFile, '');
  const serverPort = await freePort();
  let server = await startExamplesOn(serverPort, logFile);
  try {
    const { context, page, problems } = await openPage(`http://127.0.0.1:${serverPort}/chat`);
    await page.fill('input[name=content]', 'a question I was typing');
    const firstToken = await page.getAttribute('[data-rill-root]', 'data-rill-token');

    await server.stop();
    await page.waitForSelector('[data-rill-root][data-rill-disconnected]');
    server = await startExamplesOn(serverPort, logFile); // another life: it knows no session

    await page.waitForSelector('.rill-notice', { timeout: 20000 });
    assert.match(await page.innerText('.rill-notice'), /session ended/);
    // It reloads by itself, and the new page has the text back.
    await page.waitForFunction((old) => {
      const root = document.querySelector('[data-rill-root][data-rill-connected]');
      return root && root.getAttribute('data-rill-token') !== old;
    }, firstToken, { timeout: 20000 });
    assert.equal(await page.inputValue('input[name=content]'), 'a question I was typing');
    assert.equal(await page.$('.rill-notice'), null);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await server.stop();
  }
});

// The reader's question leaves the page, and the link dies with it (in the
// proxy here; in real life a Wi-Fi switch or a sleeping laptop), or dies
// with the answer on its way back. Either way the question is asked once:
// the page resends what the server never read, and only that.
for (const [dir, what] of [['up', 'the question never reached the server'], ['down', 'the server read the question, the answer was lost']]) {
  test(`a question sent as the link dies is asked exactly once (${what})`, async () => {
    const logFile = join(work, `ask-${dir}.log`);
    writeFileSync(logFile, '');
    const server = await startExamplesOn(await freePort(), logFile, ['--tokens', '5', '--tokens-per-second', '100']);
    const proxy = new CuttingProxy(Number(/:(\d+)\/chat/.exec(server.output())[1]));
    const port = await proxy.listen();
    try {
      const { context, page, problems } = await openPage(`http://127.0.0.1:${port}/chat`);
      proxy.drop(dir, true);
      await page.fill('input[name=content]', 'are you there?');
      await page.click('form[dj-submit=ask] button[type=submit]');
      // Long enough for the frame to pass the proxy, and (down) for the
      // server to read it and stream all 5 tokens into the void.
      await new Promise((r) => setTimeout(r, 500));
      proxy.cut();
      proxy.drop(dir, false);
      await page.waitForSelector('[data-rill-root][data-rill-connected]', { timeout: 20000 });
      // The answer is in the message list once the handler's last render is in.
      await page.waitForFunction(() => document.querySelectorAll('#chat > .message.assistant:not([dj-stream])').length >= 1,
        null, { timeout: 20000 });
      await new Promise((r) => setTimeout(r, 500)); // a second run would show by now
      const messages = await page.$$eval('#chat > .message:not([dj-stream])', (els) => els.map((e) => [e.className, e.textContent]));
      assert.deepEqual(messages, [['message user', 'are you there?'], ['message assistant', 't1 t2 t3 t4 t5 ']]);
      assert.equal(await page.inputValue('input[name=content]'), '', 'the reply reset the form');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await proxy.close();
      await server.stop();
    }
  });
}
