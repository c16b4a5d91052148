#!/usr/bin/python3
"""rill-chat's server time on a long conversation, against Django.

Runs rill-bench-chat (open a 500-message conversation, send, stop, an idle
re-render: handler + render + the session's diff, as the server pays), then
times Django 3.2 rendering the same page (app/chat/templates/chat.html with
the context rill-bench-chat dumped): what a Django server would spend on the
render alone, before sending the whole page again. Prints a table and the
ratios. Run with /usr/bin/python3 (the one with Django).

  /usr/bin/python3 bench/chat/run.py [--build build-bench] [--messages 500] [--runs 15]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "bench", "templates"))

import timing  # noqa: E402


def django_render_ms(context):
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False, USE_TZ=False, USE_I18N=False,
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [os.path.join(ROOT, "app", "chat", "templates")],
            "OPTIONS": {"autoescape": True, "debug": False},
        }],
    )
    django.setup()
    from django.template import engines

    template = engines["django"].get_template("chat.html")
    html = template.render(context)
    median_ns, best_ns, _ = timing.measure(lambda: template.render(context), min_batch_s=0.5, batches=7)
    return median_ns / 1e6, best_ns / 1e6, len(html.encode()), django.get_version()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    binary = os.path.join(ROOT, args.build, "bin", "rill-bench-chat")
    subprocess.run(["cmake", "--build", os.path.join(ROOT, args.build), "--target", "rill-bench-chat"],
                   check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "context.json")
        out = subprocess.run([binary, "--messages", str(args.messages), "--runs", str(args.runs), "--dump-context", dump],
                             check=True, capture_output=True, text=True).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        with open(dump) as f:
            context = json.load(f)
    peer_ms, peer_best, peer_bytes, version = django_render_ms(context)

    print(f"rill-chat, a conversation of {args.messages} messages (answers with code and a table); "
          f"{args.runs} runs; server time per operation")
    print(f"{'op':<6} {'Rill median':>12} {'best':>8} {'CPU':>8} {'sent':>10}   Django render alone (median {peer_ms:.1f} ms, "
          f"sends {peer_bytes / 1024:.0f} KiB)")
    for r in rows:
        ratio = r["median_ms"] / peer_ms
        print(f"{r['op']:<6} {r['median_ms']:>9.1f} ms {r['best_ms']:>5.1f} ms {r['cpu_ms']:>5.1f} ms "
              f"{r['frame_bytes'] / 1024:>7.1f} KiB   {ratio:.2f}x Django's render")
    print(f"Django {version}; page {rows[0]['html_bytes'] / 1024:.0f} KiB; the goal: each op <= 100 ms of server time")
    print(json.dumps({"rill": rows, "django": {"median_ms": peer_ms, "best_ms": peer_best, "bytes": peer_bytes, "version": version}}))


if __name__ == "__main__":
    main()
