#!/usr/bin/python3
"""Differential-test oracle: Django 3.2 renders, Rill must print the same.

Generates random template cases (deterministic per seed), adds the hand-written
cases in corpus/*.json, renders every case with Django and prints one JSON
object a line:

  {"name", "templates": {name: source}, "main", "context": "<json text>",
   "output": "..."}      or, where Django raised, "error": "Class: message"

Usage: django_oracle.py [--seed S]... [--count N] [--corpus DIR] [--no-corpus]
       django_oracle.py --check       (exit 0 when Django 3.2 is importable)

A corpus file holds one case object or a list of them, each with "name",
"templates" (or "template" for a single "main.html"), optional "main" and
"context" (a JSON value or JSON text).
"""

import argparse
import glob
import json
import os
import random
import sys


def setup_django():
    import django
    from django.conf import settings
    # L10N off and no i18n: Rill implements the default, unlocalised formats.
    settings.configure(USE_I18N=False, USE_L10N=False, USE_TZ=False,
                       INSTALLED_APPS=[], TEMPLATES=[])
    django.setup()
    return django


# ---------------------------------------------------------------------------
# Random contexts

STRINGS = [
    "", "hello", "Hello World", "<b>bold</b>", "Tom & Jerry", "it's \"quoted\"",
    "a < b > c", "héllo wörld", "日本語テキスト", "emoji 😀 ok", " spaced  out ",
    "line1\nline2\n\npara2", "a,b,c", "the quick brown fox jumps over the lazy dog",
    "UPPER lower MiXeD", "123", "3.14", "-5", "0", "True", "None", "x",
    "https://example.com/path?a=1&b=<2>", "straße", "back\\slash", "tab\there",
    "<script>alert('x')</script>", "ümlaut Ärger", "résumé café", "one",
    "foo-bar_baz", "  leading", "trailing  ", "multi\r\nline", "100%", "{{ not }}",
]
INTS = [0, 1, -1, 2, 3, 5, 7, 10, 42, 100, 1000, -17, 1023, 1024, 1048576,
        123456789, 1099511627776, 12, 99]
FLOATS = [0.0, -0.0, 1.5, -2.25, 3.14159, 1e20, 1.5e-7, 0.1 + 0.2, 100.0, 2.5,
          0.5, 1e16, 123456.789, 1e-5, -1234.5678, 2.675, 1.0, 34.23234, -0.5]
# No key named like a Python str/list/int method ("count", "upper", "title"):
# on a string or list Django would call the method, which Rill deliberately
# does not model. "items"/"keys" are fine: only dicts have them, and Rill
# looks up a dict's key before its pseudo-method, as Django does.
KEYS = ["name", "value", "heading", "id", "0", "x", "role", "content", "items",
        "keys"]
TOP_NAMES = ["a", "b", "s", "n", "f", "items", "d", "flag", "none", "html",
             "users", "word", "num", "empty"]


def rand_scalar(r):
    k = r.random()
    if k < 0.35:
        return r.choice(STRINGS)
    if k < 0.6:
        return r.choice(INTS)
    if k < 0.8:
        return r.choice(FLOATS)
    if k < 0.92:
        return r.choice([True, False])
    return None


def rand_value(r, depth=0):
    k = r.random()
    if depth >= 3 or k < 0.6:
        return rand_scalar(r)
    if k < 0.8:
        return [rand_value(r, depth + 1) for _ in range(r.randint(0, 4))]
    return {r.choice(KEYS): rand_value(r, depth + 1) for _ in range(r.randint(0, 4))}


def rand_record(r):
    rec = {"name": r.choice(STRINGS[:12] + ["alice", "bob", "Carol", "dave"]),
           "id": r.choice(INTS[:10])}
    if r.random() < 0.7:
        rec["heading"] = r.choice(STRINGS)
    if r.random() < 0.3:
        rec["value"] = rand_scalar(r)
    return rec


