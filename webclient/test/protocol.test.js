// The pure parts, in node: no browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerFrame, joinFrame, eventFrame, pingFrame, defaultTarget } from '../src/protocol.js';
import { backoffDelay, socketUrl } from '../src/socket.js';

test('client frames carry exactly the keys of docs/protocol.md', () => {
  assert.deepEqual(JSON.parse(joinFrame('tok', 7)), { type: 'join', token: 'tok', lastSeq: 7 });
  assert.deepEqual(JSON.parse(eventFrame('send', { a: '1' }, 3)), { type: 'event', event: 'send', params: { a: '1' }, ref: 3 });
  assert.deepEqual(JSON.parse(pingFrame(9)), { type: 'ping', ref: 9 });
});

test('server frames: accepted and refused', () => {
  const rows = [
    ['mount without html', '{"type":"mount","seq":1}', true],
    ['render', '{"type":"render","seq":2,"html":"<p>"}', true],
    ['stream', '{"type":"stream","seq":3,"stream":"s","ops":[]}', true],
    ['reply', '{"type":"reply","seq":4,"ref":1}', true],
    ['error', '{"type":"error","seq":5,"code":"bad_frame","message":"m"}', true],
    ['pong', '{"type":"pong","seq":6,"ref":2}', true],
    ['not json', '{', false],
    ['not an object', '[1]', false],
    ['null', 'null', false],
    ['unknown type', '{"type":"nope","seq":1}', false],
    ['client type', '{"type":"join","seq":1}', false],
    ['missing seq', '{"type":"mount"}', false],
    ['fractional seq', '{"type":"mount","seq":1.5}', false],
    ['stream without ops', '{"type":"stream","seq":1,"stream":"s"}', false],
    ['render without html', '{"type":"render","seq":1}', false],
  ];
  for (const [name, text, ok] of rows) assert.equal(parseServerFrame(text) !== null, ok, name);
});

test('default target quotes the stream name', () => {
  assert.equal(defaultTarget('out'), '[dj-stream="out"]');
  assert.equal(defaultTarget('a"b'), '[dj-stream="a\\"b"]');
});

test('backoff doubles from base to max, jittered into [50%, 100%]', () => {
  const opts = { base: 200, max: 10000 };
  assert.deepEqual([0, 1, 2, 3, 5, 6, 20].map((n) => backoffDelay(n, opts, () => 1)), [200, 400, 800, 1600, 6400, 10000, 10000]);
  assert.deepEqual([0, 6].map((n) => backoffDelay(n, opts, () => 0)), [100, 5000]);
});

test('the socket URL names the instance that rendered the page, when there is one', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: 'a:8000' }), 'ws://a:8000/rill/socket');
  assert.equal(socketUrl({ protocol: 'https:', host: 'chat.example' }, null), 'wss://chat.example/rill/socket');
  assert.equal(socketUrl({ protocol: 'https:', host: 'chat.example' }, 'b 2&'), 'wss://chat.example/rill/socket?instance=b%202%26');
});
