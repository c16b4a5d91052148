// The seed's two examples in headless Chromium against rill-examples: the
// server, batcher, protocol and web client working together.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startExamples, launchBrowser, openPage, recordStreamEvents, expectedTokens } from './support.mjs';

let chromium;
before(async () => { chromium = await launchBrowser(); });
after(async () => { await chromium?.close(); });

async function ask(page, text) {
  await page.fill('input[name=content]', text);
  await page.click('form[dj-submit=ask] button[type=submit]');
}

const streamDone = (page, timeout = 30000) => page.waitForFunction(
  () => window.__streamEvents.some((e) => e.type === 'stream:done' || e.type === 'stream:error'), null, { timeout });

// The handler's final re-render has arrived when the form is enabled again.
const formEnabled = (page, timeout = 30000) => page.waitForFunction(
  () => !document.querySelector('input[name=content]').disabled, null, { timeout });

describe('chat', () => {
  test('at 1,000 tokens/s every token arrives once and in order, and the answer shows once', async () => {
    const server = await startExamples(['--tokens', '1000', '--tokens-per-second', '1000']);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/chat`);
      await recordStreamEvents(page);
      await ask(page, 'count to a thousand');
      await streamDone(page);
      await formEnabled(page);
      const events = await page.evaluate(() => window.__streamEvents);
      const texts = events.filter((e) => e.type === 'stream:text');
      assert.equal(texts.map((e) => e.detail.text).join(''), expectedTokens(1000));
      assert.ok(texts.length < 1000, `tokens were batched into frames (${texts.length} text events)`);
      for (const e of texts) {
        assert.equal(e.detail.stream, 'response');
        assert.equal(e.detail.mode, 'append');
      }
      assert.deepEqual(events[0], { type: 'stream:start', detail: { stream: 'response' }, target: 'response' });
      assert.deepEqual(events.at(-1), { type: 'stream:done', detail: { stream: 'response' }, target: 'response' });
      // After the final re-render the answer is in the message list, and the
      // stream target shows what the template renders there: nothing.
      const answers = await page.$$eval('#chat > .message.assistant:not([dj-stream])', (els) => els.map((e) => e.textContent));
      assert.deepEqual(answers, [expectedTokens(1000)]);
      assert.equal(await page.$eval('[dj-stream=response]', (e) => e.textContent), '');
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });

  test('start and done set and clear data-stream-active; the form is disabled while streaming', async () => {
    const server = await startExamples(['--tokens', '40', '--tokens-per-second', '40']);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/chat`);
      await recordStreamEvents(page);
      await ask(page, 'hi');
      await page.waitForSelector('[dj-stream=response][data-stream-active="true"]', { state: 'attached', timeout: 10000 });
      assert.equal(await page.$eval('input[name=content]', (e) => e.disabled), true);
      assert.equal(await page.$eval('form button[type=submit]', (e) => e.disabled), true);
      await streamDone(page);
      await formEnabled(page);
      assert.equal(await page.$eval('[dj-stream=response]', (e) => e.hasAttribute('data-stream-active')), false);
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });

  test('an error keeps the partial text, shows the error inline, and survives the final re-render', async () => {
    const server = await startExamples(['--tokens', '50', '--tokens-per-second', '200', '--fail-after', '5']);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/chat`);
      await recordStreamEvents(page);
      await ask(page, 'fail please');
      await streamDone(page);
      await formEnabled(page);
      const events = await page.evaluate(() => window.__streamEvents);
      const error = events.find((e) => e.type === 'stream:error');
      assert.deepEqual(error.detail, { stream: 'response', error: 'Error: the token source failed after 5 tokens' });
      assert.ok(!events.some((e) => e.type === 'stream:done'), 'the seed example ends a failed stream with an error only');
      const target = await page.$eval('[dj-stream=response]', (e) => ({
        text: [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join(''),
        error: e.querySelector('.dj-stream-error')?.textContent,
        role: e.querySelector('.dj-stream-error')?.getAttribute('role'),
        errorAttr: e.hasAttribute('data-stream-error'),
        active: e.hasAttribute('data-stream-active'),
      }));
      assert.deepEqual(target, {
        text: expectedTokens(5), error: 'Error: the token source failed after 5 tokens', role: 'alert',
        errorAttr: true, active: false,
      });
      // The next answer starts clean: the error goes, the stream runs again.
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });

  test('a re-render during an active stream leaves the stream target intact', async () => {
    const server = await startExamples(['--tokens', '60', '--tokens-per-second', '60']);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/chat`);
      await recordStreamEvents(page);
      await ask(page, 'long answer');
      await page.waitForFunction(() => window.__streamEvents.filter((e) => e.type === 'stream:text').length >= 3);
      // A second ask while streaming returns at once in the seed's handler,
      // and its handler's end re-renders the whole view mid-stream.
      const before = await page.$eval('[dj-stream=response]', (e) => e.textContent);
      await page.evaluate(() => {
        const form = document.querySelector('form[dj-submit=ask]');
        form.querySelector('input').disabled = false;
        form.requestSubmit();
      });
      await page.waitForFunction((n) => document.querySelector('[dj-stream=response]').textContent.length > n + 20,
        before.length);
      const during = await page.$eval('[dj-stream=response]', (e) => e.textContent);
      assert.ok(during.startsWith(before), 'nothing streamed so far was lost');
      await streamDone(page);
      await formEnabled(page);
      const events = await page.evaluate(() => window.__streamEvents);
      assert.equal(events.filter((e) => e.type === 'stream:text').map((e) => e.detail.text).join(''), expectedTokens(60));
      const answers = await page.$$eval('#chat > .message.assistant:not([dj-stream])', (els) => els.map((e) => e.textContent));
      assert.deepEqual(answers, [expectedTokens(60)]);
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });

  test('Stop mid-stream ends the answer early and keeps what arrived', async () => {
    const server = await startExamples(['--tokens', '2000', '--tokens-per-second', '100']);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/chat`);
      await recordStreamEvents(page);
      await ask(page, 'never ending');
      await page.waitForFunction(() => window.__streamEvents.filter((e) => e.type === 'stream:text').length >= 3);
      await page.click('button.stop');
      await streamDone(page, 10000);
      await formEnabled(page, 10000);
      const events = await page.evaluate(() => window.__streamEvents);
      const streamed = events.filter((e) => e.type === 'stream:text').map((e) => e.detail.text).join('');
      assert.ok(streamed.length > 0 && streamed.length < expectedTokens(2000).length, 'stopped early');
      assert.ok(expectedTokens(2000).startsWith(streamed), 'tokens in order, none lost');
      const answers = await page.$$eval('#chat > .message.assistant:not([dj-stream])', (els) => els.map((e) => e.textContent));
      assert.deepEqual(answers, [streamed]);
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });
});

describe('log viewer', () => {
  test('tailed lines appear as they are written, with stream:update events, and never vanish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rill-logs-'));
    const logFile = join(dir, 'app.log');
    writeFileSync(logFile, 'old line, before tailing\n');
    const server = await startExamples(['--log-file', logFile]);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/logs`);
      await recordStreamEvents(page);
      await page.click('button[dj-click=start_tail]');
      await page.waitForSelector('[dj-stream=logs][data-stream-active]', { state: 'attached' });
      // The handler is still running: writing lines now must show them.
      await page.waitForTimeout(300);
      appendFileSync(logFile, 'INFO started <b>bold?</b>\nERROR disk full\n');
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 2, null, { timeout: 10000 });
      const lines = await page.$$eval('.log-line', (els) => els.map((e) => [e.className, e.textContent]));
      assert.deepEqual(lines, [['log-line info', 'INFO started <b>bold?</b>'], ['log-line error', 'ERROR disk full']]);
      const updates = await page.evaluate(() => window.__streamEvents.filter((e) => e.type === 'stream:update'));
      assert.deepEqual(updates.map((e) => e.detail), [{ op: 'append', stream: 'logs' }, { op: 'append', stream: 'logs' }]);
      // A second click starts a second tail (the handler runs concurrently);
      // its start and the re-render after it must keep the lines.
      appendFileSync(logFile, 'INFO third\n');
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 3, null, { timeout: 10000 });
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });

  test('auto-scroll follows the tail near the bottom and keeps the position when scrolled up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rill-logs-'));
    const logFile = join(dir, 'app.log');
    writeFileSync(logFile, '');
    const server = await startExamples(['--log-file', logFile]);
    try {
      const { page, problems } = await openPage(chromium.browser, `${server.base}/logs`);
      await page.click('button[dj-click=start_tail]');
      await page.waitForSelector('[dj-stream=logs][data-stream-active]', { state: 'attached' });
      await page.waitForTimeout(300);
      const atBottom = () => page.$eval('[dj-stream=logs]', (e) => e.scrollHeight - e.scrollTop - e.clientHeight);
      let text = '';
      for (let i = 1; i <= 60; i++) text += `INFO line ${i}\n`;
      appendFileSync(logFile, text);
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 60, null, { timeout: 10000 });
      await page.waitForTimeout(100);
      assert.ok(await page.$eval('[dj-stream=logs]', (e) => e.scrollHeight > e.clientHeight), 'the container overflows');
      assert.ok(await atBottom() < 1, 'followed to the bottom');
      // The user scrolls up to read: new lines must not move the view.
      await page.$eval('[dj-stream=logs]', (e) => { e.scrollTop = 0; });
      appendFileSync(logFile, 'INFO line 61\nINFO line 62\n');
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 62, null, { timeout: 10000 });
      await page.waitForTimeout(100);
      assert.equal(await page.$eval('[dj-stream=logs]', (e) => e.scrollTop), 0);
      // Near the bottom is not enough (docs/views.md): the reader scrolled away.
      await page.$eval('[dj-stream=logs]', (e) => { e.scrollTop = e.scrollHeight - e.clientHeight - 50; });
      appendFileSync(logFile, 'INFO line 63\n');
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 63, null, { timeout: 10000 });
      await page.waitForTimeout(100);
      assert.ok(await atBottom() > 40, 'still where the reader left it');
      // Back at the bottom: following resumes.
      await page.$eval('[dj-stream=logs]', (e) => { e.scrollTop = e.scrollHeight; });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      appendFileSync(logFile, 'INFO line 64\n');
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 64, null, { timeout: 10000 });
      await page.waitForTimeout(100);
      assert.ok(await atBottom() < 1, 'followed again');
      assert.deepEqual(problems, []);
    } finally {
      await server.stop();
    }
  });
});
