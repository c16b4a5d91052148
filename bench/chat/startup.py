#!/usr/bin/python3
"""rill-chat's window: time from launch to a usable composer, and memory.

Starts build/bin/rill-chat (offline demo, fresh data and config folders)
and, interleaved with it, rill-bench-chat-floor (a bare QWebEngineView with a
focused text field: what any Qt WebEngine window costs). Each run measures
the wall time from the launch to the moment the page is connected and its
composer focused (rill-chat prints "rill-chat: ready" when started with
RILL_CHAT_REPORT_READY=1), and the memory of the whole process tree then
(PSS, so libraries shared between the processes count once; RSS too).
Runs on Qt's offscreen platform unless --platform says otherwise.

  /usr/bin/python3 bench/chat/startup.py [--build build-bench] [--runs 7] [--platform offscreen|xcb]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def tree(pid):
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out.extend(tree(int(child)))
    except OSError:
        pass
    return out


def memory_kib(pid):
    pss = rss = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def launch(argv, ready, env, timeout=60):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = start + timeout
        for line in proc.stderr:
            if ready in line:
                elapsed = (time.perf_counter() - start) * 1000
                time.sleep(0.5)  # what the page does right after (highlighting, fonts) counts too
                pss, rss = memory_kib(proc.pid)
                return elapsed, pss, rss
            if time.perf_counter() > deadline:
                break
        raise RuntimeError(f"{argv[0]}: no '{ready}' line")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", default="offscreen")
    args = parser.parse_args()
    build = os.path.join(ROOT, args.build)
    subprocess.run(["cmake", "--build", build, "--target", "rill-chat", "rill-bench-chat-floor"], check=True,
                   stdout=subprocess.DEVNULL)
    results = {"rill-chat": [], "floor": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM=args.platform, RILL_CHAT_REPORT_READY="1",
                   XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_CACHE_HOME=os.path.join(tmp, "cache"))
        if os.geteuid() == 0:
            env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # as rill-chat does for root; the floor too, for fairness
        for run in range(args.runs):
            data = os.path.join(tmp, f"data{run}")
            results["rill-chat"].append(launch([os.path.join(build, "bin", "rill-chat"), "--provider", "demo",
                                                "--data-dir", data], "rill-chat: ready", env))
            results["floor"].append(launch([os.path.join(build, "bin", "rill-bench-chat-floor")], "floor: ready", env))

    def med(name, i):
        return statistics.median(r[i] for r in results[name])

    print(f"Window start on Qt's {args.platform} platform, {args.runs} runs each, interleaved (medians)")
    print(f"{'':<22} {'launch -> composer':>19} {'PSS':>9} {'RSS':>9}")
    for name in ("rill-chat", "floor"):
        print(f"{name:<22} {med(name, 0):>16.0f} ms {med(name, 1) / 1024:>6.0f} MiB {med(name, 2) / 1024:>6.0f} MiB")
    print(f"rill-chat / floor: {med('rill-chat', 0) / med('floor', 0):.2f}x the time, "
          f"{med('rill-chat', 1) / med('floor', 1):.2f}x the memory (PSS); goal: <= 1500 ms to a usable composer")
    print("best launch: rill-chat %.0f ms, floor %.0f ms" % (min(r[0] for r in results["rill-chat"]),
                                                             min(r[0] for r in results["floor"])))


if __name__ == "__main__":
    sys.exit(main())
