// rill-chat's front end in headless Chromium: the composer (Enter,
// Shift+Enter, growing, focus), Stop and Esc, the waiting indicator, "Copied"
// feedback, scrolling that follows the reader's intent, links in answers,
// themes, icons, hover actions and the narrow layout; and screenshots of the
// main screens in light and dark, saved to $RILL_TEST_ARTIFACTS (the build's
// test-artifacts/chat) for people to look at.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchBrowser, startChat, startFakeLlm, openChat } from './support.mjs';

let chromium;
const dataDirs = [];
const artifacts = process.env.RILL_TEST_ARTIFACTS ?? join(tmpdir(), 'rill-chat-artifacts');
before(async () => {
  chromium = await launchBrowser();
  mkdirSync(artifacts, { recursive: true });
});
after(async () => {
  await chromium?.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'rill-chat-ui-'));
  dataDirs.push(dir);
  return dir;
}

async function chatWithFake(fakeArgs, { dataDir = freshDataDir() } = {}) {
  const fake = await startFakeLlm(fakeArgs);
  const chat = await startChat(['--provider', 'openai', '--openai-base-url', fake.url, '--data-dir', dataDir]);
  return { fake, chat, async stop() { await chat.stop(); await fake.stop(); } };
}

const answerDone = (page, n = 1, timeout = 30000) => page.waitForFunction(
  (n) => document.querySelectorAll('#messages > .message.assistant:not(#live-answer)').length === n
    && !document.querySelector('#live-answer') && document.querySelector('button.send'), n, { timeout });

const focusedName = (page) => page.evaluate(() => document.activeElement?.getAttribute('name') ?? document.activeElement?.localName);

const gap = (page) => page.$eval('#messages', (e) => e.scrollHeight - e.scrollTop - e.clientHeight);
const liveLength = (page) => page.evaluate(() => document.querySelector('#live-answer')?.innerText.length ?? -1);
// Resolves once the live answer has grown by `more` characters (tokens kept coming).
const growsBy = (page, more) => liveLength(page).then((n) => page.waitForFunction(
  ([n, more]) => (document.querySelector('#live-answer')?.innerText.length ?? 0) > n + more, [n, more], { timeout: 20000 }));

// page.waitForFunction(fn, arg, options), saying which wait it was when it times out.
async function until(page, what, fn, arg = null, options = { timeout: 30000 }) {
  try {
    return await page.waitForFunction(fn, arg, options);
  } catch (e) {
    throw new Error(`${what}: ${e.message}`);
  }
}

