#!/usr/bin/python3
"""Streaming benchmark: Rill vs a Django Channels/daphne peer, same workload, same client.

  /usr/bin/python3 bench/stream/run.py [--build build]

Expects rill-bench-stream-server and rill-bench-stream-client in BUILD/bin (a
build configured with -DRILL_BUILD_BENCH=ON); builds nothing. For each server
(Rill's, then peer.py on daphne) it starts a fresh process on 127.0.0.1 port 0
and runs the C++ client twice:

  rate   K sessions (1,000) at R tokens/s each (30) for T seconds (10), started
         evenly over 1 s: emit-to-receive latency p50/p99 per token, server CPU
         (utime+stime from /proc over the streaming wall time, % of one core)
         and server RSS per session ((VmRSS joined - VmRSS idle) / K);
  burst  one session, N tokens (200,000) as fast as the server emits them,
         yielding to the event loop after each: tokens/s delivered, best of 3.

The client checks that every token arrives once and in order on every session
(tokens are "SEQ:EMIT_NS;"). Prints a table, ratios Rill/peer, and a last line
"stream: N tok/s single session (Rx peer); 1000 sessions @30 tok/s: p50 X ms,
p99 Y ms (peer p99 Z ms); CPU A%; RSS B KiB/session". Bounded (< 3 minutes);
stops its processes on any exit. See docs/benchmarks.md ("Streaming").
"""

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
DEADLINE = time.monotonic() + 175  # the whole run stays under 3 minutes


def remaining():
    return DEADLINE - time.monotonic()


def start_server(cmd, procs):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    procs.append(p)
    end = time.monotonic() + 20
    line = ""
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            line = p.stdout.readline()
            if line.startswith("listening port"):
                f = line.split()
                return p, int(f[2]), int(f[4]), int(f[6])
            if not line:
                break
        if p.poll() is not None:
            break
    stop(p)
    sys.exit("run.py: %s did not start (%r; stderr: %s)" % (cmd[0], line, p.stderr.read()[-2000:]))


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=5)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=5)


def run_client(client, port, pid, args, timeout):
    timeout = max(5, min(timeout, int(remaining()) - 5))
    cmd = [client, "--url", "http://127.0.0.1:%d/bench" % port, "--server-pid", str(pid),
           "--timeout", str(timeout)] + args
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout + 10)
    except subprocess.TimeoutExpired:
        return {"ok": False, "errors": ["client killed after %d s" % (timeout + 10)]}
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"ok": False, "errors": ["client printed no JSON (exit %d): %s" % (r.returncode, r.stderr[-500:])]}


