#!/usr/bin/env bash
# Builds the Debian packages (scripts/build-debs.sh) and checks them the way a
# user and a distribution would:
#   - lintian reports no errors;
#   - each package holds what it should, under multiarch paths, with its
#     copyright and changelog, and a man page for every program;
#   - binaries are stripped, their debug symbols are in -dbgsym packages;
#   - Depends name our own libraries, the QML runtime modules, the SQLite
#     driver and WebEngine, and apt can satisfy them on this Debian;
#   - unpacked into a fresh root, the packaged rill-render renders and the
#     packaged rill-view serves a QML file that does `import Rill` from the
#     packaged module.
#
#   tests/packaging/test_debs.sh WORK_DIR   (CTest: packaging.debs, WORK_DIR = BUILD-debs)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
work="${1:?usage: test_debs.sh WORK_DIR}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

"$source_dir/scripts/build-debs.sh" "$work" > "$work/build-debs.log" 2>&1 \
  || { tail -40 "$work/build-debs.log" >&2; echo "FAIL: scripts/build-debs.sh" >&2; exit 1; }
debs="$work/debs"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
version="$(dpkg-deb -f "$debs"/librillcore*_amd64.deb Version)"

expected=(librillcore0.1 librillqml0.1 qml6-module-rill librill-dev rill-tools rill-chat)
for p in "${expected[@]}"; do
  [ -f "$debs/${p}_${version}_amd64.deb" ] || fail "no package $p"
  [ -f "$debs/${p}-dbgsym_${version}_amd64.ddeb" ] || [ "$p" = librill-dev ] || fail "no $p-dbgsym"
done
ok "six packages and their -dbgsym packages at $version"

# lintian: no errors (warnings are listed for the reader).
lintian_out="$(lintian --tag-display-limit 0 "$debs"/*.deb 2>&1 | grep -v '^running with root' || true)"
echo "$lintian_out" | sed 's/^/  lintian: /'
if echo "$lintian_out" | grep -q '^E: '; then fail "lintian reports errors"; else ok "lintian: no errors"; fi

contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$'; }
for p in "${expected[@]}"; do
  deb="$debs/${p}_${version}_amd64.deb"
  files="$(contents "$deb")"
  echo "$files" | grep -qx "/usr/share/doc/$p/copyright" || fail "$p: no copyright"
  echo "$files" | grep -qx "/usr/share/doc/$p/changelog.Debian.gz" || fail "$p: no changelog.Debian.gz"
  if echo "$files" | grep -E '^/usr/lib/[^/]+$|^/usr/lib/(cmake|qt6)/'; then fail "$p: files outside the multiarch directory"; fi
  for bin in $(echo "$files" | grep '^/usr/bin/' || true); do
    echo "$files" | grep -qx "/usr/share/man/man1/$(basename "$bin").1.gz" || fail "$p: no man page for $bin"
  done
  [ "$(dpkg-deb -f "$deb" Maintainer)" != "" ] || fail "$p: no maintainer"
  [ "$(dpkg-deb -f "$deb" Description | wc -l)" -gt 2 ] || fail "$p: no long description"
done
ok "contents: copyright, changelog, multiarch paths, man pages"
contents "$debs/librillcore0.1_${version}_amd64.deb" | grep -qx "/usr/lib/$multiarch/librillcore.so.0.1" || fail "librillcore0.1: no SONAME link"
contents "$debs/qml6-module-rill_${version}_amd64.deb" | grep -qx "/usr/lib/$multiarch/qt6/qml/Rill/qmldir" || fail "qml6-module-rill: not in Qt's import path"
contents "$debs/librill-dev_${version}_amd64.deb" | grep -qx "/usr/lib/$multiarch/cmake/Rill/RillConfig.cmake" || fail "librill-dev: no CMake package"
contents "$debs/librill-dev_${version}_amd64.deb" | grep -qx "/usr/include/rill/version.h" || fail "librill-dev: no version.h"
grep -q "highlight.js" <(dpkg-deb --fsys-tarfile "$debs/librillcore0.1_${version}_amd64.deb" | tar -xO ./usr/share/doc/librillcore0.1/copyright) \
  || fail "librillcore0.1: copyright does not name highlight.js"