// Resolves once the messages stop moving (keyboard and wheel scrolling may be animated).
const settledTop = (page) => page.evaluate(() => new Promise((resolve) => {
  const e = document.querySelector('#messages');
  let last = e.scrollTop;
  let same = 0;
  const check = () => {
    if (e.scrollTop === last) same++;
    else { same = 0; last = e.scrollTop; }
    if (same >= 5) resolve(last);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}));

async function shot(page, name) {
  // Two frames: what the last change asked for is painted.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

describe('composer', () => {
  test('focused on start; Shift+Enter is a newline, Enter sends; it grows to a limit, then scrolls; focused again after sending and after New chat', async () => {
    const env = await chatWithFake(['--tokens', '4']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      assert.equal(await focusedName(page), 'content', 'focused on start');
      const box = page.locator('textarea[name=content]');
      const oneLine = (await box.boundingBox()).height;
      await page.keyboard.type('line one');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('line two');
      assert.equal(await box.inputValue(), 'line one\nline two');
      assert.equal(await page.$('.message.user'), null, 'Shift+Enter sent nothing');
      const twoLines = (await box.boundingBox()).height;
      assert.ok(twoLines > oneLine, `grows with its text (${oneLine} -> ${twoLines})`);
      for (let i = 0; i < 20; i++) await page.keyboard.press('Shift+Enter');
      const full = await box.evaluate((e) => ({ height: e.getBoundingClientRect().height, max: parseFloat(getComputedStyle(e).maxHeight),
        scrolls: e.scrollHeight > e.clientHeight, overflow: getComputedStyle(e).overflowY }));
      assert.equal(full.height, full.max, 'stops growing at its max-height');
      assert.ok(full.scrolls && full.overflow === 'auto', 'then scrolls');

      // Enter during an IME composition is the input method's, not a send.
      const composing = await box.evaluate((e) => {
        const event = new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true });
        e.dispatchEvent(event);
        return event.defaultPrevented;
      });
      assert.equal(composing, false);

      await box.fill('hello there');
      await page.keyboard.press('Enter');
      await answerDone(page);
      assert.equal(await page.innerText('.message.user .text'), 'hello there');
      assert.equal(await box.inputValue(), '', 'the sent text left the box');
      assert.equal(await focusedName(page), 'content', 'focused after sending with Enter');
      assert.ok((await box.boundingBox()).height <= oneLine + 1, 'back to one line');

      // Sent with the button: the focus comes back to the box too.
      await box.fill('second');
      await page.click('button.send');
      await answerDone(page, 2);
      await page.waitForFunction(() => document.activeElement?.name === 'content');

      await page.click('.sidebar .new');
      await page.waitForFunction(() => document.querySelector('header .title').textContent.trim() === 'New chat'
        && document.activeElement?.name === 'content');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });
});

describe('answering', () => {
  test('before the first token a waiting indicator counts the seconds; Stop is labelled; Esc stops in the browser', async () => {
    const env = await chatWithFake(['--mode', 'slow', '--delay', '1500', '--tokens', '40']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await page.fill('textarea[name=content]', 'wait for it');
      await page.keyboard.press('Enter');
      const waiting = page.locator('#live-answer .waiting');
      await waiting.waitFor({ state: 'visible', timeout: 10000 });
      assert.match(await waiting.innerText(), /^Waiting for the model…\s*\d+\.\d s$/);
      await page.waitForFunction(() => /^(0\.[1-9]|[1-9])/.test(document.querySelector('#live-answer [data-rill-elapsed]')?.textContent ?? ''));
      const stop = page.locator('button.stop');
      assert.ok(await stop.isVisible());
      assert.equal((await stop.innerText()).trim(), 'Stop');
      assert.ok(await page.$('button.stop svg use'), 'with an icon');
      await shot(page, 'waiting-light');

      // The first token: the indicator goes, the answer shows.
      await page.waitForFunction(() => /\bw1\b/.test(document.querySelector('#live-answer')?.innerText ?? ''), null, { timeout: 15000 });
      assert.equal(await waiting.isVisible(), false);
      assert.equal(await focusedName(page), 'content');
      await page.keyboard.press('Escape');
      await env.fake.waitForAbort(1);
      await answerDone(page);
      const answer = await page.innerText('.message.assistant .markdown');
      assert.match(answer, /^w1\b/);
      assert.ok(!answer.includes('w40'), 'stopped early');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('copy buttons say "Copied" for a moment, then go back to "Copy"; links in answers open in a new tab, noopener', async () => {
    const text = 'See [the docs](https://example.org/docs) and `x`.\n\n```js\nconst answer = 42;\n```\n';
    const env = await chatWithFake(['--text', text]);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url,
        { contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
      await page.fill('textarea[name=content]', 'links please');
      await page.keyboard.press('Enter');
      await answerDone(page);

      const code = page.locator('.message.assistant .code-block button.copy');
      await code.click();
      await page.waitForFunction(() => document.querySelector('.code-block button.copy').textContent === 'Copied');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'const answer = 42;\n');
      await page.waitForFunction(() => document.querySelector('.code-block button.copy').textContent === 'Copy', null, { timeout: 5000 });

      const message = page.locator('.message.assistant .meta button[data-copy]');
      await message.click();
      await page.waitForFunction(() => document.querySelector('.message.assistant .meta button[data-copy]').innerText.trim() === 'Copied');
      assert.ok(await page.$('.message.assistant .meta button[data-copy][data-rill-copied] svg use'), 'the icon stays');
      await page.waitForFunction(() => document.querySelector('.message.assistant .meta button[data-copy]').innerText.trim() === 'Copy',
        null, { timeout: 5000 });

      const link = page.locator('.message.assistant .markdown a');
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
      await context.route('https://example.org/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>docs</title>docs' }));
      const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await tab.waitForLoadState();
      assert.equal(tab.url(), 'https://example.org/docs');
      assert.equal(await tab.evaluate(() => window.opener), null, 'no opener');
      assert.equal(await tab.evaluate(() => document.referrer), '', 'no referrer');
      assert.equal(page.url(), `${env.chat.base}/`, 'the chat stays where it is');
      await tab.close();
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });
});

describe('scrolling', () => {
  test('one wheel notch up stops following while tokens stream; the bottom or "jump to latest" resumes it; keys and the scrollbar stop it too; a conversation opens at its end', async () => {
    const env = await chatWithFake(['--mode', 'slow', '--delay', '8', '--tokens', '6000']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url, { viewport: { width: 900, height: 500 } });
      await page.fill('textarea[name=content]', 'a long one');
      await page.keyboard.press('Enter');
      await until(page, 'scrolling step 1', () => {
        const e = document.querySelector('#messages');
        return document.querySelector('#live-answer') && e.scrollHeight - e.clientHeight > 300;
      }, null, { timeout: 20000 });
      await growsBy(page, 200);
      assert.ok(await gap(page) <= 4, 'following while streaming');
      const jump = page.locator('button.rill-jump-latest');
      assert.equal(await jump.isVisible(), false);

      // One notch (60 px) of the wheel over the messages.
      const messages = await page.locator('#messages').boundingBox();
      await page.mouse.move(messages.x + messages.width / 2, messages.y + messages.height / 2);
      await page.mouse.wheel(0, -60);
      await until(page, 'scrolling step 2', () => document.querySelector('#messages').scrollHeight
        - document.querySelector('#messages').scrollTop - document.querySelector('#messages').clientHeight > 20);
      const top = await settledTop(page);
      await growsBy(page, 300);
      assert.equal(await page.$eval('#messages', (e) => e.scrollTop), top, 'the reader keeps their place while tokens come');
      await jump.waitFor({ state: 'visible' });

      // Back down with the wheel: following again.
      await page.mouse.wheel(0, 100000);
      await until(page, 'scrolling step 3', () => { const e = document.querySelector('#messages'); return e.scrollHeight - e.scrollTop - e.clientHeight <= 4; });
      await growsBy(page, 300);
      assert.ok(await gap(page) <= 4, 'following again after reaching the bottom');
      await jump.waitFor({ state: 'hidden' });

      // A key: PageUp with the focus on the messages.
      await page.$eval('#messages', (e) => { e.tabIndex = -1; e.focus(); });
      await page.keyboard.press('PageUp');
      await until(page, 'scrolling step 4', () => { const e = document.querySelector('#messages'); return e.scrollHeight - e.scrollTop - e.clientHeight > 20; });
      const keyTop = await settledTop(page);
      await growsBy(page, 300);
      assert.equal(await page.$eval('#messages', (e) => e.scrollTop), keyTop, 'PageUp stopped following');
      await jump.click();
      await growsBy(page, 300);
      assert.ok(await gap(page) <= 4, '"jump to latest" follows again');

      // ArrowUp the same.
      await page.$eval('#messages', (e) => e.focus());
      await page.keyboard.press('ArrowUp');
      await until(page, 'scrolling step 5', () => { const e = document.querySelector('#messages'); return e.scrollHeight - e.scrollTop - e.clientHeight > 4; });
      const arrowTop = await settledTop(page);
      await growsBy(page, 300);
      assert.equal(await page.$eval('#messages', (e) => e.scrollTop), arrowTop, 'ArrowUp stopped following');
      await jump.click();

      // The scrollbar: pressing on it takes over from following.
      await growsBy(page, 100);
      const bar = await page.$eval('#messages', (e) => {
        const r = e.getBoundingClientRect();
        return { x: r.right - (e.offsetWidth - e.clientWidth) / 2, y: r.top + r.height / 2, width: e.offsetWidth - e.clientWidth };
      });
      if (bar.width > 0) {
        await page.mouse.move(bar.x, bar.y);
        await page.mouse.down();
        await page.mouse.up();
        const barTop = await settledTop(page);
        await growsBy(page, 300);
        assert.equal(await page.$eval('#messages', (e) => e.scrollTop), barTop, 'the scrollbar stopped following');
        await jump.click();
      }

      // A touch drag down the screen (content moving down: scrolling up).
      await page.$eval('#messages', (e) => {
        const touch = (y) => new Touch({ identifier: 1, target: e, clientX: 100, clientY: y });
        e.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(200)], bubbles: true }));
        e.dispatchEvent(new TouchEvent('touchmove', { touches: [touch(260)], bubbles: true }));
        e.scrollTop -= 60;
      });
      const touchTop = await settledTop(page);
      await growsBy(page, 300);
      assert.equal(await page.$eval('#messages', (e) => e.scrollTop), touchTop, 'a touch drag stopped following');

      await page.click('button.stop');
      await answerDone(page);

      // A second conversation, then back to the first: it opens at its end.
      await page.click('.sidebar .new');
      await page.fill('textarea[name=content]', 'another');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#live-answer');
      await page.click('button.stop');
      await answerDone(page);
      await page.click('.conv:not(.active) button.open');
      await until(page, 'scrolling step 6', () => document.querySelector('.message.user .text')?.innerText === 'a long one');
      await until(page, 'scrolling step 7', () => { const e = document.querySelector('#messages'); return e.scrollHeight - e.clientHeight > 300 && e.scrollHeight - e.scrollTop - e.clientHeight <= 4; });
      await page.reload();
      await page.waitForSelector('[data-rill-root][data-rill-connected]');
      assert.ok(await gap(page) <= 4, 'a page opens on the latest message');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });
});

