#!/usr/bin/env bash
# The second README command: set up, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# The Python package with planted bugs (docs/mutants.md) in ./build-mutants, for the pytest that
# hunts one; ccache gives it ./build's objects but for the few files that plant mutants.
# AMINO_REQUIRE_MUTANTS makes that test fail, rather than skip, if the build is missing.
source scripts/configure.sh
amino_build build-mutants -DAMINO_MUTANTS=ON -- _amino
export AMINO_REQUIRE_MUTANTS=1
# Every libFuzzer target of fuzz/ for a short while from its committed seeds (clang build in
# ./build-fuzz), so that a decoder regression fails here; AMINO_FUZZ_SECONDS=0 skips it. Long runs:
# fuzz/README.md. Before ctest, so that ctest's summary closes the output.
fuzz_seconds="${AMINO_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" -gt 0 ]; then
  AMINO_FUZZ_SEED="${AMINO_FUZZ_SEED:-1}" bash scripts/fuzz.sh --seconds "$fuzz_seconds"
fi
# ConsensusRSM's SimGrid nemesis: 500 seeds (every partition kind, loss, duplication, reordering,
# clock skew, crashes with and without storage), each history checked for linearizability.
# A longer sweep: AMINO_SIM_SEEDS=5000 bash scripts/test.sh (or ctest -R ConsensusSimNemesis).
export AMINO_SIM_SEEDS="${AMINO_SIM_SEEDS:-500}"
ctest --test-dir build --output-on-failure -j "$(nproc)"
