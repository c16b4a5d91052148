#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ (clang, libFuzzer, ASan + UBSan) and runs
# each for a while on a copy of its seed corpus.
#
#   scripts/fuzz.sh [--time SECONDS] [--build DIR] [TARGET...]
#
# --time   how long each target runs (default 60)
# --build  the build directory (default build-fuzz next to this script's repo)
# TARGET   fuzz_template, fuzz_markdown, ... (default: every target fuzz/CMakeLists.txt declares)
#
# Prints one line per target: runs, execs/s, coverage, corpus size, crashes.
# Exits 1 if any target crashed, hung (-timeout, 20 s per input) or ran out
# of memory; the input that did it is kept in BUILD/crashes/TARGET/ and the
# fuzzer's log in BUILD/logs/TARGET.log. Reproduce one with
#   BUILD/TARGET BUILD/crashes/TARGET/crash-...
# New inputs the run found are left in BUILD/corpus/TARGET/ (the seeds in
# fuzz/corpus/ are not touched). Needs clang and libclang-rt-14-dev
# (scripts/install-deps.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-fuzz"
seconds=60
targets=()

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --time) [ $# -ge 2 ] || { echo "fuzz.sh: --time needs a number of seconds" >&2; exit 2; }
            seconds="$2"; shift 2 ;;
    --time=*) seconds="${1#--time=}"; shift ;;
    --build) [ $# -ge 2 ] || { echo "fuzz.sh: --build needs a directory" >&2; exit 2; }
             build="$2"; shift 2 ;;
    --build=*) build="${1#--build=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz.sh: --time wants whole seconds, got '$seconds'" >&2; exit 2 ;;
esac

for tool in clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is missing; run scripts/install-deps.sh" >&2; exit 2; }
done

# Configure once (with clang: a build directory made with another compiler
# cannot be switched), then build; both are no-ops when nothing changed.
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
fi
if ! cmake --build "$build" >"$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  echo "fuzz.sh: the build failed" >&2
  exit 2
fi

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -v '^$' "$build/fuzz-targets.txt")
fi

failed=0
for t in "${targets[@]}"; do
  if [ ! -x "$build/$t" ]; then
    echo "fuzz.sh: no target $t (declared: $(tr '\n' ' ' < "$build/fuzz-targets.txt"))" >&2
    exit 2
  fi
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  log="$build/logs/$t.log"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  [ -d "$root/fuzz/corpus/$t" ] && cp -R "$root/fuzz/corpus/$t/." "$corpus/"
  args=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$crashes/")
  [ -f "$root/fuzz/$t.dict" ] && args+=(-dict="$root/fuzz/$t.dict")
  before=$(find "$crashes" -type f | wc -l)
  started=$(date +%s)
  rc=0
  "$build/$t" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - started ))
  after=$(find "$crashes" -type f | wc -l)
  found=$((after - before))

  # The final stats when the run ended normally, else the last status line.
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  runs=$(sed -n 's/^stat::number_executed_units: *//p' "$log" | tail -1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  [ -n "$rate" ] || rate=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%s: %s runs (%s/s) in %s s, coverage %s edges, %s features, corpus %s, %s crashes\n' \
    "$t" "${runs:-?}" "${rate:-?}" "$elapsed" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    failed=1
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+:)' "$log" | head -5 | sed 's/^/  /' || true
    echo "  log: $log; inputs kept in $crashes/"
  fi
done
exit "$failed"