def rand_context(r):
    typed = {
        "a": lambda: rand_value(r),
        "b": lambda: rand_value(r),
        "s": lambda: r.choice(STRINGS),
        "html": lambda: r.choice(["<p>para</p>", "<a href='x'>l&nbsp;</a>", "<br/>x<br>"]),
        "word": lambda: r.choice(["apple", "box", "city", "person", "cactus", "1", "word"]),
        "n": lambda: r.choice(INTS),
        "num": lambda: r.choice(INTS + FLOATS),
        "f": lambda: r.choice(FLOATS),
        "items": lambda: [rand_scalar(r) for _ in range(r.randint(0, 5))],
        "users": lambda: [rand_record(r) for _ in range(r.randint(0, 4))],
        "d": lambda: {r.choice(KEYS): rand_value(r, 1) for _ in range(r.randint(0, 4))},
        "flag": lambda: r.choice([True, False, 0, 1, "", "x", None]),
        "none": lambda: None,
        "empty": lambda: r.choice(["", [], {}, 0]),
    }
    ctx = {}
    for name in TOP_NAMES:
        if r.random() < 0.85:
            ctx[name] = typed[name]() if r.random() < 0.8 else rand_value(r)
    return ctx


# ---------------------------------------------------------------------------
# Random templates

TEXTS = ["Hello", " ", "\n", "<p>", "</p>", "&amp;", "a & b", "x < y", "'", '"',
         "  indented\n", "<div class=\"c\">", "</div>", "ü", "{", "}", "%", "#",
         " text ", "<br>", "\t", "-", "(", ")"]

# filter name -> generator of its argument (None: no argument)
NO_ARG = None


def lit_str(r, choices):
    s = r.choice(choices)
    q = r.choice(['"', "'"])
    return q + s.replace("\\", "\\\\").replace(q, "\\" + q) + q


def arg_int(r, pool=(0, 1, 2, 3, 5, 8, 10, -1, -2)):
    k = r.random()
    if k < 0.7:
        return str(r.choice(pool))
    if k < 0.85:
        return lit_str(r, [str(r.choice(pool)), "x", ""])
    return r.choice(["n", "items|length", "none"])


FILTERS = {
    "default": lambda r, g: g.operand(r, allow_filters=False),
    "default_if_none": lambda r, g: g.operand(r, allow_filters=False),
    "length": NO_ARG, "lower": NO_ARG, "upper": NO_ARG, "title": NO_ARG,
    "capfirst": NO_ARG,
    "truncatechars": lambda r, g: arg_int(r, (0, 1, 3, 5, 10, 20)),
    "truncatewords": lambda r, g: arg_int(r, (0, 1, 2, 3, 5)),
    "join": lambda r, g: r.choice([lit_str(r, [", ", "", "-", " & ", "<br>"]), "s"]),
    "first": NO_ARG, "last": NO_ARG,
    "slice": lambda r, g: lit_str(r, [":2", "1:", "-1:", "::2", "1:3", ":-1", "0",
                                      "2", "x", "::-1", ""]),
    "add": lambda r, g: r.choice([arg_int(r), lit_str(r, ["x", "1", "<b>"]),
                                  "items", "s", "f", "n", "1.5"]),
    "yesno": lambda r, g: r.choice(["", lit_str(r, ["yes,no", "a,b,c", "x", "ja,nein",
                                                    "<y>,<n>,<m>", ""])]),
    "pluralize": lambda r, g: r.choice(["", lit_str(r, ["es", "y,ies", "a,b,c", ","])]),
    "linebreaks": NO_ARG, "linebreaksbr": NO_ARG, "striptags": NO_ARG,
    "urlencode": lambda r, g: r.choice(["", lit_str(r, ["", "/", "/&="])]),
    "iriencode": NO_ARG,
    "floatformat": lambda r, g: r.choice(["", arg_int(r, (0, 1, 2, 3, -1, -2, -3)),
                                          lit_str(r, ["2g", "-2", "abc"])]),
    "filesizeformat": NO_ARG,
    "cut": lambda r, g: lit_str(r, [" ", "a", "<", "l"]),
    "center": lambda r, g: arg_int(r, (0, 3, 10, 15)),
    "ljust": lambda r, g: arg_int(r, (0, 3, 10, 15)),
    "rjust": lambda r, g: arg_int(r, (0, 3, 10, 15)),
    "wordcount": NO_ARG,
    "dictsort": lambda r, g: lit_str(r, ["name", "id", "heading", "0", "value", "name.0"]),
    "dictsortreversed": lambda r, g: lit_str(r, ["name", "id", "heading", "0", "value"]),
    "stringformat": lambda r, g: lit_str(r, ["s", "d", "05d", ".2f", "x", "r", "e",
                                             "10s", "-5s", "i", "X", ".3s", "+d"]),
    "divisibleby": lambda r, g: arg_int(r, (1, 2, 3, 0)),
    "make_list": NO_ARG, "slugify": NO_ARG, "addslashes": NO_ARG, "escapejs": NO_ARG,
    "json_script": lambda r, g: lit_str(r, ["data", "x-y"]),
    "escape": NO_ARG, "force_escape": NO_ARG, "safe": NO_ARG,
}
FILTER_NAMES = sorted(FILTERS)

