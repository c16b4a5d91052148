#!/usr/bin/python3
"""The streaming benchmark's peer: the same workload as rill-bench-stream-server,
served by Django Channels 4 on daphne 4 (Debian's python3-django-channels and
python3-daphne), the stack djust's StreamingMixin runs on.

  /usr/bin/python3 bench/stream/peer.py [--port 0] [--batch-interval 16]

Prints "listening port PORT pid PID nofile N" once it listens on 127.0.0.1.
GET /bench returns a page with data-rill-token; the WebSocket at /rill/socket
speaks Rill's protocol (docs/protocol.md) for the frames the bench uses: join
-> mount, event "run" -> stream frames (start, text ops, done), a render, a
reply. Tokens are "SEQ:NS;" with NS on time.monotonic_ns() (CLOCK_MONOTONIC,
the clock of C++'s steady_clock): in burst mode when the token was made, in
rate mode its due time on the schedule (as rill-bench-stream-server does), and
text is batched like Rill's StreamBatcher: the first op after a quiet spell
leaves at once, later ones are concatenated and flushed once per interval
(16 ms, djust's ~60 fps).

Rate streams are paced by one asyncio task for all sessions (a heap of due
times, waking at most every --tick-ms), as rill-bench-stream-server paces its
sessions from one timer, so neither harness pays a timer per session.
"""

import argparse
import asyncio
import heapq
import itertools
import json
import os
import resource
import secrets
import sys
import time

sys.dont_write_bytecode = True

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(DEBUG=False, ALLOWED_HOSTS=["127.0.0.1"], USE_TZ=False, USE_I18N=False)
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

STREAM = "tokens"
TARGET = "[dj-stream='tokens']"
VIEW_HTML = '<div id="out" dj-stream="tokens" dj-stream-mode="append"></div>\n'
SESSIONS = {}  # token -> True while the page's socket may join
BATCH_S = 0.016
TICK_S = 0.001


class Pacer:
    """Emits the due tokens of every rate stream from one timer callback."""

    def __init__(self):
        self.heap = []  # (due_ns, n, [consumer, start, rate, total, seq, future])
        self.count = itertools.count()
        self.handle = None

    def add(self, consumer, rate, total):
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        start = time.monotonic_ns()
        heapq.heappush(self.heap, (start, next(self.count), [consumer, start, rate, total, 0, done]))
        # Due now: wake at once unless a wake-up is already that close.
        if self.handle is None or self.handle.when() > loop.time() + TICK_S:
            if self.handle is not None:
                self.handle.cancel()
            self.handle = loop.call_soon(self.tick)
        return done

    def tick(self):
        self.handle = None
        heap = self.heap
        now = time.monotonic_ns()
        while heap and heap[0][0] <= now:
            due, n, st = heapq.heappop(heap)
            consumer, start, rate, total, seq, done = st
            if done.cancelled() or consumer.closed:
                if not done.done():
                    done.set_result(None)
                continue
            seq += 1
            st[4] = seq
            consumer.text(seq, due)
            if seq < total:
                heapq.heappush(heap, (start + seq * 1000000000 // rate, n, st))
            elif not done.done():
                done.set_result(None)
        if heap:
            wait = min(1.0, max(TICK_S, (heap[0][0] - time.monotonic_ns()) / 1e9))
            self.handle = asyncio.get_running_loop().call_later(wait, self.tick)


PACER = Pacer()


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


async def http_app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] != "/bench":
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"not found\n"})
        return
    token = secrets.token_urlsafe(24)
    SESSIONS[token] = True
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>peer</title></head><body>\n'
            '<div data-rill-root data-rill-token="%s">%s</div>\n'
            '<script type="module" src="/rill/client/rill.js"></script>\n</body></html>\n' % (token, VIEW_HTML))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": page.encode()})


class BenchConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        headers = dict(self.scope["headers"])
        if headers.get(b"origin", b"") != b"http://" + headers.get(b"host", b""):
            await self.close()  # before accept: a 403
            return
        self.seq = 0
        self.token = None
        self.pending = []
        self.active = False
        self.timer = None
        self.task = None
        self.closed = False
        await self.accept()

    async def disconnect(self, code):
        self.closed = True
        if self.task:
            self.task.cancel()
        if self.timer:
            self.timer.cancel()
        if self.token:
            SESSIONS.pop(self.token, None)

    def frame(self, obj):
        # Tasks start in creation order and daphne's send does not suspend,
        # so frames leave in the order they were made.
        self.seq += 1
        obj["seq"] = self.seq
        asyncio.ensure_future(self.send(text_data=dumps(obj)))

    def stream(self, ops):
        self.frame({"type": "stream", "stream": STREAM, "ops": ops})

    # The batcher: leading edge, then at most one flush per interval.
    def enqueue(self, op):
        if not self.active:
            self.active = True
            self.stream([op])
            self.timer = asyncio.get_running_loop().call_later(BATCH_S, self.tick)
        else:
            self.pending.append(op)

    def tick(self):
        if self.pending:
            self.flush_now()
            self.timer = asyncio.get_running_loop().call_later(BATCH_S, self.tick)
        else:
            self.active = False
            self.timer = None

    def flush_now(self):
        if not self.pending:
            return
        ops = []
        for op in self.pending:  # concatenate adjacent text ops
            if ops and op["op"] == "text" and ops[-1]["op"] == "text":
                ops[-1]["text"] += op["text"]
            else:
                ops.append(dict(op))
        self.pending = []
        self.stream(ops)

    def text(self, seq, ns=None):
        self.enqueue({"op": "text", "target": TARGET,
                      "text": "%d:%d;" % (seq, time.monotonic_ns() if ns is None else ns)})

    async def receive(self, text_data=None, bytes_data=None):
        try:
            msg = json.loads(text_data)
        except (TypeError, ValueError):
            self.frame({"type": "error", "code": "bad_frame", "message": "not JSON"})
            return
        if msg.get("type") == "join":
            if msg.get("token") not in SESSIONS:
                self.frame({"type": "error", "code": "unknown_session", "message": "no session"})
                return
            self.token = msg["token"]
            self.frame({"type": "mount", "html": VIEW_HTML})
        elif msg.get("type") == "event" and msg.get("event") == "run" and self.token:
            # Detached, as Rill runs handlers: the socket keeps reading.
            self.task = asyncio.ensure_future(self.run(msg.get("params", {}), msg.get("ref", 0)))
        elif msg.get("type") == "ping":
            self.frame({"type": "pong", "ref": msg.get("ref", 0)})

    async def run(self, params, ref):
        self.enqueue({"op": "start", "target": TARGET})
        if int(params["mode"]) == 0:
            n, chunk = int(params["n"]), max(1, int(params["chunk"]))
            for seq in range(1, n + 1):
                self.text(seq)
                if seq % chunk == 0 and seq < n:
                    await asyncio.sleep(0)
        else:
            rate, ms = max(1, int(params["rate"])), int(params["ms"])
            total = rate * ms // 1000
            if total > 0:
                await PACER.add(self, rate, total)
        self.enqueue({"op": "done", "target": TARGET})
        self.flush_now()  # like Rill's sendControl: queued ops go before the render and reply
        self.frame({"type": "render", "html": VIEW_HTML})
        self.frame({"type": "reply", "ref": ref})


application = ProtocolTypeRouter({
    "http": http_app,
    "websocket": URLRouter([path("rill/socket", BenchConsumer.as_asgi())]),
})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--batch-interval", type=int, default=16, help="ms")
    ap.add_argument("--tick-ms", type=float, default=1, help="shortest pause of the shared token pacer")
    args = ap.parse_args()
    global BATCH_S, TICK_S
    BATCH_S = args.batch_interval / 1000.0
    TICK_S = args.tick_ms / 1000.0

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard

    from daphne.server import Server
    from twisted.internet import reactor

    server = None

    def announce():
        if not server.listening_addresses:
            reactor.callLater(0.01, announce)
            return
        print("listening port %d pid %d nofile %d" % (server.listening_addresses[0][1], os.getpid(), soft),
              flush=True)

    server = Server(application, endpoints=["tcp:port=%d:interface=127.0.0.1:backlog=1024" % args.port],
                    verbosity=0, ready_callable=lambda: reactor.callLater(0, announce))
    server.run()


if __name__ == "__main__":
    main()
