"""Helpers for tests that build a project against Rill and run what it built:
start a program that prints the URL it serves, fetch the page, stop it."""

import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request

URL = re.compile(r"(http://127\.0\.0\.1:\d+/\S*)")


def run(cmd, cwd=None, env=None, log=None):
    """Runs a command, raising with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log:
        with open(log, "a") as f:
            f.write("$ " + " ".join(cmd) + "\n" + proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-4000:]}")
    return proc.stdout


def serve_and_fetch(cmd, env=None, timeout=30, path=""):
    """Starts cmd, waits for the first http://127.0.0.1:PORT/ it prints
    (stdout or stderr), GETs that URL (+ path) and returns (status, body).
    The program is stopped afterwards whatever happens."""
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        url = None
        while time.monotonic() < deadline:
            out.seek(0)
            m = URL.search(out.read())
            if m:
                url = m.group(1)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        out.seek(0)
        printed = out.read()
        if not url:
            raise RuntimeError(f"{' '.join(cmd)} printed no URL (exit {proc.poll()}):\n{printed[-3000:]}")
        with urllib.request.urlopen(url.rstrip("/") + "/" + path.lstrip("/"), timeout=10) as r:
            return r.status, r.read().decode(), printed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
