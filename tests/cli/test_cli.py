#!/usr/bin/env python3
"""The command line of every Rill program, as a user meets it: --version,
--help without a display, exit status 2 and a clear message for a bad flag
or value, and rill-chat's answers to running as root or without a display.

  RILL_BIN_DIR=build/bin python3 tests/cli/test_cli.py   (CTest: cli.programs)
"""

import os
import re
import subprocess
import tempfile
import threading
import unittest

BIN = os.environ.get("RILL_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
PROGRAMS = ["rill-render", "rill-view", "rill-chat", "rill-examples"]
VERSION = os.environ.get("RILL_VERSION", "")


def no_display_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "QTWEBENGINE_DISABLE_SANDBOX",
                        "QTWEBENGINE_CHROMIUM_FLAGS")}
    env.update(extra)
    return env


def run(program, *args, env=None, timeout=30):
    return subprocess.run([os.path.join(BIN, program), *args], env=env or no_display_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


class EveryProgram(unittest.TestCase):
    def test_version(self):
        for p in PROGRAMS:
            with self.subTest(p):
                r = run(p, "--version")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.stdout, rf"^{p} \d+\.\d+\.\d+\n$")
                if VERSION:
                    self.assertEqual(r.stdout.split()[1], VERSION)

    def test_help_needs_no_display(self):
        for p in PROGRAMS:
            for flag in ("--help", "-h", "--help-all"):
                with self.subTest(p=p, flag=flag):
                    r = run(p, flag)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertTrue(r.stdout.startswith(f"Usage: {p} "), r.stdout[:200])
                    self.assertIn("--version", r.stdout)
                    self.assertEqual(r.stderr, "")

    def test_unknown_flag_is_a_usage_error(self):
        for p in PROGRAMS:
            with self.subTest(p):
                r = run(p, "--no-such-flag")
                self.assertEqual(r.returncode, 2)
                self.assertEqual(r.stderr, f"{p}: Unknown option 'no-such-flag'.\n"
                                           f"Try '{p} --help' for more information.\n")

    def test_missing_value(self):
        for p, flag in [("rill-examples", "--port"), ("rill-chat", "--listen"), ("rill-render", "--dir"),
                        ("rill-view", "--port")]:
            with self.subTest(p):
                r = run(p, flag)
                self.assertEqual(r.returncode, 2)
                self.assertIn("Missing value after", r.stderr)


