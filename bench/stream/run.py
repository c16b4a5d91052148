#!/usr/bin/python3
"""Streaming benchmark: Rill vs a Django Channels/daphne peer, same workload,
same load generator, both measured in the same run.

  /usr/bin/python3 bench/stream/run.py --build build-bench            # quick, < 3 min
  /usr/bin/python3 bench/stream/run.py --build build-bench --curve    # to where each breaks
  /usr/bin/python3 bench/stream/run.py --build build-bench --sessions 100,1000,3000,5000

Needs rill-bench-stream-server and rill-bench-stream-load in BUILD/bin (a
build with -DRILL_BUILD_BENCH=ON, the default) and python3-daphne for the
peer (peer.py); builds nothing. Each point is a fresh server process on
127.0.0.1, port 0:

  rate   N sessions (each: GET the page, open the socket, join), then a "run"
         event on each, started evenly over --ramp s; each streams --rate
         tokens/s for --seconds s, one token per frame (tokens 33 ms apart,
         batch interval 16 ms). Measured over the steady window (all sessions
         streaming: from ramp + 1 s to the first run's end - 0.5 s): server
         CPU (utime+stime from /proc/PID/stat) per frame and per token,
         emit->receive latency per token (p50/p90/p99/max, token NS = its due
         time), tokens per frame, client CPU; server RSS per session idle
         ((VmRSS joined - VmRSS before) / N) and streaming ((VmRSS at the
         window's end - VmRSS before) / N); open fds.
  burst  one session, --tokens tokens as fast as the server emits them,
         yielding after each: tokens/s delivered, best of 2.

Rill runs with Qt's default (glib) event dispatcher and with QT_NO_GLIB=1
(Qt's own UNIX dispatcher), reported side by side. A point "holds" when it
has no errors and its window p99 <= --p99-ms (50). --curve raises the session
count until each server fails that (one point beyond), and prints the largest
count each held. Every token is checked (once, in order, per session); the
exit status is non-zero if a point that should hold lost or reordered one.
See docs/benchmarks.md ("Streaming").
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True

QUICK_SESSIONS = [100, 1000, 3000]
CURVE_SESSIONS = [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 15000]


def git_state():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "core"], capture_output=True,
                               text=True, timeout=10).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
        return head, dirty
    except (OSError, subprocess.SubprocessError):
        return "?", []


class Server:
    """A server process; stdout and stderr go to files (a full pipe would stall it)."""

    def __init__(self, cmd, env=None):
        self.out = tempfile.NamedTemporaryFile(prefix="rill-stream-", suffix=".out", delete=False)
        self.err = tempfile.NamedTemporaryFile(prefix="rill-stream-", suffix=".err", delete=False)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, env=env, start_new_session=True)
        end = time.monotonic() + 30
        self.port = self.pid = self.nofile = None
        while time.monotonic() < end and self.proc.poll() is None:
            with open(self.out.name, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("listening port"):
                        w = line.split()
                        self.port, self.pid, self.nofile = int(w[2]), int(w[4]), int(w[6])
            if self.port:
                return
            time.sleep(0.05)
        self.stop()
        sys.exit("run.py: %s did not start: %s" % (cmd[0], self.stderr()[-2000:]))

    def stderr(self):
        with open(self.err.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)

    def cleanup(self):
        self.stop()
        for f in (self.out, self.err):
            f.close()
            try:
                os.unlink(f.name)
            except OSError:
                pass


def run_load(load, server, args, timeout):
    cmd = [load, "--port", str(server.port), "--server-pid", str(server.pid), "--timeout", str(timeout)] + args
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return {"ok": False, "errors": ["load generator killed after %d s" % (timeout + 30)]}
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"ok": False, "errors": ["load generator printed no JSON (exit %d): %s" % (r.returncode, r.stderr[-500:])]}


VARIANTS = {
    "rill": "Rill (glib dispatcher)",
    "rill-noglib": "Rill (QT_NO_GLIB=1)",
    "peer": "Channels/daphne",
    "floor": "floor (bare epoll)",
}


def server_cmd(variant, bindir):
    env = dict(os.environ)
    env.pop("QT_NO_GLIB", None)
    if variant == "peer":
        return [sys.executable, os.path.join(HERE, "peer.py"), "--port", "0"], env
    if variant == "floor":
        return [os.path.join(bindir, "rill-bench-stream-floor"), "--port", "0"], env
    if variant == "rill-noglib":
        env["QT_NO_GLIB"] = "1"
    return [os.path.join(bindir, "rill-bench-stream-server"), "--port", "0"], env


def rate_point(variant, sessions, a, bindir, load):
    cmd, env = server_cmd(variant, bindir)
    load0 = os.getloadavg()[0]
    server = Server(cmd, env)
    try:
        if server.nofile < sessions + 64:
            return {"variant": variant, "sessions": sessions, "load": load0,
                    "result": {"ok": False, "errors": ["server RLIMIT_NOFILE %d < %d" % (server.nofile, sessions + 64)]}}
        # Connects take ~0.3 ms (Rill) to a few ms (peer) each; leave room.
        timeout = int(30 + sessions * 0.01 + a.seconds * 3)
        res = run_load(load, server, ["--sessions", str(sessions), "--mode", "rate", "--rate", str(a.rate),
                                      "--seconds", str(a.seconds), "--ramp", str(a.ramp),
                                      "--connect-concurrency", "128", "--finish-within", str(a.finish_within)],
                       timeout)
        err = server.stderr()
    finally:
        server.cleanup()
    return {"variant": variant, "sessions": sessions, "load": load0, "load_end": os.getloadavg()[0],
            "result": res, "server_stderr_lines": len(err.splitlines()), "server_stderr_tail": err[-600:]}


def burst_point(variant, a, bindir, load):
    cmd, env = server_cmd(variant, bindir)
    server = Server(cmd, env)
    best = None
    try:
        for _ in range(2):
            r = run_load(load, server, ["--sessions", "1", "--mode", "burst", "--tokens", str(a.tokens),
                                        "--chunk", "1", "--ramp", "0"], 60)
            if best is None or (r.get("ok") and r.get("tokens_per_s", 0) > best.get("tokens_per_s", 0)):
                best = r
    finally:
        server.cleanup()
    return best


def holds(point, p99_ms):
    r = point["result"]
    w = r.get("latency_window_ms", {})
    return bool(r.get("ok")) and w.get("n", 0) > 0 and w.get("p99", 1e9) <= p99_ms


def f(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def print_table(points, p99_ms):
    head = ("%-22s %6s %8s %7s %7s %8s %8s %8s %8s %9s %7s %7s %8s %8s %6s %5s %5s" %
            ("server", "sess", "frames/s", "tok/fr", "srvCPU%", "us/frame", "us/token", "p50 ms", "p99 ms",
             "max ms", "cliCPU%", "cli us", "KiB idle", "KiB strm", "wait%", "psi%", "holds"))
    print(head)
    print("-" * len(head))
    for p in points:
        r = p["result"]
        w = r.get("window", {})
        lat = r.get("latency_window_ms", {})
        print("%-22s %6d %8s %7s %7s %8s %8s %8s %8s %9s %7s %7s %8s %8s %6s %5s %5s" % (
            VARIANTS[p["variant"]], p["sessions"], f(w.get("frames_per_s"), ",.0f"), f(w.get("tokens_per_frame"), ".2f"),
            f(w.get("server_cpu_percent"), ".1f"), f(w.get("server_us_per_frame"), ".1f"),
            f(w.get("server_us_per_token"), ".1f"), f(lat.get("p50"), ".2f"), f(lat.get("p99"), ".2f"),
            f(lat.get("max"), ".1f"), f(w.get("client_cpu_percent"), ".1f"), f(w.get("client_us_per_frame"), ".1f"),
            f(r.get("server_rss_per_idle_session_kib"), ".1f"), f(r.get("server_rss_per_streaming_session_kib"), ".1f"),
            f(w.get("server_runqueue_wait_percent"), ".0f"), f(w.get("cpu_pressure_some_percent"), ".0f"),
            "yes" if holds(p, p99_ms) else "NO"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-bench", help="CMake build directory (default: build-bench)")
    ap.add_argument("--sessions", help="comma-separated session counts (default 100,1000,3000; "
                                       "with --curve %s)" % ",".join(map(str, CURVE_SESSIONS)))
    ap.add_argument("--curve", action="store_true", help="raise sessions until each server fails p99 <= --p99-ms")
    ap.add_argument("--rate", type=int, default=30, help="tokens/s per session")
    ap.add_argument("--seconds", type=float, default=None, help="answer length, s (8; 16 with --curve)")
    ap.add_argument("--ramp", type=float, default=None, help="runs start spread over this many s (1.5; 3 with --curve)")
    ap.add_argument("--p99-ms", type=float, default=50)
    ap.add_argument("--finish-within", type=float, default=5,
                    help="stop a point this many s after its window when runs are still unfinished (server behind)")
    ap.add_argument("--tokens", type=int, default=200000, help="tokens in the single-session burst")
    ap.add_argument("--no-burst", action="store_true")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-noglib", action="store_true", help="skip Rill with QT_NO_GLIB=1")
    ap.add_argument("--no-floor", action="store_true", help="skip the bare-epoll reference server (floor.cpp)")
    ap.add_argument("--json", help="also write every raw figure to this file")
    a = ap.parse_args()
    if a.seconds is None:
        a.seconds = 16 if a.curve else 8
    if a.ramp is None:
        a.ramp = 3 if a.curve else 1.5
    counts = [int(x) for x in a.sessions.split(",")] if a.sessions else (CURVE_SESSIONS if a.curve else QUICK_SESSIONS)

    bindir = os.path.join(os.path.abspath(a.build), "bin")
    load = os.path.join(bindir, "rill-bench-stream-load")
    for exe in (os.path.join(bindir, "rill-bench-stream-server"), load) + (
            () if a.no_floor else (os.path.join(bindir, "rill-bench-stream-floor"),)):
        if not os.path.exists(exe):
            sys.exit("run.py: %s not found; build it with\n  cmake -S %s -B BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release"
                     " && cmake --build BUILD --target rill-bench-stream-server rill-bench-stream-load rill-bench-stream-floor"
                     % (exe, ROOT))

    variants = (["rill"] + ([] if a.no_noglib else ["rill-noglib"]) + ([] if a.no_peer else ["peer"]) +
                ([] if a.no_floor else ["floor"]))
    head, dirty = git_state()
    t0 = time.monotonic()
    loads = [os.getloadavg()[0]]
    print("Streaming benchmark: %s sessions x %d tok/s, answers of %g s, ramp %g s; tree %s%s" % (
        ",".join(map(str, counts)), a.rate, a.seconds, a.ramp, head,
        " + uncommitted changes in " + ", ".join(dirty) if dirty else ""), flush=True)

    points = []
    broken = {v: 0 for v in variants}
    for n in counts:
        for v in variants:
            if a.curve and broken[v] >= 1:
                continue  # one point beyond where it broke is enough
            p = rate_point(v, n, a, bindir, load)
            points.append(p)
            loads.append(p["load"])
            r = p["result"]
            w = r.get("window", {})
            print("  %-22s %6d sessions: p99 %s ms, %s us/frame, %s tok/frame, load %.2f, wait %s%%, %s%s" % (
                VARIANTS[v], n, f(r.get("latency_window_ms", {}).get("p99"), ".2f"),
                f(w.get("server_us_per_frame"), ".1f"), f(w.get("tokens_per_frame"), ".2f"), p["load"],
                f(w.get("server_runqueue_wait_percent"), ".0f"),
                "holds" if holds(p, a.p99_ms) else "does not hold",
                "" if r.get("ok") else " (errors: %s)" % "; ".join(r.get("errors", [])[:3])), flush=True)
            if not holds(p, a.p99_ms):
                broken[v] += 1

    bursts = {}
    if not a.no_burst:
        for v in ["rill"] + ([] if a.no_peer else ["peer"]):
            bursts[v] = burst_point(v, a, bindir, load)
    loads.append(os.getloadavg()[0])

    print()
    print("load average (1 min) over the run: %.2f .. %.2f (%d cores); %.0f s" % (
        min(loads), max(loads), os.cpu_count(), time.monotonic() - t0))
    print()
    print_table(points, a.p99_ms)
    print()
    print("window = all sessions streaming; us/frame and us/token = server CPU (user+sys) / frames or tokens "
          "received; KiB idle/strm = server RSS per session joined / while streaming; wait% = share of the window "
          "the server was runnable but waiting for a CPU (/proc/PID/schedstat); psi% = share in which any task "
          "was (/proc/pressure/cpu 'some'): other jobs on the machine")

    # Ratios against the peer measured in the same run.
    by = {(p["variant"], p["sessions"]): p for p in points}
    summary = []
    if not a.no_peer:
        print()
        print("Rill / peer, CPU per frame (goal <= 0.1):")
        for n in counts:
            for v in ["rill", "rill-noglib"]:
                rp, pp = by.get((v, n)), by.get(("peer", n))
                if not rp or not pp:
                    continue
                ru = rp["result"].get("window", {}).get("server_us_per_frame")
                pu = pp["result"].get("window", {}).get("server_us_per_frame")
                if isinstance(ru, (int, float)) and isinstance(pu, (int, float)) and pu > 0:
                    print("  %6d sessions  %-22s %7.1f us vs %7.1f us: %.3fx%s" % (
                        n, VARIANTS[v], ru, pu, ru / pu,
                        "" if holds(pp, a.p99_ms) else "  (peer does not hold this load: its frames carry %s tokens)"
                        % f(pp["result"].get("window", {}).get("tokens_per_frame"), ".2f")))
                    if v == "rill":
                        summary.append("%d: %.1f/%.1f us (%.3fx)" % (n, ru, pu, ru / pu))
    if not a.no_floor:
        print()
        print("Rill / floor (bare epoll server, same frames, one write each), CPU per frame:")
        for n in counts:
            for v in ["rill", "rill-noglib"]:
                rp, fp = by.get((v, n)), by.get(("floor", n))
                if not rp or not fp:
                    continue
                ru = rp["result"].get("window", {}).get("server_us_per_frame")
                fu = fp["result"].get("window", {}).get("server_us_per_frame")
                if isinstance(ru, (int, float)) and isinstance(fu, (int, float)) and fu > 0:
                    print("  %6d sessions  %-22s %7.1f us vs %7.1f us: %.2fx" % (n, VARIANTS[v], ru, fu, ru / fu))
    held = {}
    for v in variants:
        ok = [p["sessions"] for p in points if p["variant"] == v and holds(p, a.p99_ms)]
        held[v] = max(ok) if ok else 0
    print()
    print("largest session count holding p99 <= %g ms (of those run): %s" % (
        a.p99_ms, ", ".join("%s %d" % (VARIANTS[v], held[v]) for v in variants)))
    if bursts:
        print("burst, 1 session: %s" % ", ".join(
            "%s %s tok/s (%s us of server CPU per token)" % (
                VARIANTS[v], f(b.get("tokens_per_s"), ",.0f"), f(b.get("server_us_per_token"), ".2f"))
            for v, b in bursts.items()))
    for p in points:
        for e in p["result"].get("errors", [])[:5]:
            print("  %s %d: %s" % (VARIANTS[p["variant"]], p["sessions"], e))

    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"args": vars(a), "tree": {"head": head, "dirty": dirty}, "loads": loads, "points": points,
                       "bursts": bursts, "held": held}, fh, indent=1)

    print()
    print("stream: CPU/frame Rill/peer %s; p99<=%gms held: Rill %d, Rill QT_NO_GLIB %s, peer %s sessions%s" % (
        ", ".join(summary) if summary else "n/a", a.p99_ms, held.get("rill", 0),
        held.get("rill-noglib", "-"), held.get("peer", "-"),
        "; burst %s vs %s tok/s" % (f(bursts.get("rill", {}).get("tokens_per_s"), ",.0f"),
                                    f(bursts.get("peer", {}).get("tokens_per_s"), ",.0f")) if bursts else ""))
    # Correctness: a point may fail to hold the latency, but tokens must never be lost or reordered.
    bad = [p for p in points if p["result"].get("error_kinds", {}).keys() & {"order", "seq_gap", "incomplete", "lost",
                                                                            "malformed_token", "bad_frame"}]
    bad += [b for b in bursts.values() if not b or not b.get("ok")]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
