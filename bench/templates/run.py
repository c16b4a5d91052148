#!/usr/bin/python3
"""Template benchmark: Rill vs Django 3.2 vs Jinja2 3.1, same workloads, same data.

  /usr/bin/python3 bench/templates/run.py [--build build]

Builds rill-bench-templates in the given CMake build directory (configured
with -DRILL_BUILD_BENCH=ON), writes the workload contexts there as JSON, runs
the C++ harness and peers.py (Django and Jinja2 in-process), checks the
outputs against each other and prints a table. The last line is
"speedup vs django: N.Nx, vs jinja2: N.Nx", the geometric mean over the
workloads of (peer time / Rill time). Figures are the median of 7 timed
batches of at least 0.2 s each, after a warm-up. See docs/benchmarks.md.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

import workloads  # noqa: E402


def build(build_dir):
    r = subprocess.run(["cmake", "--build", build_dir, "--target", "rill-bench-templates"])
    if r.returncode != 0:
        sys.exit("run.py: building rill-bench-templates in %s failed; configure it with\n"
                 "  cmake -S %s -B %s -G Ninja -DRILL_BUILD_BENCH=ON" % (build_dir, ROOT, build_dir))


def normalise_entities(html):
    # Django and MarkupSafe spell the same escapes differently.
    return html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")


def compare(out_dir, name, a, b, normalise=False):
    """Returns a short note on how output a differs from output b."""
    pa = os.path.join(out_dir, "%s-%s.html" % (a, name))
    pb = os.path.join(out_dir, "%s-%s.html" % (b, name))
    if not (os.path.exists(pa) and os.path.exists(pb)):
        return "n/a"
    with open(pa, encoding="utf-8") as f:
        ta = f.read()
    with open(pb, encoding="utf-8") as f:
        tb = f.read()
    if normalise:
        ta, tb = normalise_entities(ta), normalise_entities(tb)
    if ta == tb:
        return "identical" + (" (modulo entity spelling)" if normalise else "")
    la, lb = ta.splitlines(), tb.splitlines()
    diff = sum(1 for x, y in zip(la, lb) if x != y) + abs(len(la) - len(lb))
    return "%d of %d lines differ" % (diff, max(len(la), len(lb)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="CMake build directory (default: build)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build rill-bench-templates first")
    ap.add_argument("--quick", action="store_true", help="short batches: a smoke test, not a measurement")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run everything N times, keeping each engine's fastest median (for busy machines)")
    ap.add_argument("--json", help="also write all raw figures to this file")
    args = ap.parse_args()

    build_dir = os.path.abspath(args.build)
    if not args.no_build:
        build(build_dir)
    exe = os.path.join(build_dir, "bin", "rill-bench-templates")
    if not os.path.exists(exe):
        sys.exit("run.py: %s not found" % exe)

    work = os.path.join(build_dir, "bench-templates")
    data_dir = os.path.join(work, "data")
    out_dir = os.path.join(work, "out")
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    for name, _ in workloads.WORKLOADS:
        with open(os.path.join(data_dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(workloads.context(name), f, ensure_ascii=False)

    quick = ["--quick"] if args.quick else []
    rill, peers = None, None
    for _ in range(args.repeat):
        r = json.loads(subprocess.run([exe, "--data", data_dir, "--dump", out_dir] + quick,
                                      check=True, stdout=subprocess.PIPE, text=True).stdout)["rill"]
        p = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "peers.py"), "--dump", out_dir] + quick,
                                      check=True, stdout=subprocess.PIPE, text=True).stdout)
        # With --repeat, keep each engine's fastest run of each workload (least disturbed by other load).
        rill = r if rill is None else {k: min(v, r.get(k, v), key=lambda e: e.get("median_ns", math.inf))
                                       for k, v in rill.items()}
        if peers is None:
            peers = p
        else:
            for engine in ("django", "jinja2"):
                for k, v in p[engine].items():
                    if v["median_ns"] < peers[engine][k]["median_ns"]:
                        peers[engine][k] = v

    print()
    print("Template benchmark: median time per render of %s batches (µs)%s; ratio = peer / Rill"
          % ("3 short" if args.quick else "7",
             ", fastest of %d runs" % args.repeat if args.repeat > 1 else ""))
    print("Django %s, Jinja2 %s, Python %s" % (peers["versions"]["django"], peers["versions"]["jinja2"],
                                             peers["versions"]["python"]))
    print()
    header = "%-8s %12s %12s %12s %10s %10s" % ("workload", "rill µs", "django µs", "jinja2 µs", "x django", "x jinja2")
    print(header)
    print("-" * len(header))
    ratios_d, ratios_j = [], []
    notes = []
    for name, _ in workloads.WORKLOADS:
        r = rill.get(name, {})
        d = peers["django"][name]["median_ns"]
        j = peers["jinja2"][name]["median_ns"]
        if "median_ns" not in r:
            print("%-8s %12s %12.1f %12.1f %10s %10s" % (name, "n/a", d / 1e3, j / 1e3, "-", "-"))
            notes.append("%s: Rill could not render it: %s" % (name, r.get("error", "not run")))
            continue
        rd, rj = d / r["median_ns"], j / r["median_ns"]
        ratios_d.append(rd)
        ratios_j.append(rj)
        print("%-8s %12.1f %12.1f %12.1f %9.1fx %9.1fx" % (name, r["median_ns"] / 1e3, d / 1e3, j / 1e3, rd, rj))
    print()
    print("Output checks (rill vs django must be identical; jinja2 templates are translations):")
    for name, _ in workloads.WORKLOADS:
        print("  %-6s rill vs django: %s; jinja2 vs django: %s"
              % (name, compare(out_dir, name, "rill", "django"),
                 compare(out_dir, name, "jinja2", "django", normalise=True)))
    for n in notes:
        print("  note: " + n)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rill": rill, **peers}, f, indent=1)
    print()

    def geo(xs):
        return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")

    print("speedup vs django: %.1fx, vs jinja2: %.1fx" % (geo(ratios_d), geo(ratios_j)))


if __name__ == "__main__":
    main()