class BadValues(unittest.TestCase):
    CASES = [
        ("rill-examples", ["--port", "abc"], "--port needs a whole number from 0 to 65535, got 'abc'"),
        ("rill-examples", ["--port", "70000"], "--port needs a whole number from 0 to 65535, got '70000'"),
        ("rill-examples", ["--tokens", "-1"], "--tokens needs a whole number from 0"),
        ("rill-examples", ["--tokens-per-second", "0"], "--tokens-per-second needs a number > 0, got '0'"),
        ("rill-examples", ["--listen", "localhost:80"], "--listen needs an IP address"),
        ("rill-examples", ["--batch-interval", "soon"], "--batch-interval needs a whole number"),
        ("rill-chat", ["--serve", "--listen", "somewhere"], "--listen needs ADDRESS:PORT"),
        ("rill-chat", ["--serve", "--listen", "127.0.0.1:99999"], "--listen needs ADDRESS:PORT"),
        ("rill-chat", ["--serve", "--log-lines", "lots"], "--log-lines needs a whole number"),
        ("rill-chat", ["--serve", "--provider", "skynet"], 'Unknown provider "skynet"'),
        ("rill-chat", ["--serve", "--openai-base-url", "ftp://x"], "--openai-base-url needs an http:// or https://"),
        ("rill-chat", ["--serve", "--ollama-host", "http://"], "--ollama-host needs an http:// or https://"),
        ("rill-chat", ["--no-auth"], "--no-auth only applies to --serve"),
        ("rill-chat", ["--serve", "stray"], "unexpected argument 'stray'"),
        ("rill-view", ["--serve", "--port", "abc", "x.qml"], "--port needs a whole number from 0 to 65535"),
        ("rill-view", ["--serve", "/no/such/file.qml"], "no such file: /no/such/file.qml"),
        ("rill-view", ["--serve"], "which QML file?"),
        ("rill-render", [], "give exactly one template name"),
    ]

    def test_bad_values(self):
        for p, args, message in self.CASES:
            with self.subTest(p=p, args=args):
                r = run(p, *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                first = r.stderr.splitlines()[0]
                self.assertTrue(first.startswith(f"{p}: "), first)
                self.assertIn(message, first)
                self.assertIn(f"Try '{p} --help'", r.stderr)


class RillRender(unittest.TestCase):
    def test_unreadable_template_is_not_reported_as_missing(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "page.html"))  # there, but not a file
            r = run("rill-render", "--dir", d, "page.html")
            self.assertEqual(r.returncode, 1)
            self.assertIn("template 'page.html' cannot be read from", r.stderr)
            self.assertIn("not a file", r.stderr)
            self.assertNotIn("not found", r.stderr)
            if os.geteuid() != 0:  # root reads anything
                path = os.path.join(d, "locked.html")
                with open(path, "w") as f:
                    f.write("x")
                os.chmod(path, 0)
                r = run("rill-render", "--dir", d, "locked.html")
                self.assertIn("cannot be read", r.stderr)
                self.assertIn("Permission denied", r.stderr)

    def test_missing_template(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("rill-render", "--dir", d, "nope.html")
            self.assertEqual(r.returncode, 1)
            self.assertIn("template 'nope.html' not found in", r.stderr)


class Displays(unittest.TestCase):
    def test_rill_chat_without_display_says_to_serve(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("rill-chat", "--data-dir", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("rill-chat: no display to open a window on", r.stderr)
        self.assertIn("rill-chat --serve", r.stderr)

    def test_rill_view_without_display_says_to_serve(self):
        r = run("rill-view", os.path.join(os.path.dirname(__file__), "..", "packaging", "Hello.qml"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("rill-view: no display to open a window on", r.stderr)
        self.assertIn("rill-view --serve", r.stderr)

    @unittest.skipUnless(os.geteuid() == 0, "runs as root only")
    def test_rill_chat_as_root_opens_its_window(self):
        # No sandbox variables set (as a user starting it as root would): the
        # window must still load its page, with Chromium's sandbox off.
        env = no_display_env(QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="rill.chat.window.debug=true")
        with tempfile.TemporaryDirectory() as d:
            proc = subprocess.Popen([os.path.join(BIN, "rill-chat"), "--data-dir", d, "--provider", "demo"],
                                    env={**env, "XDG_CONFIG_HOME": d}, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            seen = []
            try:
                for line in proc.stdout:
                    seen.append(line)
                    if "rill.chat.window: page loaded" in line or "renderer process ended" in line:
                        break
            finally:
                proc.kill()
                proc.wait()
                proc.stdout.close()
        text = "".join(seen)
        self.assertIn("running as root, so Chromium's sandbox is off", text)
        self.assertIn("rill.chat.window: page loaded", text, text[-3000:])
        self.assertNotIn("Running as root without --no-sandbox is not supported", text)


class Origins(unittest.TestCase):
    """rill-chat behind a proxy: the origins it is reached through come from
    --allow-origin and RILL_ALLOWED_ORIGINS together, and either makes it ask
    for a token."""

    def serve(self, *args, env_origins=None, until="enter the access token"):
        env = no_display_env()
        env.pop("RILL_ALLOWED_ORIGINS", None)
        if env_origins is not None:
            env["RILL_ALLOWED_ORIGINS"] = env_origins
        with tempfile.TemporaryDirectory() as d:
            proc = subprocess.Popen([os.path.join(BIN, "rill-chat"), "--serve", "--listen", "127.0.0.1:0",
                                     "--data-dir", d, "--provider", "demo", *args],
                                    env={**env, "XDG_CONFIG_HOME": d}, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            lines = []
            # Killed after 20 s, should the awaited line never come.
            timer = threading.Timer(20, proc.kill)
            timer.start()
            try:
                for line in proc.stdout:
                    lines.append(line)
                    if until in line:
                        break
            finally:
                timer.cancel()
                proc.kill()
                proc.wait()
                proc.stdout.close()
        return "".join(lines)

    def test_environment_and_flag_together(self):
        out = self.serve("--allow-origin", "https://b.example.org", env_origins="https://a.example.org")
        self.assertRegex(out, r"rill-chat: through https://a\.example\.org: https://a\.example\.org/\?access=", out)
        self.assertRegex(out, r"rill-chat: through https://b\.example\.org: https://b\.example\.org/\?access=", out)
        self.assertIn("enter the access token", out)

    def test_environment_alone_asks_for_a_token(self):
        out = self.serve(env_origins="https://a.example.org")
        self.assertRegex(out, r"rill-chat: through https://a\.example\.org: ", out)
        self.assertIn("enter the access token", out)

    def test_loopback_alone_needs_no_token(self):
        out = self.serve(until="rill-chat: serving")
        # With a token, the printed link would carry a one-time code.
        self.assertRegex(out, r"rill-chat: serving http://127\.0\.0\.1:\d+/\n", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