describe('look', () => {
  test('the sidebar: chats under date groups; search marks what it found and opens it; pin puts a chat under Pinned; rename in place, Esc cancels', async () => {
    const env = await chatWithFake(['--tokens', '4']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      for (const question of ['Tell me about quasars', 'Pulsars and magnetars']) {
        await page.click('.sidebar button.new');
        await page.fill('textarea[name=content]', question);
        await page.keyboard.press('Enter');
        await answerDone(page, 1);
      }
      const labels = () => page.$$eval('.sidebar .group-label', (l) => l.map((e) => e.textContent));
      const titles = () => page.$$eval('.sidebar .conv button.open', (l) => l.map((e) => e.textContent.trim()));
      assert.deepEqual(await labels(), ['Today']);
      assert.deepEqual(await titles(), ['Pulsars and magnetars', 'Tell me about quasars']);

      // Search as you type: the match marked; a click opens the chat.
      await page.fill('.sidebar input[name=q]', 'QUASA');
      await until(page, 'a search result', () => document.querySelectorAll('.sidebar .conv.result').length === 1
        && document.querySelector('.sidebar .conv.result mark')?.textContent === 'quasa');
      assert.deepEqual(await labels(), ['Results']);
      await shot(page, 'search-light');
      await page.click('.sidebar .conv.result button.open');
      await until(page, 'the chat found opens', () => document.querySelector('header .title')?.textContent === 'Tell me about quasars');
      await page.fill('.sidebar input[name=q]', 'nothing like this');
      await until(page, 'nothing found', () => /Nothing found/.test(document.querySelector('.sidebar nav').textContent));
      await page.fill('.sidebar input[name=q]', '');
      await until(page, 'the groups again', () => document.querySelectorAll('.sidebar .group-label').length === 1);

      // Pin: the chat goes under "Pinned", first.
      const row = (title) => page.locator('.sidebar .conv', { hasText: title });
      await row('Tell me about quasars').hover();
      await row('Tell me about quasars').locator('button.pin').click();
      await until(page, 'pinned', () => document.querySelector('.sidebar .group-label')?.textContent === 'Pinned');
      assert.deepEqual(await labels(), ['Pinned', 'Today']);
      assert.deepEqual(await titles(), ['Tell me about quasars', 'Pulsars and magnetars']);
      assert.equal(await row('Tell me about quasars').locator('button.pin').getAttribute('aria-pressed'), 'true');

      // Rename in place: Enter saves, Escape cancels.
      await row('Pulsars and magnetars').hover();
      await row('Pulsars and magnetars').locator('button.rename').click();
      await page.waitForSelector('.sidebar form.renaming input[name=title]');
      await until(page, 'the name field focused', () => document.activeElement?.getAttribute('name') === 'title');
      await page.fill('.sidebar form.renaming input[name=title]', 'Neutron stars');
      await page.keyboard.press('Enter');
      await until(page, 'renamed', () => !document.querySelector('.sidebar form.renaming')
        && [...document.querySelectorAll('.sidebar .conv button.open')].some((b) => b.textContent.trim() === 'Neutron stars'));
      await row('Neutron stars').hover();
      await row('Neutron stars').locator('button.rename').click();
      await page.waitForSelector('.sidebar form.renaming input[name=title]');
      await page.fill('.sidebar form.renaming input[name=title]', 'Not this');
      await page.keyboard.press('Escape');
      await until(page, 'rename cancelled', () => !document.querySelector('.sidebar form.renaming'));
      assert.deepEqual(await titles(), ['Tell me about quasars', 'Neutron stars']);
      await page.mouse.move(600, 300);
      await shot(page, 'sidebar-light');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('files: attached by the button, by dropping and by pasting; too large is refused with a notice; sent with the question, shown on it', async () => {
    const env = await chatWithFake(['--tokens', '4']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      const chips = () => page.$$eval('.composer .files.pending .file-name', (l) => l.map((e) => e.textContent));
      await page.setInputFiles('.composer input[type=file][dj-file]', [{ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n') }]);
      await until(page, 'the chosen file listed', () => document.querySelectorAll('.composer .files.pending .file').length === 1);
      await page.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['print("hi")\n'], 'hello.py', { type: 'text/x-python' }));
        const box = document.querySelector('.composer-box');
        box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      });
      await until(page, 'the dropped file listed', () => document.querySelectorAll('.composer .files.pending .file').length === 2);
      await page.focus('textarea[name=content]');
      await page.evaluate(() => {
        const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
        const dt = new DataTransfer();
        dt.items.add(new File([png], 'image.png', { type: 'image/png' }));
        document.querySelector('textarea[name=content]').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      });
      await until(page, 'the pasted image listed', () => document.querySelectorAll('.composer .files.pending .file').length === 3);
      assert.deepEqual(await chips(), ['notes.md', 'hello.py', 'image.png']);
      assert.equal(await page.inputValue('textarea[name=content]'), '', 'a pasted image is not text');
      assert.equal(await page.$eval('.composer .files.pending .file:nth-child(3) use', (e) => e.getAttribute('href')), '#i-image');

      // Too large: not sent; the page says so.
      await page.setInputFiles('.composer input[type=file][dj-file]', [{ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(9 * 1024 * 1024, 97) }]);
      await page.waitForSelector('.rill-notice');
      assert.match(await page.textContent('.rill-notice'), /“huge\.txt” is too large to attach \(9\.0 MB; at most 8\.0 MB\)/);
      await page.click('.rill-notice button');
      assert.deepEqual(await chips(), ['notes.md', 'hello.py', 'image.png']);
      // Not a text file nor an image: the server says why.
      await page.setInputFiles('.composer input[type=file][dj-file]', [{ name: 'blob.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 255]) }]);
      await until(page, 'refused by the server', () => /neither text nor an image/.test(document.querySelector('main > .notice')?.textContent ?? ''));
      await page.click('.composer .files.pending .file:nth-child(2) button.remove');
      await until(page, 'removed', () => document.querySelectorAll('.composer .files.pending .file').length === 2);
      await shot(page, 'files-light');

      await page.fill('textarea[name=content]', 'What do these say?');
      await page.keyboard.press('Enter');
      await answerDone(page, 1);
      assert.deepEqual(await page.$$eval('.message.user .files .file-name', (l) => l.map((e) => e.textContent)), ['notes.md', 'image.png']);
      assert.equal(await page.$('.composer .files.pending'), null, 'the composer is empty again');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('export as Markdown and JSON from the menu (real downloads); import the JSON back; a bad file is refused with the reason', async () => {
    const env = await chatWithFake(['--tokens', '4']);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await page.fill('textarea[name=content]', 'Export me');
      await page.keyboard.press('Enter');
      await answerDone(page, 1);
      const exported = async (label) => {
        await page.click('header .menu-button');
        await page.waitForSelector('header .menu', { state: 'visible' });
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(`header .menu button:has-text("${label}")`)]);
        await until(page, 'the menu closes', () => getComputedStyle(document.querySelector('header .menu')).display === 'none');
        return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
      };
      const md = await exported('Export as Markdown');
      assert.equal(md.name, 'Export-me.md');
      assert.match(md.text, /^# Export me\n/);
      assert.match(md.text, /## You\n\nExport me\n\n## Assistant \(fake-small\)\n\nw1 w2 w3 w4\n/);
      const json = await exported('Export as JSON');
      assert.equal(json.name, 'Export-me.json');
      const data = JSON.parse(json.text);
      assert.equal(data.format, 'rill-chat');
      assert.deepEqual(data.messages.map((m) => [m.role, m.content]), [['user', 'Export me'], ['assistant', 'w1 w2 w3 w4']]);

      await page.click('header .menu-button');
      await page.setInputFiles('header .menu input[type=file][dj-file=import]', [{ name: 'Export-me.json', mimeType: 'application/json', buffer: Buffer.from(json.text) }]);
      await until(page, 'the import listed and opened', () => document.querySelectorAll('.sidebar .conv button.open').length === 2
        && document.querySelectorAll('#messages .message').length === 2);
      assert.deepEqual(await page.$$eval('#messages .message', (l) => l.map((e) => e.querySelector('.text, .markdown').textContent.trim())),
        ['Export me', 'w1 w2 w3 w4']);
      await page.click('header .menu-button');
      await page.setInputFiles('header .menu input[type=file][dj-file=import]', [{ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"messages": 3}') }]);
      await until(page, 'refused', () => /Cannot import notes\.json: it has no "messages" list/.test(document.querySelector('main > .notice')?.textContent ?? ''));
      assert.equal(await page.$$eval('.sidebar .conv', (l) => l.length), 2);
      await page.click('header .menu-button');
      await shot(page, 'menu-light');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('math: $…$ and $$…$$ typeset with KaTeX under the page\'s CSP (no inline styles refused); prices stay text; copying gives the TeX', async () => {
    const text = 'Euler: $e^{i\\pi} + 1 = 0$, which costs $5 to learn.\n\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\nDone.';
    const env = await chatWithFake(['--text', text]);
    try {
      const { context, page, problems } = await openChat(chromium.browser, env.chat.url);
      await page.fill('textarea[name=content]', 'Some math please');
      await page.keyboard.press('Enter');
      await answerDone(page, 1);
      await until(page, 'both equations typeset', () => {
        const eqs = [...document.querySelectorAll('.message.assistant x-equation')];
        return eqs.length === 2 && eqs.every((e) => e.shadowRoot?.querySelector('.katex .katex-html'));
      });
      const look = await page.evaluate(() => {
        const [inline, display] = document.querySelectorAll('.message.assistant x-equation');
        const box = (e) => e.shadowRoot.querySelector('.katex').getBoundingClientRect();
        return {
          inlineTex: inline.textContent, displayType: display.getAttribute('type'),
          inlineMathml: inline.shadowRoot.querySelector('.katex-mathml annotation')?.textContent,
          displayCentered: !!display.shadowRoot.querySelector('.katex-display'),
          inlineHeight: box(inline).height, displayHeight: box(display).height,
          fontLoaded: document.fonts.check('16px KaTeX_Main'),
          prose: document.querySelector('.message.assistant .markdown').textContent.includes('costs $5 to learn'),
        };
      });
      assert.equal(look.inlineTex, 'e^{i\\pi} + 1 = 0', 'the element keeps the TeX');
      assert.equal(look.inlineMathml, 'e^{i\\pi} + 1 = 0');
      assert.equal(look.displayType, 'display');
      assert.ok(look.displayCentered, 'display math as a block');
      assert.ok(look.displayHeight > look.inlineHeight, `a fraction is taller (${look.inlineHeight} vs ${look.displayHeight})`);
      assert.ok(look.prose, 'a price is not math');
      // The font's load starts at the layout that first needs it, which a
      // busy machine may not have done yet when fonts.ready resolves.
      await until(page, 'KaTeX fonts loaded', () => document.fonts.check('16px KaTeX_Main'));
      await shot(page, 'math-light');
      assert.deepEqual(problems, [], 'no CSP refusals or errors');
      await context.close();
    } finally {
      await env.stop();
    }
  });

  test('themes follow the system and a remembered toggle; tokens, the system font, icons, hover actions; a drawer on phones; screenshots', async () => {
    for (const scheme of ['light', 'dark']) {
      const chat = await startChat(['--provider', 'demo', '--data-dir', freshDataDir()]);
      try {
        const { context, page, problems } = await openChat(chromium.browser, chat.url, { contextOptions: { colorScheme: scheme } });
        const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const luminance = (rgb) => rgb.match(/\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0) / 3;
        assert.equal(luminance(await background()) > 128, scheme === 'light', `follows prefers-color-scheme: ${scheme}`);
        await shot(page, `empty-${scheme}`);

        // Design tokens and the system font, buttons included.
        const look = await page.evaluate(() => {
          const root = getComputedStyle(document.documentElement);
          return {
            tokens: ['--color-bg', '--color-text', '--color-accent', '--space-4', '--radius-md', '--text-md', '--font-ui']
              .every((t) => root.getPropertyValue(t).trim() !== ''),
            fonts: ['body', 'button.send', '.sidebar .new', 'textarea[name=content]', 'button[dj-click=toggle_settings]']
              .map((s) => getComputedStyle(document.querySelector(s)).fontFamily),
            icons: ['button.send', '.sidebar .new', 'button[dj-click=toggle_settings]', '[data-rill-theme-toggle]']
              .map((s) => !!document.querySelector(`${s} svg use`)),
          };
        });
        assert.ok(look.tokens, 'design tokens');
        for (const f of look.fonts) assert.match(f, /^system-ui\b/);
        assert.deepEqual(look.icons, [true, true, true, true]);

        // An answer with code: copy icons, actions on hover.
        await page.fill('textarea[name=content]', 'Show me some code');
        await page.keyboard.press('Enter');
        await answerDone(page, 1, 90000);
        await page.mouse.move(0, 0);
        // The question's actions (copy, edit) show on hover and on focus.
        const question = page.locator('.message.user').first();
        const opacity = () => question.locator('.actions').evaluate((e) => getComputedStyle(e).opacity);
        for (const icon of ['.message.assistant .actions button[data-copy] svg use', '.message.user .actions button[dj-click=edit_start] svg use',
          '.message.assistant .actions button.regenerate svg use']) {
          await page.waitForSelector(icon, { state: 'attached', timeout: 10000 });
        }
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.message.user .actions')).opacity === '0');
        assert.equal(await opacity(), '0', 'hidden until hovered');
        await question.hover();
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.message.user .actions')).opacity === '1');
        await page.mouse.move(0, 0);
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.message.user .actions')).opacity === '0');
        await question.locator('.actions button[data-copy]').focus();
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.message.user .actions')).opacity === '1');
        await page.evaluate(() => document.activeElement.blur());
        // Readable width on a wide screen.
        await page.setViewportSize({ width: 1600, height: 900 });
        assert.ok(await page.$eval('.message.assistant', (e) => e.getBoundingClientRect().width) <= 800, 'messages keep a readable width');
        await page.setViewportSize({ width: 1100, height: 760 });
        await page.$eval('#messages', (e) => { e.scrollTop = e.scrollHeight - e.clientHeight - 700; });
        await shot(page, `answer-${scheme}`);

        await page.click('button[dj-click=toggle_settings]');
        await page.waitForSelector('form.settings');
        await shot(page, `settings-${scheme}`);
        await page.click('form.settings button.secondary[dj-click=toggle_settings]');
        await page.waitForFunction(() => !document.querySelector('form.settings'));

        // Phones: the sidebar is a drawer behind a button.
        await page.setViewportSize({ width: 360, height: 740 });
        const sidebarShown = () => page.$eval('.sidebar', (e) => getComputedStyle(e).visibility === 'visible' && e.getBoundingClientRect().right > 10);
        const toggle = page.locator('header [data-rill-toggle=drawer]');
        assert.ok(await toggle.isVisible(), 'a drawer button');
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.sidebar')).visibility === 'hidden');
        assert.equal(await sidebarShown(), false, 'the drawer starts closed');
        assert.ok(await page.$eval('.composer', (e) => e.getBoundingClientRect().right <= 360), 'nothing wider than the phone');
        assert.equal(await page.evaluate(() => document.scrollingElement.scrollWidth <= 360), true);
        await shot(page, `mobile-${scheme}`);
        await toggle.click();
        await page.waitForFunction(() => { const r = document.querySelector('.sidebar').getBoundingClientRect(); return r.left === 0; });
        assert.ok(await sidebarShown(), 'opened');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        await shot(page, `mobile-drawer-${scheme}`);
        // The open drawer keeps the focus: in it at once, Tab and Shift+Tab
        // cycle inside; Escape closes it and gives the focus to its button.
        const inDrawer = () => page.evaluate(() => document.querySelector('.sidebar').contains(document.activeElement));
        assert.ok(await inDrawer(), 'focus moved into the drawer');
        for (let i = 0; i < 12; i++) {
          await page.keyboard.press('Tab');
          assert.ok(await inDrawer(), `Tab ${i + 1} stays in the drawer`);
        }
        for (let i = 0; i < 4; i++) {
          await page.keyboard.press('Shift+Tab');
          assert.ok(await inDrawer(), `Shift+Tab ${i + 1} stays in the drawer`);
        }
        await page.keyboard.press('Escape');
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.sidebar')).visibility === 'hidden');
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-rill-toggle')), 'drawer');
        await toggle.click();
        await page.waitForFunction(() => { const r = document.querySelector('.sidebar').getBoundingClientRect(); return r.left === 0; });
        await page.mouse.click(350, 400); // the backdrop
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.sidebar')).visibility === 'hidden');
        await page.setViewportSize({ width: 1100, height: 760 });
        assert.ok(await page.isVisible('.sidebar'), 'a sidebar again on a wide screen');
        assert.equal(await toggle.isVisible(), false);

        // The toggle: the other theme, remembered.
        await page.click('[data-rill-theme-toggle]');
        const other = scheme === 'light' ? 'dark' : 'light';
        assert.equal(luminance(await background()) > 128, other === 'light');
        assert.equal(await page.evaluate(() => localStorage.getItem('rill:theme')), other);
        await page.reload();
        await page.waitForSelector('[data-rill-root][data-rill-connected]');
        assert.equal(luminance(await background()) > 128, other === 'light', 'remembered');
        await page.evaluate(() => localStorage.removeItem('rill:theme'));
        assert.deepEqual(problems, []);
        await context.close();
      } finally {
        await chat.stop();
      }
    }
  });
});
