#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DAMINO_FUZZ=ON, into ./build-fuzz) and runs each one in turn
# from its committed seeds (fuzz/corpus/<name>/). Exits nonzero if any target finds a crash, a leak,
# undefined behaviour, a timeout or an out-of-memory; the input is saved as
# build-fuzz/artifacts/<name>-crash-... and replays with `build-fuzz/fuzz/<name>_fuzz FILE`.
#
#   bash scripts/fuzz.sh                     # 60 s per target
#   bash scripts/fuzz.sh --seconds 20        # what scripts/test.sh runs (CI)
#   bash scripts/fuzz.sh --runs 10000000     # the long run (fuzz/README.md has the figures)
#   bash scripts/fuzz.sh --target spec_yaml --seconds 300
#
# New inputs libFuzzer finds go to build-fuzz/corpus/<name>/, never into fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time=60)
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1 (--seconds N | --runs N | --target NAME)" >&2; exit 2 ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cc; do
    n="$(basename "$f" _fuzz.cc)"
    targets+=("$n")
  done
fi

bash scripts/setup.sh
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython_EXECUTABLE=/usr/bin/python3 -DAMINO_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz -j "$(nproc)" --target fuzz_targets

# AMINO_FUZZ_SEED fixes libFuzzer's random seed (CI: the same mutations every run); unset: random.
seed=()
[ -n "${AMINO_FUZZ_SEED:-}" ] && seed=(-seed="$AMINO_FUZZ_SEED")
mkdir -p build-fuzz/artifacts
failed=()
printf '%-16s %14s %8s %8s  %s\n' target executions exec/s seconds result >build-fuzz/fuzz-summary.txt
for name in "${targets[@]}"; do
  exe="build-fuzz/fuzz/${name}_fuzz"
  [ -x "$exe" ] || { echo "fuzz.sh: no target $name" >&2; exit 2; }
  work="build-fuzz/corpus/$name"
  mkdir -p "$work"
  dict=()
  [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  log="build-fuzz/fuzz-$name.log"
  start=$(date +%s)
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GiB is unbounded memory.
  status=0
  "$exe" "$work" "fuzz/corpus/$name" "${limit[@]}" "${seed[@]}" "${dict[@]}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$name-" >"$log" 2>&1 || status=$?
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status; $log)"
    failed+=("$name")
    grep -E "^==[0-9]+==|^SUMMARY|ERROR|fuzz property|Test unit written" "$log" | head -20 >&2 || true
  fi
  printf '%-16s %14s %8s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$seconds" "$result" \
    | tee -a build-fuzz/fuzz-summary.txt
done
echo "--- summary (build-fuzz/fuzz-summary.txt)"
cat build-fuzz/fuzz-summary.txt
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${failed[*]} failed" >&2
  exit 1
fi
