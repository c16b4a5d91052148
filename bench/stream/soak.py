#!/usr/bin/python3
"""Streaming soak: many sessions streaming answer after answer for minutes,
some reading slowly, all of them cut now and then and resuming, against one
Rill server; everything that should stay flat is recorded over time.

  /usr/bin/python3 bench/stream/soak.py --build build-bench --minutes 10

Defaults: 1,000 sessions; each streams answers of 20 s at 30 tokens/s (one
token per frame), pausing 0.5-2 s between answers, from the end of a 20 s ramp
until --minutes have passed; 10 % are slow readers (1 KiB/s, a quarter of
what a session streams, with a 4 KiB receive buffer, so the server's flow
control engages); every session's socket is cut after an exponential time of
mean --cut-mean s (120), half with FIN, half with RST, and reconnects with the
web client's backoff (100-200 ms at first), joining with the last seq it
applied (docs/protocol.md, "Resuming"); 2 % of answers' events
(--cut-after-run) are followed at once by a cut, so the event may die
unread, and a resume resends it unless the mount's lastRef shows it was read
(docs/protocol.md, "Events across a lost socket"). The load generator
(rill-bench-stream-load) checks that every token arrives exactly once and in
order, frames at or below lastSeq skipped; a mount with `lost: true`, a
session the server no longer knows, a run that ends without all its tokens
are failures.

Writes to --out (bench/stream/out): soak.csv (one row per --interval s:
latency p50/p90/p99/max of live tokens of normal readers, slow readers' p50
and p99, tokens recovered after a resume, cuts, resumes, server RSS, open
fds, CPU; plus the server's own statistics: connections, sessions, bytes
queued, held for slow readers and kept for replay), soak.json (the summary)
and soak.png (plot_soak.py). Prints whether RSS, fds and p99 stayed flat.
The server runs with the reconnect grace Rill uses by default (60 s).
"""

import argparse
import csv
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


def start_server(cmd, env):
    out = tempfile.NamedTemporaryFile(prefix="rill-soak-", suffix=".out", delete=False)
    err = tempfile.NamedTemporaryFile(prefix="rill-soak-", suffix=".err", delete=False)
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
    end = time.monotonic() + 30
    while time.monotonic() < end and proc.poll() is None:
        with open(out.name, encoding="utf-8") as f:
            for line in f:
                if line.startswith("listening port"):
                    w = line.split()
                    return proc, out.name, err.name, int(w[2]), int(w[4])
        time.sleep(0.05)
    stop(proc)
    sys.exit("soak.py: the server did not start")


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


