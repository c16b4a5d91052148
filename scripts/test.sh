#!/usr/bin/env bash
# Configures (once), builds, and runs every test: Qt Test suites, the
# differential suite against Django, browser tests, packaging, fuzzing smoke
# runs. Arguments after the options go to ctest.
#
#   scripts/test.sh                 the build in build/ (RILL_BUILD_DIR)
#   scripts/test.sh --sanitize      the same suite built with AddressSanitizer
#                                   and UndefinedBehaviorSanitizer, in
#                                   build-asan/ (LeakSanitizer on; known
#                                   leaks of system libraries are suppressed in
#                                   tests/sanitizers/lsan.supp)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RILL_BUILD_DIR:-$here/build}"
configure=(-G Ninja)

if [ "${1:-}" = "--sanitize" ]; then
  shift
  build="${RILL_BUILD_DIR:-$here/build-asan}"
  sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # Exported too: the projects the tests build against Rill (tests/external,
  # the docs' examples) must link the same runtime.
  export CXXFLAGS="${CXXFLAGS:-} $sanitize"
  export LDFLAGS="${LDFLAGS:-} $sanitize"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_odr_violation=0:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$here/tests/sanitizers/ubsan.supp:${UBSAN_OPTIONS:-}"
  # Timing figures mean nothing under sanitizers, and the benchmarks take
  # long: not built.
  configure+=(-DRILL_BUILD_BENCH=OFF -DRILL_SANITIZE=ON)
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" "${configure[@]}"
fi
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
