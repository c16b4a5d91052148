// The whole client against a `ws` peer that speaks docs/protocol.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './support/harness.js';

let env;
const pages = [];
before(async () => {
  env = await setup();
});
after(async () => {
  const problems = pages.flatMap((p) => p.problems);
  await env.teardown();
  assert.deepEqual(problems, []);
});

async function open(query = '') {
  const page = await env.open('/test/pages/client.html' + query);
  pages.push(page);
  return page;
}

// Opens the page and returns it with the peer of its first socket, joined.
async function connected(query) {
  const n = env.server.peers.all.length;
  const page = await open(query);
  const peer = await env.server.peers.nth(n);
  const join = await peer.next((f) => f.type === 'join');
  return { page, peer, join };
}

// Cuts `peer`'s socket; returns the peer of the page's next one, joined.
async function cutAndRejoin(peer) {
  const n = env.server.peers.all.length;
  peer.ws.terminate();
  const next = await env.server.peers.nth(n);
  await next.next((f) => f.type === 'join');
  return next;
}

const rootState = (page) => page.evaluate(() => {
  const root = document.getElementById('root');
  return { connected: root.hasAttribute('data-rill-connected'), disconnected: root.hasAttribute('data-rill-disconnected') };
});

test('joins with the page token and lastSeq 0, marks the root connected, applies mount and streams', async () => {
  const { page, peer, join } = await connected();
  assert.deepEqual(join, { type: 'join', token: 'tok-123', lastSeq: 0 });
  await page.waitForFunction(() => document.getElementById('root').hasAttribute('data-rill-connected'));
  assert.deepEqual(await rootState(page), { connected: true, disconnected: false });
  peer.send({ type: 'mount', seq: 1, html: '<div id="out" dj-stream="out">mounted</div>' });
  peer.send({ type: 'stream', seq: 2, stream: 'out', ops: [{ op: 'start', target: '[dj-stream="out"]' }, { op: 'text', target: '[dj-stream="out"]', text: ' and more' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 2);
  assert.equal(await page.textContent('#out'), 'mounted and more');
  await page.close();
});

test('an event sent on a socket that died goes again, unless the rejoin mount says the server read it', async () => {
  const { page, peer } = await connected('?base=20&max=20&random=1');
  peer.send({ type: 'mount', seq: 1 });
  await page.waitForFunction(() => window.rill.lastSeq() === 1);
  await page.click('#btn');
  await page.click('#btn');
  await peer.next((f) => f.type === 'event' && f.ref === 2);
  // No reply came: did the server read 1, 2, neither? It read 1 only: 2
  // goes again, before what was raised since.
  let next = await cutAndRejoin(peer);
  await page.click('#btn'); // raised while joining: waits for the mount
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(next.received.map((f) => f.type), ['join']);
  next.send({ type: 'mount', seq: 2, lastRef: 1 });
  await next.next((f) => f.type === 'event' && f.ref === 3);
  assert.deepEqual(next.received.map((f) => [f.type, f.ref]), [['join', undefined], ['event', 2], ['event', 3]]);

  // A reply settles its event and every one before it on that socket.
  next.send({ type: 'reply', seq: 3, ref: 3 });
  await page.waitForFunction(() => window.rill.lastSeq() === 3);
  await page.click('#btn');
  await next.next((f) => f.type === 'event' && f.ref === 4);

  // A mount naming no ref (an older server, or nothing read): 4 goes
  // again; 1 to 3 never.
  next = await cutAndRejoin(next);
  next.send({ type: 'mount', seq: 4 });
  await next.next((f) => f.type === 'event' && f.ref === 4);
  await page.click('#btn');
  await next.next((f) => f.type === 'event' && f.ref === 5);
  assert.deepEqual(next.received.map((f) => [f.type, f.ref]), [['join', undefined], ['event', 4], ['event', 5]]);
  await page.close();
});

test('a pong confirms only the events its socket sent before the ping, not those resent after it', async () => {
  // Pings a second apart: each step below answers well within one.
  const { page, peer } = await connected('?ping=1000&base=20&max=20&random=1');
  try {
    peer.send({ type: 'mount', seq: 1 });
    await page.waitForFunction(() => window.rill.lastSeq() === 1);
    await page.click('#btn');
    await peer.next((f) => f.type === 'event' && f.ref === 1);

    // The server is slow to answer the join: a ping goes out first (its ref
    // is above the event's), the event is resent after the mount.
    let next = await cutAndRejoin(peer);
    const ping = await next.next((f) => f.type === 'ping');
    next.send({ type: 'mount', seq: 2 });
    await next.next((f) => f.type === 'event' && f.ref === 1);
    assert.ok(ping.ref > 1);
    // The pong answers a ping read before the resent event: the event may
    // still die with this socket.
    next.send({ type: 'pong', seq: 3, ref: ping.ref });
    await page.waitForFunction(() => window.rill.lastSeq() === 3);
    next = await cutAndRejoin(next);
    next.send({ type: 'mount', seq: 4 });
    await next.next((f) => f.type === 'event' && f.ref === 1);

    // A pong for a ping sent after the event does confirm it.
    const later = await next.next((f) => f.type === 'ping');
    next.send({ type: 'pong', seq: 5, ref: later.ref });
    await page.waitForFunction(() => window.rill.lastSeq() === 5);
    next = await cutAndRejoin(next);
    next.send({ type: 'mount', seq: 6 });
    await page.click('#btn');
    const fresh = await next.next((f) => f.type === 'event');
    assert.ok(fresh.ref > later.ref, `the event sent is a new one, not ref 1 again (ref ${fresh.ref})`);
    assert.deepEqual(next.received.filter((f) => f.type === 'event').map((f) => f.ref), [fresh.ref]);
  } finally {
    await page.close();
  }
});

test('all frames that arrive before the animation frame are applied together in it', async () => {
  const { page, peer } = await connected('?manual=1');
  for (let seq = 1; seq <= 3; seq++) peer.send({ type: 'stream', seq, stream: 'out', ops: [{ op: 'text', text: String(seq) }] });
  await page.waitForFunction(() => window.rill.pendingCount() === 3);
  assert.deepEqual(await page.evaluate(() => ({ scheduled: window.scheduled, text: document.getElementById('out').textContent })),
    { scheduled: 1, text: '' });
  const after = await page.evaluate(() => {
    window.runFrame();
    return { text: document.getElementById('out').textContent, log: window.log, lastSeq: window.rill.lastSeq() };
  });
  assert.deepEqual(after, { text: '123', log: ['1', '2', '3'], lastSeq: 3 });
  // A frame arriving later asks for the next animation frame.
  peer.send({ type: 'stream', seq: 4, stream: 'out', ops: [{ op: 'text', text: '4' }] });
  await page.waitForFunction(() => window.scheduled === 2);
  await page.close();
});

test('a replayed frame (seq already applied) is not applied twice', async () => {
  const { page, peer } = await connected();
  peer.send({ type: 'stream', seq: 1, stream: 'out', ops: [{ op: 'text', text: 'a' }] });
  peer.send({ type: 'stream', seq: 2, stream: 'out', ops: [{ op: 'text', text: 'b' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 2);
  peer.send({ type: 'stream', seq: 2, stream: 'out', ops: [{ op: 'text', text: 'b' }] });
  peer.send({ type: 'stream', seq: 3, stream: 'out', ops: [{ op: 'text', text: 'c' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 3);
  assert.equal(await page.textContent('#out'), 'abc');
  await page.close();
});

test('events: sent with increasing refs; reply and error frames surface as DOM events', async () => {
  const { page, peer } = await connected();
  await page.waitForFunction(() => document.getElementById('root').hasAttribute('data-rill-connected'));
  peer.send({ type: 'mount', seq: 1 }); // events go out once the join is mounted
  await page.evaluate(() => {
    window.seen = [];
    const root = document.getElementById('root');
    root.addEventListener('rill:reply', (e) => window.seen.push(['reply', e.detail]));
    root.addEventListener('rill:error', (e) => window.seen.push(['error', e.detail]));
  });
  await page.click('#btn');
  await page.click('#btn');
  const e1 = await peer.next((f) => f.type === 'event' && f.ref === 1);
  const e2 = await peer.next((f) => f.type === 'event' && f.ref === 2);
  assert.deepEqual(e1, { type: 'event', event: 'hit', params: { n: '1' }, ref: 1 });
  assert.equal(e2.event, 'hit');
  peer.send({ type: 'reply', seq: 2, ref: 1 });
  peer.send({ type: 'error', seq: 3, code: 'handler_failed', message: 'boom', ref: 2 });
  await page.waitForFunction(() => window.seen.length === 2);
  assert.deepEqual(await page.evaluate(() => window.seen), [
    ['reply', { ref: 1 }],
    ['error', { code: 'handler_failed', message: 'boom', ref: 2 }],
  ]);
  await page.close();
});

test('reconnects with backoff, rejoins with the last applied seq, sends queued events once the join is mounted', async () => {
  const peers = env.server.peers;
  // random=1: no jitter, so the delays are exactly 60, 120, 240, 240 ms.
  const { page, peer } = await connected('?base=60&max=240&random=1');
  peer.send({ type: 'mount', seq: 1 });
  peer.send({ type: 'stream', seq: 2, stream: 'out', ops: [{ op: 'text', text: 'x' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 2);

  peers.refuse = true;
  const attemptsBefore = peers.attempts.length;
  const closedAt = Date.now();
  peer.ws.terminate();
  await page.waitForFunction(() => document.getElementById('root').hasAttribute('data-rill-disconnected'));
  assert.deepEqual(await rootState(page), { connected: false, disconnected: true });
  await page.click('#btn'); // raised while closed: queued
  await page.click('#btn');
  while (peers.attempts.length < attemptsBefore + 4) await new Promise((r) => setTimeout(r, 20));
  const times = [closedAt, ...peers.attempts.slice(attemptsBefore, attemptsBefore + 4)];
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const n = peers.all.length;
  peers.refuse = false; // before any assertion: later tests need a server that accepts
  // The client waited at least each delay (the sequence itself, doubling
  // and capped, is backoffDelay()'s unit test); no upper bound, which only
  // a loaded machine would test.
  const expected = [60, 120, 240, 240];
  gaps.forEach((gap, i) => {
    assert.ok(gap >= expected[i] - 15, `gap ${i}: ${gap} ms, expected at least ~${expected[i]} (${gaps})`);
  });

  const again = await peers.nth(n);
  await again.next((f) => f.type === 'join');
  await page.waitForFunction(() => document.getElementById('root').hasAttribute('data-rill-connected'));
  assert.deepEqual(await rootState(page), { connected: true, disconnected: false });
  // The events wait for the mount (it says which the server already read).
  again.send({ type: 'mount', seq: 3 });
  await again.next((f) => f.type === 'event' && f.ref === 2);
  assert.deepEqual(again.received.map((f) => [f.type, f.type === 'join' ? f.lastSeq : f.ref]),
    [['join', 2], ['event', 1], ['event', 2]]);
  assert.equal(again.received[0].token, 'tok-123');

  // mount resets the backoff: the next drop retries after the base delay again.
  await page.waitForFunction(() => window.rill.lastSeq() === 3);
  const dropAt = Date.now();
  again.ws.terminate();
  const third = await peers.nth(n + 1);
  const join = await third.next((f) => f.type === 'join');
  assert.equal(join.lastSeq, 3);
  assert.ok(Date.now() - dropAt < 60 + 150, `rejoined after ${Date.now() - dropAt} ms`);
  await page.close();
});

test('keep-alive: pings, and a silent connection is dropped and replaced', async () => {
  // An interval long enough that a loaded machine still answers within it
  // (an answer later than one interval is, by design, a dead connection).
  const { page, peer } = await connected('?ping=500&base=20');
  try {
    const ping = await peer.next((f) => f.type === 'ping');
    assert.ok(Number.isInteger(ping.ref));
    peer.send({ type: 'pong', seq: 1, ref: ping.ref });
    await page.waitForFunction(() => window.rill.lastSeq() === 1);
    const n = env.server.peers.all.length;
    await peer.next((f) => f.type === 'ping' && f.ref !== ping.ref);
    // From now on the peer stays silent: the client gives up on it and rejoins.
    const next = await env.server.peers.nth(n);
    const join = await next.next((f) => f.type === 'join');
    assert.equal(join.lastSeq, 1);
  } finally {
    await page.close(); // a page left open would go on reconnecting into later tests
  }
});

test('unknown_session stops reconnecting', async () => {
  const { page, peer } = await connected('?base=20');
  const attempts = env.server.peers.attempts.length;
  peer.send({ type: 'error', seq: 1, code: 'unknown_session', message: 'gone' });
  await page.waitForFunction(() => window.rill.lastSeq() === 1);
  peer.ws.terminate();
  await page.waitForFunction(() => document.getElementById('root').hasAttribute('data-rill-disconnected'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(env.server.peers.attempts.length, attempts);
  await page.close();
});

test('the real entry point (rill.js) starts on [data-rill-root] under the strict CSP', async () => {
  const n = env.server.peers.all.length;
  const page = await env.open('/test/pages/entry.html');
  pages.push(page);
  const peer = await env.server.peers.nth(n);
  assert.deepEqual(await peer.next((f) => f.type === 'join'), { type: 'join', token: 'entry-token', lastSeq: 0 });
  peer.send({ type: 'mount', seq: 1 });
  peer.send({ type: 'stream', seq: 2, stream: 's', ops: [{ op: 'start' }, { op: 'text', text: 'hello' }, { op: 'error', error: 'oops' }] });
  await page.waitForSelector('.dj-stream-error');
  assert.equal(await page.innerHTML('#root'),
    '<div dj-stream="s" data-stream-owned="" data-stream-error="true">hello<div class="dj-stream-error" role="alert">oops</div></div>');
  await page.close();
});

test('auto-scroll through the client: a batch follows when near the bottom, not when scrolled up', async () => {
  const { page, peer } = await connected('?manual=1');
  const box = '<div id="box" class="box"><div id="out" dj-stream="out">' + '<p>line</p>'.repeat(30) + '</div></div>';
  peer.send({ type: 'mount', seq: 1, html: box });
  await page.waitForFunction(() => window.rill.pendingCount() === 1);
  await page.evaluate(() => window.runFrame());
  const batch = async (from) => {
    const { seq, top } = await page.evaluate(() => {
      const el = document.getElementById('box');
      return { seq: window.rill.lastSeq(), top: el.scrollHeight - el.clientHeight };
    });
    await page.evaluate(({ t }) => { document.getElementById('box').scrollTop = t; }, { t: from === 'bottom' ? top : 0 });
    for (let i = 1; i <= 3; i++) peer.send({ type: 'stream', seq: seq + i, stream: 'out', ops: [{ op: 'append', html: '<p>new</p>'.repeat(5) }] });
    await page.waitForFunction(() => window.rill.pendingCount() === 3);
    return page.evaluate(() => {
      window.runFrame();
      const el = document.getElementById('box');
      return { gap: el.scrollHeight - el.scrollTop - el.clientHeight, top: el.scrollTop };
    });
  };
  assert.equal((await batch('bottom')).gap, 0);
  assert.equal((await batch('top')).top, 0);
  await page.close();
});

test('a render keeps what is typed in the focused field; the reply to its form submit resets the form', async () => {
  const { page, peer } = await connected();
  const view = (n) => `<p id="n">${n}</p><form dj-submit="send"><input id="msg" name="content" value=""></form>`;
  peer.send({ type: 'mount', seq: 1, html: view(0) });
  await page.waitForSelector('#msg');
  await page.focus('#msg');
  await page.keyboard.type('hello');
  await page.keyboard.press('Enter');
  const ev = await peer.next((f) => f.type === 'event');
  assert.deepEqual(ev.params, { content: 'hello' });
  peer.send({ type: 'render', seq: 2, html: view(1) });
  await page.waitForFunction(() => window.rill.lastSeq() === 2);
  assert.equal(await page.inputValue('#msg'), 'hello', 'a render before the reply keeps the text');
  peer.send({ type: 'reply', seq: 3, ref: ev.ref });
  await page.waitForFunction(() => window.rill.lastSeq() === 3);
  assert.equal(await page.inputValue('#msg'), '', 'the submit reply clears the input');
  await page.keyboard.type('next');
  peer.send({ type: 'patch', seq: 4, ops: [{ path: [0, 0], tag: '#text', text: '2' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 4);
  assert.equal(await page.inputValue('#msg'), 'next', 'typing survives an unrelated render');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'msg');
  assert.equal(await page.textContent('#n'), '2');
  await page.close();
});

test('a session error before any seq (unknown_session) is not dropped: the page says so, keeps the typing and reloads', async () => {
  const { page, peer } = await connected('?fakereload');
  peer.send({ type: 'mount', seq: 1 });
  peer.send({ type: 'render', seq: 2, html: '<form><input name="q"><textarea name="note"></textarea><input name="q"></form>' });
  await page.waitForSelector('textarea[name=note]');
  await page.fill('textarea[name=note]', 'half a thought');
  await page.locator('input[name=q]').nth(1).fill('second q');
  await page.evaluate(() => sessionStorage.removeItem('rill:reloaded-at'));
  // What the server sends when it no longer knows the page: seq 0.
  peer.send({ type: 'error', seq: 0, code: 'unknown_session', message: 'no session for this token' });
  await page.waitForSelector('.rill-notice');
  assert.match(await page.innerText('.rill-notice'), /session ended.*what you typed is kept/s);
  assert.deepEqual(await page.evaluate(() => window.sessionEvents), ['error:unknown_session', 'session-lost']);
  await page.waitForFunction(() => window.reloads === 1, null, { timeout: 5000 });
  const saved = await page.evaluate(() => JSON.parse(sessionStorage.getItem('rill:typed:' + location.pathname + location.search)));
  assert.deepEqual(saved, { 'note#0': 'half a thought', 'q#1': 'second q' });
  await page.close();
});

test('after the reload the typing comes back into the same fields', async () => {
  const page = await open("?fakereload");
  const key = await page.evaluate(() => 'rill:typed:' + location.pathname + location.search);
  // The saved text as the previous page left it, then a fresh start.
  await page.evaluate((k) => {
    sessionStorage.setItem(k, JSON.stringify({ 'note#0': 'half a thought' }));
    document.getElementById('root').innerHTML = '<textarea name="note"></textarea>';
    window.rill.stop();
  }, key);
  await page.evaluate(async () => {
    const { start } = await import('/rill/client/client.js');
    window.rill = start(document.getElementById('root'), { reload: () => {} });
  });
  assert.equal(await page.inputValue('textarea[name=note]'), 'half a thought');
  assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), key), null, 'used once');
  await page.close();
});

test('a second unknown_session moments after a reload offers a button instead of looping', async () => {
  const { page, peer } = await connected('?fakereload');
  await page.evaluate(() => sessionStorage.setItem('rill:reloaded-at', String(Date.now())));
  peer.send({ type: 'error', seq: 0, code: 'unknown_session', message: 'gone' });
  await page.waitForSelector('.rill-notice button');
  assert.match(await page.innerText('.rill-notice'), /could not get it back/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.evaluate(() => window.reloads), 0);
  await page.click('.rill-notice button');
  assert.equal(await page.evaluate(() => window.reloads), 1);
  await page.close();
});

test('a page can take over session loss itself (rill:session-lost is cancelable)', async () => {
  const { page, peer } = await connected('?fakereload&handlelost');
  peer.send({ type: 'error', seq: 0, code: 'unknown_session', message: 'gone' });
  await page.waitForFunction(() => window.sessionEvents.includes('session-lost'));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.$('.rill-notice'), null);
  assert.equal(await page.evaluate(() => window.reloads), 0);
  await page.close();
});

test('a mount that says "lost" tells the reader, with a way to reload', async () => {
  const { page, peer } = await connected('?fakereload');
  peer.send({ type: 'mount', seq: 1, html: '<p>back</p>', lost: true });
  await page.waitForSelector('.rill-notice');
  assert.match(await page.innerText('.rill-notice'), /could not be restored/);
  await page.click('.rill-notice button');
  assert.equal(await page.evaluate(() => window.reloads), 1);
  assert.equal(await page.innerHTML('#root'), '<p>back</p>');
  await page.close();
});

test('a patch that does not fit the page asks for the view again and drops frames until the answer, but not replies', async () => {
  const { page, peer } = await connected('?dev=1');
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  await page.evaluate(() => {
    window.seen = [];
    const root = document.getElementById('root');
    root.addEventListener('rill:reply', (e) => window.seen.push(['reply', e.detail.ref]));
    root.addEventListener('rill:error', (e) => window.seen.push(['error', e.detail.ref]));
  });
  peer.send({ type: 'mount', seq: 1, html: '<p id="a">one</p><div id="out" dj-stream="out"></div>' });
  await page.waitForFunction(() => window.rill.lastSeq() === 1);
  // A script moved things: the server's idea of [0] is now wrong.
  await page.evaluate(() => document.getElementById('root').prepend(document.createElement('span')));
  peer.send({ type: 'patch', seq: 2, ops: [{ path: [0, 0], tag: '#text', text: 'two' }] });
  peer.send({ type: 'stream', seq: 3, stream: 'out', ops: [{ op: 'text', text: 'dropped' }] });
  // The event the patch belonged to: its reply is not part of the answer.
  peer.send({ type: 'error', seq: 4, code: 'handler_failed', message: 'x', ref: 6 });
  peer.send({ type: 'reply', seq: 5, ref: 6 });
  const resync = await peer.next((f) => f.type === 'resync');
  assert.deepEqual(resync, { type: 'resync', lastSeq: 1 });
  await page.waitForFunction(() => window.seen.length === 2);
  assert.equal(await page.textContent('#out'), '', 'frames after the misfit wait for the answer');
  // The answer: the whole view, then what follows it.
  peer.send({ type: 'mount', seq: 6, html: '<p id="a">two</p><div id="out" dj-stream="out">three</div>' });
  peer.send({ type: 'stream', seq: 7, stream: 'out', ops: [{ op: 'text', text: ' four' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 7);
  assert.deepEqual(await page.evaluate(() => window.seen), [['error', 6], ['reply', 6]]);
  assert.equal(await page.innerHTML('#root'),
    '<p id="a">two</p><div id="out" dj-stream="out" data-stream-owned="">three four</div>');
  assert.ok(consoleLines.some((l) => /patch 2 does not fit this page \(expected #text at \[0,0\], found nothing\)/.test(l)), consoleLines.join('\n'));
  await page.close();
});

test('development mode says in the console: error frames, ops that match nothing, unknown dj-* attributes', async () => {
  const { page, peer } = await connected('?dev=1');
  const lines = [];
  page.on('console', (m) => lines.push(m.text()));
  peer.send({ type: 'mount', seq: 1, html: '<button dj-clik="go">Go</button><div id="out" dj-stream="out"></div>' });
  peer.send({ type: 'stream', seq: 2, stream: 'log', ops: [{ op: 'append', target: '#nowhere', html: '<p>x</p>' }] });
  peer.send({ type: 'error', seq: 3, code: 'handler_failed', message: 'boom in go' });
  await page.waitForFunction(() => window.rill.lastSeq() === 3);
  assert.ok(lines.some((l) => l.includes('unknown directive dj-clik on <button>')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('stream "log": append on #nowhere matched no element')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('error handler_failed: boom in go')), lines.join('\n'));
  await page.close();
});

test('outside development mode the console stays quiet', async () => {
  const { page, peer } = await connected();
  const lines = [];
  page.on('console', (m) => lines.push(m.text()));
  peer.send({ type: 'mount', seq: 1, html: '<button dj-clik="go">Go</button>' });
  peer.send({ type: 'stream', seq: 2, stream: 'log', ops: [{ op: 'append', target: '#nowhere', html: '<p>x</p>' }] });
  await page.waitForFunction(() => window.rill.lastSeq() === 2);
  assert.deepEqual(lines, []);
  await page.close();
});