def parse_stats(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("stats "):
                continue
            d = {}
            for kv in line.split()[1:]:
                k, _, v = kv.partition("=")
                d[k] = float(v)
            rows.append(d)
    return rows


def slope_per_min(xs, ys):
    n = len(xs)
    if n < 3:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=30)
    ap.add_argument("--answer-seconds", type=float, default=20)
    ap.add_argument("--ramp", type=float, default=20, help="first answers start spread over this many s")
    ap.add_argument("--slow-fraction", type=float, default=0.1)
    ap.add_argument("--slow-bps", type=float, default=1024)
    ap.add_argument("--cut-mean", type=float, default=120, help="mean seconds between cuts of one session's socket")
    ap.add_argument("--cut-after-run", type=float, default=0.02,
                    help="chance of a cut (RST) right after sending an answer's event")
    ap.add_argument("--grace", type=int, default=60000, help="server reconnect grace, ms")
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--noglib", action="store_true", help="run the server with QT_NO_GLIB=1")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()

    bindir = os.path.join(os.path.abspath(a.build), "bin")
    server_exe = os.path.join(bindir, "rill-bench-stream-server")
    load = os.path.join(bindir, "rill-bench-stream-load")
    for exe in (server_exe, load):
        if not os.path.exists(exe):
            sys.exit("soak.py: %s not found (cmake --build BUILD --target rill-bench-stream-server "
                     "rill-bench-stream-load)" % exe)
    os.makedirs(a.out, exist_ok=True)
    env = dict(os.environ)
    env.pop("QT_NO_GLIB", None)
    if a.noglib:
        env["QT_NO_GLIB"] = "1"

    load0 = os.getloadavg()
    seconds = a.minutes * 60
    stats_ms = int(a.interval * 1000)
    proc, out_path, err_path, port, pid = start_server(
        [server_exe, "--port", "0", "--grace", str(a.grace), "--stats-ms", str(stats_ms)], env)
    csv_path = os.path.join(a.out, "soak.csv")
    raw_csv = csv_path + ".load"
    print("soak: %d sessions, answers of %g s at %d tok/s, %g min after a %g s ramp, %d%% slow readers at %g B/s, "
          "cuts every %g s per session on average; server pid %d; load average %.2f" % (
              a.sessions, a.answer_seconds, a.rate, a.minutes, a.ramp, round(a.slow_fraction * 100), a.slow_bps,
              a.cut_mean, pid, load0[0]), flush=True)
    cmd = [load, "--port", str(port), "--server-pid", str(pid), "--sessions", str(a.sessions), "--mode", "rate",
           "--rate", str(a.rate), "--seconds", str(a.answer_seconds), "--duration", str(seconds), "--ramp", str(a.ramp),
           "--slow-fraction", str(a.slow_fraction), "--slow-bps", str(a.slow_bps), "--cut-mean", str(a.cut_mean),
           "--cut-after-run", str(a.cut_after_run),
           "--interval", str(a.interval), "--csv", raw_csv, "--timeout", str(seconds + a.ramp + 300)]
    loads = [load0[0]]
    try:
        lp = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while lp.poll() is None:
            time.sleep(5)
            loads.append(os.getloadavg()[0])
        stdout, stderr = lp.communicate()
    finally:
        stop(proc)
    try:
        summary = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit("soak.py: the load generator printed no summary: %s" % stderr[-2000:])
    stats = parse_stats(out_path)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        server_err = f.read()
    for p in (out_path, err_path):
        os.unlink(p)

    # Merge the server's statistics into the load generator's rows (nearest in time).
    t0 = summary.get("t0_monotonic_s", 0)
    with open(raw_csv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    os.unlink(raw_csv)
    keys = ["connections", "websockets", "sessions", "queued", "held", "replay", "dropped", "streams", "lag_max_ms"]
    j = 0
    for r in rows:
        t = float(r["t_s"]) + t0
        while j + 1 < len(stats) and abs(stats[j + 1]["t"] - t) <= abs(stats[j]["t"] - t):
            j += 1
        for k in keys:
            r["srv_" + k] = stats[j].get(k, "") if stats else ""
    fields = list(rows[0].keys()) if rows else []
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)

    # Flatness over the steady part: from one answer after the ramp to the end of the soak.
    start = a.ramp + a.answer_seconds + 10
    end = a.ramp + seconds
    steady = [r for r in rows if start <= float(r["t_s"]) <= end and int(r["live_n"]) > 0]
    xs = [float(r["t_s"]) for r in steady]
    rss = [int(r["server_rss_kib"]) / 1024 for r in steady]
    fds = [int(r["server_fds"]) for r in steady]
    p99 = [float(r["live_p99_ms"]) for r in steady]
    third = max(1, len(steady) // 3)
    verdict = {
        "steady_from_s": start,
        "rss_mib_first_third": median(rss[:third]), "rss_mib_last_third": median(rss[-third:]),
        "rss_slope_mib_per_min": slope_per_min(xs, rss),
        "fds_min": min(fds) if fds else None, "fds_max": max(fds) if fds else None,
        "p99_ms_median_first_third": median(p99[:third]), "p99_ms_median_last_third": median(p99[-third:]),
        "p99_ms_max_interval": max(p99) if p99 else None,
        "p99_slope_ms_per_min": slope_per_min(xs, p99),
        "replay_mib_last": (float(rows[-1].get("srv_replay") or 0) / 2**20) if rows else None,
        "load_average": [min(loads), max(loads)],
        "server_stderr_lines": len(server_err.splitlines()),
    }
    summary["flatness"] = verdict
    summary["args"] = vars(a)
    summary["server_stderr_tail"] = server_err[-3000:]
    with open(os.path.join(a.out, "soak.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)

    lat, slow, rec = summary.get("latency_ms", {}), summary.get("latency_slow_ms", {}), summary.get("latency_recovered_ms", {})
    print()
    print("tokens %s in %s frames, %s answers; errors %s %s" % (
        summary.get("tokens"), summary.get("frames"), summary.get("runs"), summary.get("error_count"),
        summary.get("error_kinds")))
    print("live tokens, normal readers: p50 %.2f ms, p99 %.2f ms, max %.1f ms (n=%d)" % (
        lat.get("p50", 0), lat.get("p99", 0), lat.get("max", 0), lat.get("n", 0)))
    print("live tokens, slow readers:   p50 %.0f ms, p99 %.0f ms (n=%d)" % (slow.get("p50", 0), slow.get("p99", 0),
                                                                          slow.get("n", 0)))
    print("recovered after a resume:    p50 %.0f ms, p99 %.0f ms (n=%d)" % (rec.get("p50", 0), rec.get("p99", 0),
                                                                          rec.get("n", 0)))
    print("cuts %s, resumes %s (replayed frames %s, restores %s, lost %s, events resent %s), "
          "server closes %s (too far behind %s)" % (
              summary.get("cuts"), summary.get("resumes"), summary.get("replayed_frames"), summary.get("restores"),
              summary.get("lost"), summary.get("events_resent"), summary.get("server_closes"),
              summary.get("dropped_too_far_behind")))
    print("steady part (from %.0f s): RSS %.1f -> %.1f MiB (slope %+.2f MiB/min), fds %s..%s, "
          "p99 per interval median %.2f -> %.2f ms (max %.1f, slope %+.3f ms/min)" % (
              start, verdict["rss_mib_first_third"], verdict["rss_mib_last_third"], verdict["rss_slope_mib_per_min"],
              verdict["fds_min"], verdict["fds_max"], verdict["p99_ms_median_first_third"],
              verdict["p99_ms_median_last_third"], verdict["p99_ms_max_interval"] or 0,
              verdict["p99_slope_ms_per_min"]))
    print("load average %.2f .. %.2f; server stderr lines: %d" % (min(loads), max(loads),
                                                                 verdict["server_stderr_lines"]))
    for e in summary.get("errors", [])[:10]:
        print("  " + e)
    print("wrote %s, %s" % (csv_path, os.path.join(a.out, "soak.json")))
    if not a.no_plot:
        r = subprocess.run([sys.executable, os.path.join(HERE, "plot_soak.py"), csv_path,
                            os.path.join(a.out, "soak.png")])
        if r.returncode != 0:
            print("soak.py: plotting failed (python3-matplotlib installed?)")
    sys.exit(0 if summary.get("ok") else 1)


if __name__ == "__main__":
    main()