def measure(name, cmd, client, a, procs):
    p, port, pid, nofile = start_server(cmd, procs)
    need = a.sessions + 64
    if nofile < need:
        stop(p)
        sys.exit("run.py: %s has RLIMIT_NOFILE %d, needs %d for %d sessions" % (name, nofile, need, a.sessions))
    try:
        rate = run_client(client, port, pid, ["--sessions", str(a.sessions), "--mode", "rate", "--rate", str(a.rate),
                                              "--seconds", str(a.seconds), "--spread-ms", "1000"],
                          timeout=int(a.seconds) + 40)
        bursts = []
        for _ in range(a.burst_repeat):
            if remaining() < 20:
                break
            bursts.append(run_client(client, port, pid, ["--sessions", "1", "--mode", "burst",
                                                         "--tokens", str(a.tokens), "--chunk", "1"], timeout=30))
        ok_bursts = [b for b in bursts if b.get("ok") and "tokens_per_s" in b]
        burst = max(ok_bursts, key=lambda b: b["tokens_per_s"]) if ok_bursts else (bursts[0] if bursts else
                                                                                   {"ok": False, "errors": ["not run"]})
    finally:
        stop(p)
    return {"name": name, "rate": rate, "burst": burst, "bursts": bursts}


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build directory (default: build)")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=30, help="tokens/s per session in the rate scenario")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--tokens", type=int, default=200000, help="tokens in the single-session burst")
    ap.add_argument("--burst-repeat", type=int, default=3)
    ap.add_argument("--no-peer", action="store_true", help="measure Rill only")
    ap.add_argument("--json", help="also write all raw figures to this file")
    a = ap.parse_args()

    bindir = os.path.join(os.path.abspath(a.build), "bin")
    server = os.path.join(bindir, "rill-bench-stream-server")
    client = os.path.join(bindir, "rill-bench-stream-client")
    for exe in (server, client):
        if not os.path.exists(exe):
            sys.exit("run.py: %s not found; build it with\n  cmake -S %s -B BUILD -G Ninja -DRILL_BUILD_BENCH=ON"
                     " && cmake --build BUILD" % (exe, ROOT))

    load0 = os.getloadavg()
    procs = []
    results = []
    try:
        results.append(measure("rill", [server, "--port", "0"], client, a, procs))
        if not a.no_peer:
            results.append(measure("peer", [sys.executable, os.path.join(HERE, "peer.py"), "--port", "0"],
                                   client, a, procs))
    finally:
        for p in procs:
            stop(p)
    load1 = os.getloadavg()

    print()
    print("Streaming benchmark: %d sessions x %d tok/s x %g s (rate); 1 session x %d tokens (burst, best of %d)"
          % (a.sessions, a.rate, a.seconds, a.tokens, a.burst_repeat))
    print("load average %.2f at start, %.2f at end (%d cores)" % (load0[0], load1[0], os.cpu_count()))
    print()
    header = "%-6s %12s %9s %9s %9s %9s %8s %8s %10s %6s" % (
        "server", "burst tok/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "srv CPU%", "cli CPU%", "KiB/sess", "ok")
    print(header)
    print("-" * len(header))
    for r in results:
        rt, b = r["rate"], r["burst"]
        lat = rt.get("latency_ms", {})
        print("%-6s %12s %9s %9s %9s %9s %8s %8s %10s %6s" % (
            r["name"], fmt(b.get("tokens_per_s"), ",.0f"), fmt(lat.get("p50"), ".2f"), fmt(lat.get("p90"), ".2f"),
            fmt(lat.get("p99"), ".2f"), fmt(lat.get("max"), ".1f"), fmt(rt.get("server_cpu_percent"), ".1f"),
            fmt(rt.get("client_cpu_percent"), ".1f"), fmt(rt.get("server_rss_per_session_kib"), ".1f"),
            "yes" if rt.get("ok") and b.get("ok") else "NO"))
    print()
    for r in results:
        rt = r["rate"]
        print("%s: rate: %s of %s tokens, %s frames, server RSS idle %s KiB, joined %s KiB, after %s KiB; "
              "burst runs: %s tok/s" % (
                  r["name"], rt.get("tokens_received"), rt.get("tokens_expected"), rt.get("frames"),
                  rt.get("server_rss_idle_kib"), rt.get("server_rss_sessions_kib"), rt.get("server_rss_after_kib"),
                  ", ".join(fmt(x.get("tokens_per_s"), ",.0f") for x in r["bursts"])))
        for phase in ("rate", "burst"):
            for e in r[phase].get("errors", []):
                print("  %s %s error: %s" % (r["name"], phase, e))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"args": vars(a), "load": [load0, load1], "results": results}, f, indent=1)

    rill = results[0]
    peer = results[1] if len(results) > 1 else None

    def ratio(x, y):
        return x / y if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y else None

    rb = rill["burst"].get("tokens_per_s")
    rl = rill["rate"].get("latency_ms", {})
    rc = rill["rate"].get("server_cpu_percent")
    if peer:
        pb = peer["burst"].get("tokens_per_s")
        pl = peer["rate"].get("latency_ms", {})
        pc = peer["rate"].get("server_cpu_percent")
        print()
        print("Rill / peer: burst tok/s %sx (higher is better); p99 latency %sx, server CPU %sx (lower is better)"
              % (fmt(ratio(rb, pb), ".2f"), fmt(ratio(rl.get("p99"), pl.get("p99")), ".2f"),
                 fmt(ratio(rc, pc), ".2f")))
    print()
    print("stream: %s tok/s single session (%sx peer); %d sessions @%d tok/s: p50 %s ms, p99 %s ms (peer p99 %s ms); "
          "CPU %s%%; RSS %s KiB/session" % (
              fmt(rb, ",.0f"), fmt(ratio(rb, peer["burst"].get("tokens_per_s")) if peer else None, ".2f"),
              a.sessions, a.rate, fmt(rl.get("p50"), ".2f"), fmt(rl.get("p99"), ".2f"),
              fmt(peer["rate"].get("latency_ms", {}).get("p99") if peer else None, ".2f"),
              fmt(rc, ".1f"), fmt(rill["rate"].get("server_rss_per_session_kib"), ".1f")))
    ok = all(r["rate"].get("ok") and r["burst"].get("ok") for r in results)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