OPS2 = ["or", "and", "in", "not in", "is", "is not", "==", "!=", "<", ">", "<=", ">="]


class Gen:
    def __init__(self, r):
        self.r = r
        self.scope = []  # loop / with variables visible here

    # -- expressions -------------------------------------------------------
    def var_path(self, r):
        names = TOP_NAMES + self.scope * 3 + ["missing"]
        path = r.choice(names)
        for _ in range(r.choice([0, 0, 0, 1, 1, 2, 3])):
            # dict.keys/values/items only as a loop sequence (tag_for): printed or
            # indexed they are Python view objects, which Rill shows as lists.
            path += "." + r.choice(KEYS[:-2] + ["0", "1", "2", "name"])
        if r.random() < 0.01:
            path += ".-1"  # Django rejects a negative index at parse time
        return path

    def literal(self, r):
        k = r.random()
        if k < 0.4:
            return lit_str(r, ["x", "", "a b", "<i>", "it's", 'say "hi"', "1", "ü", "back\\"])
        if k < 0.7:
            return str(r.choice([0, 1, 2, -1, 10, 42, -7, 1000]))
        if k < 0.9:
            return r.choice(["1.5", "-0.5", "0.0", "2.0", "1e3", "-2.5e2", "1E2",
                             "3.", ".5", "1.0e1"])
        return r.choice(["True", "False", "None"])

    def filters(self, r, n):
        out = ""
        for _ in range(n):
            name = r.choice(FILTER_NAMES)
            argf = FILTERS[name]
            out += "|" + name
            if argf is not None:
                a = argf(r, self)
                if a:
                    out += ":" + a
        return out

    def operand(self, r, allow_filters=True):
        base = self.var_path(r) if r.random() < 0.65 else self.literal(r)
        if allow_filters and r.random() < 0.3:
            base += self.filters(r, r.randint(1, 2))
        return base

    def var_tag(self, r):
        expr = self.operand(r, allow_filters=False)
        if r.random() < 0.75:
            expr += self.filters(r, r.choice([1, 1, 1, 2, 3]))
        sp = r.choice([" ", " ", ""])
        return "{{" + sp + expr + sp + "}}"

    def condition(self, r, depth=0):
        k = r.random()
        if depth < 2 and k < 0.25:
            return self.condition(r, depth + 1) + " " + r.choice(["and", "or"]) + " " + \
                self.condition(r, depth + 1)
        if k < 0.35:
            return "not " + self.condition(r, depth + 1)
        if k < 0.55:
            return self.operand(r)
        op = r.choice(OPS2[2:])
        rhs = self.operand(r)
        if op in ("is", "is not") and r.random() < 0.7:
            rhs = r.choice(["None", "True", "False"])
        return self.operand(r) + " " + op + " " + rhs

    # -- nodes -------------------------------------------------------------
    def body(self, r, depth, lo=0, hi=4):
        return "".join(self.node(r, depth) for _ in range(r.randint(lo, hi)))

    def node(self, r, depth):
        k = r.random()
        if depth >= 3 or k < 0.3:
            return r.choice(TEXTS)
        if k < 0.55:
            return self.var_tag(r)
        tag = r.choice(["if", "if", "for", "for", "with", "autoescape", "spaceless",
                        "comment", "verbatim", "firstof", "cycle", "ifchanged",
                        "widthratio", "include"])
        return getattr(self, "tag_" + tag)(r, depth + 1)

    def tag_if(self, r, depth):
        out = "{% if " + self.condition(r) + " %}" + self.body(r, depth)
        for _ in range(r.choice([0, 0, 1, 2])):
            out += "{% elif " + self.condition(r) + " %}" + self.body(r, depth)
        if r.random() < 0.5:
            out += "{% else %}" + self.body(r, depth)
        return out + "{% endif %}"

    def tag_for(self, r, depth):
        seq = r.choice(["items", "items", "users", "users", "s", "d", "a", "b", "d.items",
                        "d.values", "d.keys", "users.0.items", "empty", "none", "missing", "n"])
        # A dict view through a filter prints as "dict_items([...])" in Django,
        # which Rill does not model (docs/templates.md), so views stay unfiltered.
        if r.random() < 0.2 and not seq.endswith((".items", ".keys", ".values")):
            seq += self.filters(r, 1)
        if seq.endswith(".items") or r.random() < 0.08:
            names = ["k", "v"]
        else:
            names = [r.choice(["x", "item", "user"])]
        rev = " reversed" if r.random() < 0.2 else ""
        self.scope += names + ["forloop.counter", "forloop.counter0", "forloop.revcounter",
                               "forloop.revcounter0", "forloop.first", "forloop.last",
                               "forloop.parentloop.counter"]
        body = self.body(r, depth, 1, 4)
        del self.scope[-(len(names) + 7):]
        out = "{% for " + ", ".join(names) + " in " + seq + rev + " %}" + body
        if r.random() < 0.4:
            out += "{% empty %}" + self.body(r, depth)
        return out + "{% endfor %}"

    def tag_with(self, r, depth):
        if r.random() < 0.25:
            name = r.choice(["w", "tmp"])
            head = "{% with " + self.operand(r) + " as " + name + " %}"
            names = [name]
        else:
            names = r.sample(["w", "tmp", "a", "s2"], r.randint(1, 2))
            head = "{% with " + " ".join(n + "=" + self.operand(r) for n in names) + " %}"
        self.scope += names
        body = self.body(r, depth, 1, 3)
        del self.scope[-len(names):]
        return head + body + "{% endwith %}"

    def tag_autoescape(self, r, depth):
        return "{% autoescape " + r.choice(["on", "off"]) + " %}" + self.body(r, depth, 1, 3) + \
            "{% endautoescape %}"

    def tag_spaceless(self, r, depth):
        return "{% spaceless %}" + r.choice([" <p> ", "\n<a>  x </a>\n", " "]) + \
            self.body(r, depth, 1, 3) + r.choice(["  </p>", " ", "\n "]) + "{% endspaceless %}"

    def tag_comment(self, r, depth):
        if r.random() < 0.5:
            return "{# " + r.choice(["note", "{{ x }}", "{% if %}"]) + " #}"
        return "{% comment " + r.choice(["", '"why"']) + "%}" + self.body(r, depth) + "{% endcomment %}"

    def tag_verbatim(self, r, depth):
        return "{% verbatim %}" + r.choice(["{{ x }}", "{% if a %}", "plain", "{# c #}"]) + \
            "{% endverbatim %}"

    def tag_firstof(self, r, depth):
        args = " ".join(self.operand(r, allow_filters=r.random() < 0.3)
                        for _ in range(r.randint(1, 3)))
        if r.random() < 0.2:
            return "{% firstof " + args + " as fo %}[{{ fo }}]"
        return "{% firstof " + args + " %}"

    def tag_cycle(self, r, depth):
        args = " ".join(r.choice([lit_str(r, ["odd", "even", "<r>"]), self.var_path(r)])
                        for _ in range(r.choice([1, 2, 2, 3, 3, 3])))
        cyc = "{% cycle " + args + " %}"
        if r.random() < 0.3:
            cyc = "{% cycle " + args + " as cy %}{{ cy }}"
        return "{% for x in items %}" + cyc + "{% endfor %}"

    def tag_ifchanged(self, r, depth):
        self.scope += ["x"]
        if r.random() < 0.5:
            inner = "{% ifchanged %}" + self.body(r, depth, 1, 2)
        else:
            inner = "{% ifchanged " + r.choice(["x", "x.name", "x x"]) + " %}" + self.body(r, depth)
        if r.random() < 0.3:
            inner += "{% else %}" + self.body(r, depth)
        del self.scope[-1:]
        return "{% for x in " + r.choice(["items", "users", "s"]) + " %}" + inner + \
            "{% endifchanged %}{% endfor %}"

    def tag_widthratio(self, r, depth):
        ops = [r.choice([self.var_path(r), self.literal(r)]) for _ in range(2)]
        ops.append(r.choice(["100", "10", "0", "n", "3", self.literal(r), self.var_path(r)]))
        if r.random() < 0.2:
            return "{% widthratio " + " ".join(ops) + " as wr %}{{ wr }}"
        return "{% widthratio " + " ".join(ops) + " %}"

    def tag_include(self, r, depth):
        name = r.choice(['"inc.html"', "'inc.html'", '"inc2.html"'])
        if r.random() < 0.05:
            name = '"nosuch.html"'
        extra = ""
        if r.random() < 0.3:
            extra = " with " + " ".join(v + "=" + self.operand(r) for v in r.sample(["s", "n", "x"], 2))
            if r.random() < 0.5:
                extra += " only"
        self.includes = True
        return "{% include " + name + extra + " %}"

    # -- a whole case ------------------------------------------------------
    def case(self):
        r = self.r
        self.includes = False
        templates = {}
        if r.random() < 0.25:
            names = r.sample(["head", "content", "foot"], r.randint(1, 3))
            base = ""
            for bn in ["head", "content", "foot"]:
                base += self.body(r, 2, 0, 2) + "{% block " + bn + " %}" + self.body(r, 2, 0, 2) + \
                    "{% endblock %}"
            if r.random() < 0.3:
                templates["root.html"] = "<root>{% block head %}R{% endblock %}|" \
                    "{% block content %}{% endblock %}|{% block foot %}F{{ s }}{% endblock %}</root>"
                base = '{% extends "root.html" %}' + "".join(
                    "{% block " + bn + " %}" + self.body(r, 2, 0, 2) +
                    ("{{ block.super }}" if r.random() < 0.5 else "") + "{% endblock %}"
                    for bn in ["head", "content", "foot"])
            templates["base.html"] = base
            main = '{% extends "base.html" %}' + r.choice(["", "\nignored text\n"])
            for bn in names:
                inner = self.body(r, 1, 0, 3)
                if r.random() < 0.5:
                    inner += "{{ block.super }}"
                main += "{% block " + bn + " %}" + inner + "{% endblock" + \
                    (" " + bn if r.random() < 0.3 else "") + " %}"
        else:
            main = self.body(r, 0, 1, 6)
        if self.includes:
            templates["inc.html"] = "[inc " + "".join(
                self.node(r, 2) for _ in range(r.randint(1, 3))) + "]"
            templates["inc2.html"] = "<i>{{ s }}|{{ n }}|{{ x }}</i>"
        templates["main.html"] = main
        return templates