# Depends that dpkg-shlibdeps cannot know.
depends() { dpkg-deb -f "$debs/${1}_${version}_amd64.deb" Depends; }
need() { depends "$1" | tr ',' '\n' | sed 's/^ *//' | grep -q "^$2\b" || fail "$1 does not depend on $2"; }
need rill-chat librillcore0.1
need rill-chat libqt6sql6-sqlite
need rill-chat libqt6webenginewidgets6
need rill-tools qml6-module-rill
need rill-tools qml6-module-qtquick
need rill-tools qml6-module-qtwebengine
need qml6-module-rill librillqml0.1
need qml6-module-rill qml6-module-qtqml
need librill-dev qcoro-qt6-dev
ok "Depends"
sim="$(cd "$debs" && apt-get install --simulate -q $(for p in "${expected[@]}"; do echo "./${p}_${version}_amd64.deb"; done) 2>&1)" \
  && ok "apt can install all six with their dependencies" \
  || { echo "$sim" | tail -20 >&2; fail "apt cannot satisfy the packages' dependencies"; }

# Stripped binaries; their symbols in the -dbgsym packages.
root="$work/test-root"
rm -rf "$root"; mkdir -p "$root"
for p in "${expected[@]}"; do dpkg-deb -x "$debs/${p}_${version}_amd64.deb" "$root"; done
for elf in "$root/usr/bin/"* "$root/usr/lib/$multiarch/"*.so.*.* "$root/usr/lib/$multiarch/qt6/qml/Rill/"*.so; do
  if readelf -S "$elf" | grep -q '\.debug_info'; then fail "not stripped: ${elf#$root}"; fi
  readelf -d "$elf" | grep -qE 'RPATH|RUNPATH' && fail "custom RUNPATH in ${elf#$root}"
done
dbg="$work/dbgsym"; rm -rf "$dbg"; mkdir -p "$dbg"
dpkg-deb -x "$debs/librillcore0.1-dbgsym_${version}_amd64.ddeb" "$dbg"
find "$dbg/usr/lib/debug/.build-id" -name '*.debug' | head -1 | xargs readelf -S | grep -q '\.debug_info' \
  || fail "librillcore0.1-dbgsym holds no debug info"
ok "stripped, no RUNPATH, debug symbols in -dbgsym"

# The packaged programs run from the fresh root, against its own libraries.
export LD_LIBRARY_PATH="$root/usr/lib/$multiarch"
mkdir -p "$work/test-templates"
printf '{"items": ["a", "<b>"]}' > "$work/test-templates/ctx.json"
printf '{%% for i in items %%}<li>{{ i }}</li>{%% endfor %%}' > "$work/test-templates/list.html"
out="$("$root/usr/bin/rill-render" --dir "$work/test-templates" --context "$work/test-templates/ctx.json" list.html)"
[ "$out" = "<li>a</li><li>&lt;b&gt;</li>" ] && ok "packaged rill-render renders" || fail "rill-render printed: $out"
# What the dynamic loader maps (as ldd shows it), compared by real path: the
# work folder may be reached through a symlink.
libs="$(LD_TRACE_LOADED_OBJECTS=1 "$root/usr/bin/rill-render" 2>&1 || true)"
loaded="$(sed -n 's/^[[:space:]]*librillcore\.so\.0\.1 => \(.*\) (0x.*$/\1/p' <<<"$libs")"
if [ -n "$loaded" ] && [ "$(realpath "$loaded")" = "$(realpath "$root/usr/lib/$multiarch/librillcore.so.0.1")" ]; then
  ok "rill-render loads the packaged librillcore"
else
  echo "  the loader's view of rill-render (LD_LIBRARY_PATH=$LD_LIBRARY_PATH):"
  sed 's/^/    /' <<<"$libs"
  fail "rill-render does not load the packaged librillcore (it loads: ${loaded:-nothing})"
fi
"$root/usr/bin/rill-render" --version | grep -qx "rill-render ${version%-*}" || fail "rill-render --version"

log="$work/rill-view.log"
QML_IMPORT_TRACE=1 "$root/usr/bin/rill-view" --serve --port 0 "$here/Hello.qml" > "$log" 2>&1 &
view=$!
trap 'kill $view 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^rill-view: serving \(http[^ ]*\).*/\1/p' "$log" | head -1)"
  [ -n "$url" ] && break
  kill -0 $view 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$log" >&2; fail "packaged rill-view did not serve Hello.qml"
else
  page="$(python3 -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$url")"
  echo "$page" | grep -q 'Hello from packages' && ok "packaged rill-view serves a QML LiveView" || fail "page: $page"
  grep -q "$root/usr/lib/$multiarch/qt6/qml/Rill" "$log" && ok "import Rill came from the packaged module" \
    || { grep -i rill "$log" | head >&2; fail "import Rill did not load the packaged module"; }
fi
kill $view 2>/dev/null || true

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
echo "all package checks passed"
