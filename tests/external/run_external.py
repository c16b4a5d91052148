#!/usr/bin/env python3
"""Builds tests/external (a project outside Rill's tree) against Rill as an
application author would, and runs what it built:

  run_external.py --prefix PREFIX --work DIR     against an installed Rill
  run_external.py --build-tree BUILD --work DIR  against a build tree (Rill_DIR)

Checks that find_package(Rill COMPONENTS Core Qml) works, that the C++ view
and the QML LiveServer serve their pages, and that headers and library agree
on the version."""

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from rillproc import run, serve_and_fetch  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--prefix")
ap.add_argument("--build-tree")
ap.add_argument("--work", required=True)
args = ap.parse_args()
if bool(args.prefix) == bool(args.build_tree):
    ap.error("give --prefix or --build-tree")

build = os.path.join(args.work, "build")
shutil.rmtree(build, ignore_errors=True)
os.makedirs(build)
log = os.path.join(args.work, "build.log")
found = [f"-DCMAKE_PREFIX_PATH={os.path.abspath(args.prefix)}"] if args.prefix \
    else [f"-DRill_DIR={os.path.abspath(args.build_tree)}"]
run(["cmake", "-S", here, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", *found], log=log)
run(["cmake", "--build", build], log=log)

env = dict(os.environ)
env.pop("QML_IMPORT_PATH", None)  # the host must find the module by itself
failures = 0
for program, expected in [("greeter", "Hello, external project!"), ("qmlhost", "Hello from QML")]:
    try:
        status, body, printed = serve_and_fetch([os.path.join(build, program)], env=env)
        if status != 200 or expected not in body:
            raise RuntimeError(f"HTTP {status}, page without {expected!r}:\n{body[:2000]}")
        print(f"ok: {program}: {printed.strip().splitlines()[-1]}")
    except Exception as e:  # noqa: BLE001 - report every program
        failures += 1
        print(f"FAIL: {program}: {e}")
sys.exit(1 if failures else 0)
