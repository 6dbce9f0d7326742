#!/usr/bin/env bash
# Our linearizability checker against Porcupine on third-party histories (issue 16, section 2): the
# histories of tests/check/thirdparty/manifest.json (Porcupine's etcd and kv logs, Knossos'
# cas-register histories, as JSON Lines), each checked by Porcupine (bench/porcupine, Go) and by ours
# (bench/porcupine/compare.py, function `ours`); prints verdicts, times and ratios per file and per
# group, and exits 1 if either checker disagrees with an expected verdict.
#
#   bash bench/checker_vs_porcupine.sh                      # every history, best of 1
#   bash bench/checker_vs_porcupine.sh --repeat 5           # best of 5 runs per history
#   bash bench/checker_vs_porcupine.sh --only 'kv-c50' --gomaxprocs 1
#   bash bench/checker_vs_porcupine.sh --verdict-only     # ours without the window's earliest-failure search
#
# Needs Go (installs golang-go with apt-get when missing) and a git directory of Porcupine holding
# the manifest's commit, in PORCUPINE_GIT or build/porcupine.git:
#   git clone --bare https://github.com/anishathalye/porcupine build/porcupine.git
# The build itself uses no network (GOPROXY=off; Porcupine is extracted next to the program).
# Our side runs with PYTHONPATH=build/pybind:pybind (AMINO_BUILD to use another build folder).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MANIFEST="$ROOT/tests/check/thirdparty/manifest.json"
BUILD="${AMINO_BUILD:-$ROOT/build}"

only=""
repeat=1
procs=""
verdict_only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --gomaxprocs) procs="$2"; shift 2 ;;
    --verdict-only) verdict_only=(--verdict-only); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "checker_vs_porcupine.sh: unknown argument $1 (--only REGEX | --repeat N | --gomaxprocs N | --verdict-only)" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null; then
  echo "checker_vs_porcupine.sh: installing golang-go" >&2
  apt-get install -y golang-go >/dev/null
fi

PORCUPINE_GIT="${PORCUPINE_GIT:-$ROOT/build/porcupine.git}"
if [ ! -d "$PORCUPINE_GIT" ]; then
  echo "checker_vs_porcupine.sh: no Porcupine git directory; run" >&2
  echo "  git clone --bare https://github.com/anishathalye/porcupine build/porcupine.git" >&2
  exit 2
fi
COMMIT="$(/usr/bin/python3 -c 'import json,sys; print({e["source"]["commit"] for e in json.load(open(sys.argv[1])) if e["source"]["repo"] == "anishathalye/porcupine"}.pop())' "$MANIFEST")"
if ! git --git-dir="$PORCUPINE_GIT" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
  echo "checker_vs_porcupine.sh: $PORCUPINE_GIT lacks Porcupine commit $COMMIT (fetch it)" >&2
  exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$ROOT"/bench/porcupine/*.go "$ROOT"/bench/porcupine/go.mod "$WORK"/
mkdir "$WORK/porcupine-src"
git --git-dir="$PORCUPINE_GIT" archive "$COMMIT" | tar -x -C "$WORK/porcupine-src"
(cd "$WORK" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o porcupine-bench .)

echo "Porcupine $COMMIT ($(go version | cut -d' ' -f3)), $(nproc) cores"
status=0
GOMAXPROCS="${procs:-$(nproc)}" "$WORK/porcupine-bench" -manifest "$MANIFEST" -only "$only" -repeat "$repeat" \
  >"$WORK/porcupine.tsv" || status=$?
if [ "$status" -ge 2 ]; then cat "$WORK/porcupine.tsv"; exit "$status"; fi
head -1 "$WORK/porcupine.tsv"
tail -1 "$WORK/porcupine.tsv"
echo

PYTHONPATH="$BUILD/pybind:$ROOT/pybind" /usr/bin/python3 "$ROOT/bench/porcupine/compare.py" \
  "$MANIFEST" "$WORK/porcupine.tsv" --only "$only" --repeat "$repeat" "${verdict_only[@]}"
