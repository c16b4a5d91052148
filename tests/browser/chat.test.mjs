// rill-chat in headless Chromium (issue 4): `rill-chat --serve` on
// 127.0.0.1 with the offline demo or tests/fakes' rill-fake-llm as the
// model. The access token gate, two browsers on one stream, stop,
// regenerate, edit and resend, copy buttons, "jump to latest", errors kept
// inline, and an answer that survives the process being killed.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchBrowser, startChat, startFakeLlm, openChat, loginChat, freshConfigDir } from './support.mjs';

let chromium;
const dataDirs = [];
before(async () => { chromium = await launchBrowser(); });
after(async () => {
  await chromium?.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'rill-chat-test-'));
  dataDirs.push(dir);
  return dir;
}

// rill-chat answering with rill-fake-llm (OpenAI flavour), no token on loopback.
async function chatWithFake(fakeArgs, { dataDir = freshDataDir(), chatArgs = [] } = {}) {
  const fake = await startFakeLlm(fakeArgs);
  const chat = await startChat(['--provider', 'openai', '--openai-base-url', fake.url, '--data-dir', dataDir, ...chatArgs]);
  return { fake, chat, dataDir, async stop() { await chat.stop(); await fake.stop(); } };
}

async function send(page, text) {
  await page.fill('textarea[name=content]', text);
  await page.click('button.send');
}

// `n` answers have ended and the page re-rendered: n assistant messages, no
// live answer, Send is back.
const answerDone = (page, n = 1, timeout = 30000) => page.waitForFunction(
  (n) => document.querySelectorAll('#messages > .message.assistant:not(#live-answer)').length === n
    && !document.querySelector('#live-answer') && document.querySelector('button.send'), n, { timeout });

const liveText = (page) => page.$eval('#live-answer', (e) => e.innerText).catch(() => '');

const assistantTexts = (page) => page.$$eval('.message.assistant:not(#live-answer) .markdown', (els) => els.map((e) => e.innerText));

const roles = (page) => page.$$eval('#messages > .message:not(#live-answer)', (els) => els.map((e) => (e.classList.contains('user') ? 'user' : 'assistant')));

// "w1 w2 … wN", as rill-fake-llm --tokens N streams it.
const words = (n) => Array.from({ length: n }, (_, i) => `w${i + 1}`).join(' ');

