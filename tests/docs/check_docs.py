#!/usr/bin/env python3
"""Keeps the docs' code honest: every C++, QML and CMake block in README.md
and docs/*.md is compiled, run, or checked against the source it quotes.

A block says which, after its language on the opening fence:

  ```cpp file=counter/main.cpp          written to PROJECT/PATH; a project
  ```cmake file=counter/CMakeLists.txt  with a CMakeLists.txt is configured
                                        against Rill and built
  ```cpp file=counter/main.cpp run=counter expect="<p>0</p>"
                                        ...then its program `counter` is
                                        started, the URL it prints fetched,
                                        and the page must contain EXPECT
  ```qml file=counter-qml/Counter.qml run expect="..."
                                        served by rill-view --serve, fetched
  ```cpp body params="QObject *view, const QVariantList &messages"
                                        compiled as the body of a function
                                        taking PARAMS (#include lines go
                                        above it), linked against Rill
  ```cpp excerpt=examples/rill-examples/chatview.cpp
                                        its lines appear in that file, in order
  ```qml fragment                       a piece shown for illustration only

A cpp/qml/cmake block with none of these fails the check, so new docs get
one. Usage:
  check_docs.py --source SRC --prefix INSTALLED_RILL --work DIR
"""

import argparse
import os
import re
import shlex
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from rillproc import run, serve_and_fetch  # noqa: E402

CHECKED = {"cpp", "c++", "qml", "cmake"}
FENCE = re.compile(r"^```(\S*)\s*(.*)$")


def blocks(path):
    """(language, attrs, text, line) for each fenced block of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, info, start = m.group(1), m.group(2), i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        attrs = {}
        for word in shlex.split(info):
            key, _, value = word.partition("=")
            attrs[key] = value if _ else True
        yield lang, attrs, "\n".join(body) + "\n", start
        i += 1


def check_excerpt(source, rel, text):
    """Every non-blank line of text occurs in the file, in order."""
    with open(os.path.join(source, rel), encoding="utf-8") as f:
        src = [ln.strip() for ln in f]
    pos = 0
    for line in (ln.strip() for ln in text.split("\n")):
        if not line:
            continue
        try:
            pos = src.index(line, pos) + 1
        except ValueError:
            return f"line not found (in order) in {rel}: {line!r}"
    return None


def write_snippets(pdir, snippets):
    """One translation unit per body snippet, all in one library project."""
    os.makedirs(pdir)
    names = []
    for n, (where, params, text) in enumerate(snippets):
        includes = [ln for ln in text.split("\n") if ln.startswith("#include")]
        body = [ln for ln in text.split("\n") if not ln.startswith("#include")]
        name = f"snippet{n}.cpp"
        names.append(name)
        with open(os.path.join(pdir, name), "w", encoding="utf-8") as f:
            f.write(f"// {where}\n" + "\n".join(includes) + "\n#include <QtCore>\n"
                    "using namespace Qt::StringLiterals;\n"
                    f"void rill_doc_snippet_{n}({params})\n{{\n" + "\n".join(body) + "\n}\n")
    with open(os.path.join(pdir, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.21)\nproject(snippets LANGUAGES CXX)\n"
                "find_package(Rill REQUIRED COMPONENTS Core)\nset(CMAKE_CXX_STANDARD 20)\n"
                f"add_library(snippets STATIC {' '.join(names)})\n"
                "target_compile_options(snippets PRIVATE -Wall -Werror -Wno-unused-parameter -Wno-unused-variable)\n"
                "target_link_libraries(snippets PRIVATE Rill::Core)\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--prefix", required=True, help="an installed Rill (cmake --install)")
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    source, prefix = os.path.abspath(args.source), os.path.abspath(args.prefix)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    docs = [os.path.join(source, "README.md")] + sorted(
        os.path.join(source, "docs", f) for f in os.listdir(os.path.join(source, "docs")) if f.endswith(".md"))
    failures, projects, runs = [], {}, []
    counts = {"compiled": 0, "excerpt": 0, "fragment": 0}
    snippets = []
    for doc in docs:
        name = os.path.relpath(doc, source)
        for lang, attrs, text, line in blocks(doc):
            where = f"{name}:{line}"
            if lang not in CHECKED:
                continue
            if "file" in attrs:
                path = attrs["file"]
                project = path.split("/")[0]
                dest = os.path.join(work, path)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if os.path.exists(dest):
                    failures.append(f"{where}: {path} is written by two blocks")
                with open(dest, "w", encoding="utf-8") as f:
                    f.write(text)
                projects.setdefault(project, where)
                counts["compiled"] += 1
                if "run" in attrs:
                    runs.append((where, project, path, attrs))
            elif "body" in attrs and lang in ("cpp", "c++"):
                counts["compiled"] += 1
                snippets.append((where, attrs.get("params", ""), text))
            elif "excerpt" in attrs:
                counts["excerpt"] += 1
                err = check_excerpt(source, attrs["excerpt"], text)
                if err:
                    failures.append(f"{where}: {err}")
            elif "fragment" in attrs:
                counts["fragment"] += 1
            else:
                failures.append(f"{where}: a ```{lang} block needs file=, excerpt= or fragment (see tests/docs)")

    if snippets:
        write_snippets(os.path.join(work, "_snippets"), snippets)
        projects["_snippets"] = "the body snippets"

    env = dict(os.environ)
    env["PATH"] = os.path.join(prefix, "bin") + os.pathsep + env.get("PATH", "")
    built = set()
    for project, where in sorted(projects.items()):
        pdir = os.path.join(work, project)
        if not os.path.exists(os.path.join(pdir, "CMakeLists.txt")):
            continue
        bdir = os.path.join(pdir, "build")
        try:
            run(["cmake", "-S", pdir, "-B", bdir, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}"], env=env)
            run(["cmake", "--build", bdir], env=env)
            built.add(project)
            print(f"ok: built {project} (from {where})")
        except RuntimeError as e:
            failures.append(f"{where}: project {project} does not build:\n{e}")

    for where, project, path, attrs in runs:
        if attrs["run"] is True:  # a QML file: rill-view serves it
            cmd = ["rill-view", "--serve", "--port", "0", os.path.join(work, path)]
        elif project in built:
            cmd = [os.path.join(work, project, "build", attrs["run"])]
        else:
            continue
        try:
            status, body, _ = serve_and_fetch(cmd, env=env)
            expect = attrs.get("expect", "")
            if status != 200 or (expect and expect not in body):
                raise RuntimeError(f"HTTP {status}; page lacks {expect!r}:\n{body[:1500]}")
            print(f"ok: ran {path}")
        except Exception as e:  # noqa: BLE001 - report each
            failures.append(f"{where}: running {path}: {e}")

    print(f"{counts['compiled']} blocks compiled or run, {counts['excerpt']} checked against the source, "
          f"{counts['fragment']} fragments")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
