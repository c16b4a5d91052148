#!/usr/bin/python3
"""Times Django 3.2 and Jinja2 3.1 rendering the benchmark workloads in-process.

Prints JSON: {"django": {"chat": {"median_ns": ..., "best_ns": ..., ...}, ...},
"jinja2": {...}, "versions": {...}}. Run with /usr/bin/python3 (the interpreter
that has Django and Jinja2).

  /usr/bin/python3 bench/templates/peers.py [--engines django,jinja2]
        [--workloads chat,page,table] [--dump DIR] [--quick]
"""

import argparse
import gc
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

import timing  # noqa: E402
import workloads  # noqa: E402

DJANGO_DIRS = [os.path.join(HERE, "django"), os.path.join(ROOT, "examples", "templates")]
JINJA_DIR = os.path.join(HERE, "jinja")


def django_renderers(names):
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            USE_TZ=False,
            USE_I18N=False,
            TEMPLATES=[{
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": DJANGO_DIRS,
                "OPTIONS": {"autoescape": True, "debug": False},  # debug off: cached loader
            }],
        )
        django.setup()
    from django.template import engines

    engine = engines["django"]
    out = {}
    for name, tpl_name in workloads.WORKLOADS:
        if name not in names:
            continue
        tpl = engine.get_template(tpl_name)
        ctx = workloads.context(name)
        out[name] = (lambda t=tpl, c=ctx: t.render(c))
    return django.get_version(), out


def jinja_renderers(names):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(JINJA_DIR), autoescape=True,
                             keep_trailing_newline=True, auto_reload=False)
    out = {}
    for name, tpl_name in workloads.WORKLOADS:
        if name not in names:
            continue
        tpl = env.get_template(tpl_name)
        ctx = workloads.context(name)
        out[name] = (lambda t=tpl, c=ctx: t.render(c))
    return jinja2.__version__, out


def check(name, html):
    if not html.strip():
        raise SystemExit("%s: empty output" % name)
    if name == "chat":
        n = html.count('<div class="message ')
        if n != workloads.CHAT_MESSAGES:
            raise SystemExit("chat: %d messages rendered, expected %d" % (n, workloads.CHAT_MESSAGES))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="django,jinja2")
    ap.add_argument("--workloads", default=",".join(n for n, _ in workloads.WORKLOADS))
    ap.add_argument("--dump", help="write each engine's output to DIR/<engine>-<workload>.html")
    ap.add_argument("--quick", action="store_true", help="short batches (smoke test)")
    args = ap.parse_args()
    names = set(args.workloads.split(","))
    batch_s, batches = (0.02, 3) if args.quick else (0.2, 7)

    result = {"versions": {"python": sys.version.split()[0]}}
    for engine in args.engines.split(","):
        version, renderers = {"django": django_renderers, "jinja2": jinja_renderers}[engine](names)
        result["versions"][engine] = version
        result[engine] = {}
        for name, fn in renderers.items():
            html = fn()
            check(name, html)
            if args.dump:
                os.makedirs(args.dump, exist_ok=True)
                with open(os.path.join(args.dump, "%s-%s.html" % (engine, name)), "w", encoding="utf-8") as f:
                    f.write(html)
            gc.collect()
            median, best, iters = timing.measure(fn, min_batch_s=batch_s, batches=batches)
            result[engine][name] = {"median_ns": median, "best_ns": best, "iterations": iters,
                                    "batches": batches, "bytes": len(html.encode("utf-8"))}
            print("%s %s: %.1f us" % (engine, name, median / 1000), file=sys.stderr)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