def random_cases(seed, count):
    r = random.Random(seed)
    for i in range(count):
        g = Gen(r)
        templates = g.case()
        ctx = rand_context(r)
        yield {"name": "s%d_%d" % (seed, i), "templates": templates, "main": "main.html",
               "context": json.dumps(ctx, sort_keys=True, ensure_ascii=False)}


def corpus_cases(directory):
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        stem = os.path.splitext(os.path.basename(path))[0]
        for c in data if isinstance(data, list) else [data]:
            templates = c.get("templates") or {"main.html": c["template"]}
            ctx = c.get("context", {})
            if not isinstance(ctx, str):
                ctx = json.dumps(ctx, sort_keys=True, ensure_ascii=False)
            yield {"name": stem + "/" + c["name"], "templates": templates,
                   "main": c.get("main", "main.html"), "context": ctx}


# ---------------------------------------------------------------------------
# Rendering with Django

def render(case):
    from django.template import Context, Engine
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", case["templates"])],
                    autoescape=True, string_if_invalid="", debug=False)
    # Rill's QVariantMap iterates keys sorted, so Django must see sorted dicts.
    ctx = json.loads(case["context"], object_pairs_hook=lambda p: dict(sorted(p)))
    out = dict(case)
    try:
        tpl = engine.get_template(case["main"])
        out["output"] = tpl.render(Context(ctx, autoescape=True))
    except RecursionError as e:
        out["error"] = "RecursionError: %s" % e
    except Exception as e:  # noqa: BLE001 - any Django failure is an expected error
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, action="append", default=[])
    ap.add_argument("--count", type=int, default=500, help="random cases per seed")
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus"))
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    try:
        django = setup_django()
    except ImportError as e:
        print("Django is not importable by %s: %s" % (sys.executable, e), file=sys.stderr)
        return 2
    if django.VERSION[:2] != (3, 2):
        print("Django 3.2 needed, found %s" % django.get_version(), file=sys.stderr)
        return 2
    if args.check:
        return 0
    cases = []
    if not args.no_corpus:
        cases += corpus_cases(args.corpus)
    for seed in args.seed:
        cases += random_cases(seed, args.count)
    for case in cases:
        sys.stdout.write(json.dumps(render(case), ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