function httpStatus(base, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

describe('access token', () => {
  test('no token and a wrong token get a 401 page and no socket; the right one gets a cookie and a working chat that a second browser watches live', async () => {
    const chat = await startChat(['--token', 'T0k3n', '--provider', 'demo', '--data-dir', freshDataDir()]);
    try {
      // The printed link carries a one-time code, never the token; the
      // token is printed for the access form.
      assert.match(chat.url, /^http:\/\/127\.0\.0\.1:\d+\/\?access=[A-Za-z0-9_-]{40,}$/);
      assert.ok(!chat.url.includes('T0k3n'));
      assert.notEqual(new URL(chat.url).port, '0', 'the printed URL carries the bound port');
      await chat.waitForLine(/enter the access token T0k3n/);

      // No cookie, a wrong code, and the token in the URL: the access form
      // (401), no view, no socket, no cookie.
      for (const [query, title] of [['', 'Access token required'], ['?access=wrong', 'Link already used'],
        ['?access=T0k3n', 'Link already used']]) {
        const context = await chromium.browser.newContext();
        const page = await context.newPage();
        const sockets = [];
        page.on('websocket', (ws) => sockets.push(ws.url()));
        const response = await page.goto(`${chat.base}/${query}`);
        assert.equal(response.status(), 401, query);
        assert.match(await page.title(), new RegExp(`^${title}`));
        assert.ok(await page.isVisible('form input[type=password][name=token]'));
        assert.equal(await page.$('[data-rill-root]'), null);
        assert.deepEqual(sockets, []);
        assert.deepEqual(await context.cookies(), []);
        await context.close();
      }
      // A socket without the cookie is refused, with or without a token.
      const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
      assert.equal(await httpStatus(chat.base, '/rill/socket', upgrade), 403);
      assert.equal(await httpStatus(chat.base, '/rill/socket?access=T0k3n', upgrade), 403);

      // The link: its code traded for an HttpOnly cookie (derived, not the
      // token), dropped from the URL.
      const first = await openChat(chromium.browser, chat.url, {
        contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
      const redirect = first.response.request().redirectedFrom();
      assert.equal((await redirect.response()).status(), 303);
      assert.equal(first.page.url(), `${chat.base}/`);
      const cookies = await first.context.cookies();
      assert.equal(cookies.length, 1);
      assert.equal(cookies[0].name, `rill_access_${new URL(chat.base).port}`);
      assert.equal(cookies[0].httpOnly, true);
      assert.equal(cookies[0].sameSite, 'Strict');
      assert.ok(!cookies[0].value.includes('T0k3n'));
      // The same link again (say, from the history): spent.
      {
        const context = await chromium.browser.newContext();
        const page = await context.newPage();
        assert.equal((await page.goto(chat.url)).status(), 401);
        assert.match(await page.title(), /^Link already used/);
        await context.close();
      }

      // The demo says what it is.
      assert.match(await first.page.innerText('.sidebar > .provider'), /Offline demo/);
      assert.ok(await first.page.isVisible('.sidebar .badge:text("offline demo")'));

      // A second browser (cookies of its own) gets in with the token, by
      // the access form; below it opens the first one's conversation
      // mid-answer.
      const second = await loginChat(chromium.browser, chat.base, 'T0k3n');

      await send(first.page, 'Show me some code');
      await first.page.waitForSelector('#live-answer', { timeout: 10000 });
      const conversation = await first.page.$eval('.conv.active button.open', (b) => b.dataset.id);
      assert.match(conversation, /^\d+$/);
      await second.page.click(`.conv button.open[data-id="${conversation}"]`);
      await second.page.waitForSelector('#live-answer', { timeout: 10000 });
      const early = (await liveText(second.page)).length;
      await second.page.waitForFunction((n) => (document.querySelector('#live-answer')?.innerText.length ?? 0) > n + 20,
        early, { timeout: 15000 });
      assert.ok(await first.page.$('#live-answer'), 'the first browser is still streaming');

      await answerDone(first.page);
      await answerDone(second.page);
      const answers = await assistantTexts(first.page);
      assert.equal(answers.length, 1, 'the answer shows once');
      assert.match(answers[0], /This is the offline demo/);
      assert.match(answers[0], /Everything above arrived token by token/);
      assert.deepEqual(await assistantTexts(second.page), answers, 'both browsers show the same answer');
      assert.equal((await first.page.innerText('#messages')).split('This is the offline demo').length, 2);

      // Markdown rendered on the server: bold, a list, a code block with a Copy button.
      const rendered = await first.page.$eval('.message.assistant .markdown', (e) => ({
        strong: e.querySelector('strong')?.textContent,
        items: e.querySelectorAll('ol > li').length,
        blocks: [...e.querySelectorAll('.code-block')].map((b) => ({
          copy: b.querySelector('button.copy')?.textContent, pre: !!b.querySelector('pre > code') })),
      }));
      assert.equal(rendered.strong, 'This is the offline demo');
      assert.equal(rendered.items, 3);
      assert.ok(rendered.blocks.length >= 2);
      for (const b of rendered.blocks) assert.deepEqual(b, { copy: 'Copy', pre: true });
      assert.match(await first.page.innerText('.message.assistant .meta'), /tokens\/s/);

      // Copy a code block, then the whole message.
      const { page } = first;
      await page.evaluate(() => {
        window.__copied = [];
        document.addEventListener('rill:copied', (e) => window.__copied.push(e.detail.text));
      });
      const lastBlock = page.locator('.message.assistant .code-block').last();
      const code = await lastBlock.locator('pre').textContent();
      assert.match(code, /def fibonacci/);
      await lastBlock.locator('button.copy').click();
      await page.waitForFunction(() => window.__copied.length === 1);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
      await page.click('.message.assistant .meta button[data-copy]');
      await page.waitForFunction(() => window.__copied.length === 2);
      const whole = await page.evaluate(() => navigator.clipboard.readText());
      // The answer's text, without the labels of its code blocks' Copy buttons.
      assert.equal(whole, answers[0].replace(/^Copy\n/gm, ''));
      // And the question.
      await page.click('.message.user .meta button[data-copy]');
      await page.waitForFunction(() => window.__copied.length === 3);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'Show me some code');

      assert.deepEqual(first.problems, []);
      assert.deepEqual(second.problems, []);
      await first.context.close();
      await second.context.close();
    } finally {
      await chat.stop();
    }
  });
});

describe('answers', () => {
  test('Stop aborts the HTTP request and keeps the partial answer', async () => {
    const env = await chatWithFake(['--mode', 'slow', '--delay', '40', '--tokens', '500']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await send(page, 'talk slowly');
      await page.waitForFunction(() => /\bw10\b/.test(document.querySelector('#live-answer')?.innerText ?? ''), null, { timeout: 15000 });
      await page.click('button.stop');
      await env.fake.waitForAbort(1);
      await answerDone(page);
      const [answer] = await assistantTexts(page);
      assert.match(answer, /^w1 w2 w3 w4 w5 w6 w7 w8 w9 w10\b/);
      assert.ok(!answer.includes('w500'), 'the answer stopped early');
      assert.equal(answer, words(answer.split(' ').length), 'every token up to the stop, in order');
      assert.equal(await page.$('.message.assistant .dj-stream-error'), null);
      // Saved as it stopped: the same after a reload, not marked interrupted.
      await page.reload();
      await page.waitForSelector('[data-rill-root][data-rill-connected]');
      assert.deepEqual(await assistantTexts(page), [answer]);
      assert.doesNotMatch(await page.innerText('.message.assistant .meta'), /interrupted/);
      assert.equal(await page.innerText('.message.assistant .meta .status-mark.stopped'), 'Stopped');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('regenerate and edit add versions (‹ 1/2 ›) and keep the earlier ones', async () => {
    const env = await chatWithFake(['--tokens', '6']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await send(page, 'first question');
      await answerDone(page);
      await send(page, 'second question');
      await answerDone(page, 2);
      assert.deepEqual(await roles(page), ['user', 'assistant', 'user', 'assistant']);
      const before = await page.$$eval('#messages > .message', (els) => els.map((e) => e.id));

      await page.click('button.regenerate');
      await page.waitForFunction((old) => {
        const ids = [...document.querySelectorAll('#messages > .message:not(#live-answer)')].map((e) => e.id);
        return ids.length === 4 && !ids.includes(old) && document.querySelector('button.send');
      }, before[3], { timeout: 15000 });
      const regenerated = await page.$$eval('#messages > .message', (els) => els.map((e) => e.id));
      assert.deepEqual(regenerated.slice(0, 3), before.slice(0, 3));
      assert.notEqual(regenerated[3], before[3]);
      assert.deepEqual(await assistantTexts(page), [words(6), words(6)]);
      assert.equal(await page.innerText(`#${regenerated[3]} .versions .version-count`), '2/2');
      assert.equal(await page.$(`#${regenerated[0]} .versions`), null, 'no versions, no navigation');

      // Edit the first question: a new branch from there; the old one is kept.
      await page.click(`#${before[0]} button[dj-click=edit_start]`);
      await page.waitForSelector(`#${before[0]} form[dj-submit=edit] textarea[name=content]`);
      assert.equal(await page.inputValue(`#${before[0]} form textarea`), 'first question');
      await page.fill(`#${before[0]} form textarea`, 'first question, edited');
      await page.click(`#${before[0]} form button[type=submit]`);
      await page.waitForFunction(() => document.querySelectorAll('#messages > .message:not(#live-answer)').length === 2
        && document.querySelector('button.send'), null, { timeout: 15000 });
      assert.deepEqual(await roles(page), ['user', 'assistant']);
      const edited = await page.$eval('#messages > .message.user', (e) => e.id);
      assert.notEqual(edited, before[0]);
      assert.equal(await page.innerText(`#${edited} .text`), 'first question, edited');
      assert.equal(await page.innerText(`#${edited} .versions .version-count`), '2/2');
      assert.deepEqual(await assistantTexts(page), [words(6)]);
      // Four answers were asked of the model: two questions, a regenerate, the edit.
      const chats = env.fake.stdout().match(/request POST \/v1\/chat\/completions/g);
      assert.equal(chats.length, 4);

      // ‹ on the edited question: the first version, with everything after it.
      await page.click(`#${edited} .versions button[aria-label="Previous version"]`);
      await page.waitForFunction((ids) => [...document.querySelectorAll('#messages > .message')].map((e) => e.id).join() === ids.join(),
        regenerated, { timeout: 15000 });
      assert.equal(await page.innerText(`#${before[0]} .text`), 'first question');
      assert.equal(await page.innerText(`#${before[0]} .versions .version-count`), '1/2');
      // ‹ on the last answer: its first version.
      await page.click(`#${regenerated[3]} .versions button[aria-label="Previous version"]`);
      await page.waitForSelector(`#${before[3]}`, { timeout: 15000 });
      assert.equal(await page.innerText(`#${before[3]} .versions .version-count`), '1/2');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('"jump to latest" shows while scrolled up and takes the reader back down', async () => {
    const env = await chatWithFake(['--tokens', '1500']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url, { viewport: { width: 900, height: 500 } });
      await send(page, 'a long one');
      await answerDone(page);
      const jump = page.locator('button.rill-jump-latest');
      const metrics = () => page.$eval('#messages', (e) => ({ top: e.scrollTop, gap: e.scrollHeight - e.scrollTop - e.clientHeight }));
      assert.ok((await page.$eval('#messages', (e) => e.scrollHeight - e.clientHeight)) > 1000, 'the answer overflows');
      await page.$eval('#messages', (e) => { e.scrollTop = e.scrollHeight; });
      await jump.waitFor({ state: 'hidden' });
      await page.$eval('#messages', (e) => { e.scrollTop = 0; });
      await jump.waitFor({ state: 'visible' });
      await jump.click();
      await jump.waitFor({ state: 'hidden' });
      assert.ok((await metrics()).gap <= 100, 'back at the bottom');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('a connection cut mid-answer ends in an inline error with the partial answer kept and saved', async () => {
    const env = await chatWithFake(['--mode', 'cut', '--tokens', '10']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await send(page, 'this will break');
      await answerDone(page);
      const check = async () => {
        assert.deepEqual(await assistantTexts(page), ['w1 w2']);
        const error = await page.innerText('.message.assistant .dj-stream-error');
        assert.ok(error.length > 0, 'the provider\'s message is shown');
        return error;
      };
      const shown = await check();
      await page.reload();
      await page.waitForSelector('[data-rill-root][data-rill-connected]');
      assert.equal(await check(), shown, 'saved with its error');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });
});

describe('persistence', () => {
  test('a deleted conversation comes back with Undo, and is gone after the next action', async () => {
    const env = await chatWithFake(['--tokens', '3']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await send(page, 'keep me');
      await answerDone(page);
      await page.click('nav .conv button.del');
      await page.waitForSelector('.notice.undo button[dj-click=undo_delete]');
      assert.match(await page.innerText('.notice.undo'), /keep me/);
      assert.equal(await page.$('nav .conv'), null);
      await page.click('.notice.undo button[dj-click=undo_delete]');
      await page.waitForFunction(() => !document.querySelector('.notice.undo')
        && document.querySelectorAll('#messages > .message').length === 2, null, { timeout: 15000 });
      assert.equal(await page.innerText('nav .conv.active .open'), 'keep me');

      await page.click('nav .conv button.del');
      await page.waitForSelector('.notice.undo');
      await page.click('button[dj-click=new_chat]'); // the next action ends the offer
      await page.waitForFunction(() => !document.querySelector('.notice.undo'), null, { timeout: 15000 });
      await page.reload();
      await page.waitForSelector('[data-rill-root][data-rill-connected]');
      assert.equal(await page.$('nav .conv'), null);
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('killed mid-answer, restarted: the partial answer is there, marked interrupted', async () => {
    const fake = await startFakeLlm(['--mode', 'slow', '--delay', '30', '--tokens', '2000']);
    const dataDir = freshDataDir();
    const args = ['--provider', 'openai', '--openai-base-url', fake.url, '--data-dir', dataDir];
    let chat = await startChat(args);
    try {
      const first = await openChat(chromium.browser, chat.url);
      await send(first.page, 'keep going');
      // Past the first saves (every 250 ms while streaming).
      await first.page.waitForFunction(() => /\bw40\b/.test(document.querySelector('#live-answer')?.innerText ?? ''), null, { timeout: 15000 });
      await chat.kill('SIGKILL');
      await first.context.close();

      chat = await startChat(args);
      const { context, page, problems } = await openChat(chromium.browser, chat.url);
      const [answer] = await assistantTexts(page);
      assert.ok(answer, 'the answer is there');
      const n = answer.split(' ').length;
      assert.ok(n >= 20 && n < 2000, `a partial answer (${n} tokens)`);
      assert.equal(answer, words(n));
      assert.match(await page.innerText('.message.assistant .meta'), /interrupted/);
      assert.equal(await page.$('#live-answer'), null);
      assert.equal(await page.$('button.send') !== null, true, 'nothing is streaming after the restart');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await chat.stop();
      await fake.stop();
    }
  });
});

describe('settings', () => {
  test('saved settings come back at the next start, shown in the panel; the key file is the user\'s only', async () => {
    const fake = await startFakeLlm(['--tokens', '5']);
    const configDir = freshConfigDir();
    const dataDir = freshDataDir();
    let chat = await startChat(['--provider', 'demo', '--data-dir', dataDir], { configDir });
    try {
      let { context, page, problems } = await openChat(chromium.browser, chat.url);
      await page.click('button[dj-click=toggle_settings]');
      await page.waitForSelector('form.settings');
      assert.equal(await page.inputValue('form.settings select[name=provider]'), 'demo', 'the panel shows what runs');
      await page.selectOption('form.settings select[name=provider]', 'openai');
      await page.fill('form.settings input[name=url]', fake.url);
      await page.fill('form.settings input[name=api_key]', 'sk-browser-test');
      await page.fill('form.settings input[name=temperature]', '0.6');
      await page.click('form.settings button[type=submit]');
      await page.waitForFunction(() => !document.querySelector('form.settings')
        && document.querySelector('select[name=model] option[value="fake-large:latest"]'), null, { timeout: 15000 });
      assert.deepEqual(problems, []);
      await context.close();
      await chat.stop();

      const keyFile = join(configDir, 'Rill', 'rill-chat.key');
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(readFileSync(keyFile, 'utf8').trim(), 'sk-browser-test');
      assert.doesNotMatch(readFileSync(join(configDir, 'Rill', 'rill-chat.conf'), 'utf8'), /sk-browser-test/);

      // No provider flag this time: what was saved.
      chat = await startChat(['--data-dir', dataDir], { configDir });
      assert.match(chat.stdout(), /OpenAI-compatible server at/);
      ({ context, page, problems } = await openChat(chromium.browser, chat.url));
      await page.waitForSelector('select[name=model] option[value="fake-large:latest"]', { state: 'attached' });
      await page.click('button[dj-click=toggle_settings]');
      await page.waitForSelector('form.settings');
      assert.equal(await page.inputValue('form.settings select[name=provider]'), 'openai');
      assert.equal(await page.inputValue('form.settings input[name=url]'), fake.url);
      assert.equal(await page.inputValue('form.settings input[name=api_key]'), '', 'the key is never sent to a page');
      assert.match(await page.getAttribute('form.settings input[name=api_key]', 'placeholder'), /key is set/);
      assert.equal(await page.inputValue('form.settings input[name=temperature]'), '0.6');
      assert.ok(!(await page.content()).includes('sk-browser-test'));
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await chat.stop();
      await fake.stop();
    }
  });

  test('the settings panel switches from the demo to a server, whose models fill the list', async () => {
    const fake = await startFakeLlm(['--tokens', '12']);
    const chat = await startChat(['--provider', 'demo', '--data-dir', freshDataDir()]);
    try {
      const { context, page, problems } = await openChat(chromium.browser, chat.url);
      assert.ok(await page.isVisible('.sidebar .badge'), 'the demo is labelled');
      assert.deepEqual(await page.$$eval('select[name=model] option', (os) => os.map((o) => o.value)), ['offline-demo']);

      await page.click('button[dj-click=toggle_settings]');
      await page.waitForSelector('form.settings');
      await page.selectOption('form.settings select[name=provider]', 'openai');
      await page.fill('form.settings input[name=url]', fake.url);
      await page.click('form.settings button[type=submit]');
      await page.waitForFunction(() => !document.querySelector('form.settings')
        && [...document.querySelectorAll('select[name=model] option')].map((o) => o.value).join() === 'fake-small,fake-large:latest',
      null, { timeout: 15000 });
      assert.equal(await page.isVisible('.sidebar .badge'), false, 'no demo label for a real server');

      await send(page, 'hello server');
      await answerDone(page);
      assert.deepEqual(await assistantTexts(page), [words(12)]);
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await chat.stop();
      await fake.stop();
    }
  });
});

describe('remote access and extras', () => {
  test('beyond loopback a token is generated and required; --no-auth drops it with a warning', async () => {
    const gated = await startChat(['--listen', '0.0.0.0:0', '--provider', 'demo', '--data-dir', freshDataDir()]);
    try {
      const url = new URL(gated.url);
      assert.match(url.search, /^\?access=[A-Za-z0-9_-]{40,}$/, 'the printed URL carries a one-time code');
      await gated.waitForLine(/enter the access token [A-Za-z0-9_-]{40,}/); // printed after the URL
      assert.equal(await httpStatus(url.origin, '/'), 401);
      assert.equal(await httpStatus(url.origin, `/${url.search}`), 303);
    } finally {
      await gated.stop();
    }
    const open = await startChat(['--listen', '0.0.0.0:0', '--no-auth', '--provider', 'demo', '--data-dir', freshDataDir()]);
    try {
      assert.equal(new URL(open.url).search, '');
      assert.match(open.stderr(), /warning: --no-auth: anyone who can reach 0\.0\.0\.0 can read and write your conversations/);
      assert.equal(await httpStatus(new URL(open.url).origin, '/'), 200);
    } finally {
      await open.stop();
    }
  });

  test('a reasoning section shows live and stays, collapsed, with the answer', async () => {
    const env = await chatWithFake(['--mode', 'reasoning', '--delay', '60']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await page.evaluate(() => {
        window.__sawLiveReasoning = false;
        new MutationObserver(() => {
          const live = document.querySelector('#live-reasoning');
          if (live && live.textContent.length) window.__sawLiveReasoning = true;
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      await send(page, 'hi');
      await answerDone(page);
      const reasoning = await page.$eval('.message.assistant details.reasoning', (d) => ({
        open: d.open, text: d.querySelector('.reasoning-text').textContent,
      }));
      assert.deepEqual(reasoning, { open: false, text: 'The user greets me.' });
      assert.equal(await page.evaluate(() => window.__sawLiveReasoning), true, 'shown while streaming');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('/logs tails the file into a bounded list: past --log-lines the oldest lines go', async () => {
    const dataDir = freshDataDir();
    const logFile = join(dataDir, 'app.log');
    writeFileSync(logFile, '');
    const chat = await startChat(['--provider', 'demo', '--data-dir', dataDir, '--log-file', logFile, '--log-lines', '5']);
    try {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${chat.base}/logs`);
      await page.waitForSelector('[data-rill-root][data-rill-connected]', { state: 'attached' });
      await page.click('button[dj-click=start_tail]');
      await page.waitForSelector('[dj-stream=logs][data-stream-active]', { state: 'attached' });
      await new Promise((r) => setTimeout(r, 300));
      appendFileSync(logFile, Array.from({ length: 8 }, (_, i) => `INFO line ${i + 1}\n`).join(''));
      await page.waitForFunction(() => document.querySelector('.log-line:last-child')?.textContent === 'INFO line 8',
        null, { timeout: 10000 });
      await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 5, null, { timeout: 10000 });
      assert.deepEqual(await page.$$eval('.log-line', (els) => els.map((e) => e.textContent)),
        ['INFO line 4', 'INFO line 5', 'INFO line 6', 'INFO line 7', 'INFO line 8']);
      await context.close();
    } finally {
      await chat.stop();
    }
  });
});
