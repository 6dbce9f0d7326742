#!/usr/bin/env bash
# The second README command: set up, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# ConsensusRSM's SimGrid nemesis: 500 seeds (every partition kind, loss, duplication, reordering,
# clock skew, crashes with and without storage), each history checked for linearizability.
# A longer sweep: AMINO_SIM_SEEDS=5000 bash scripts/test.sh (or ctest -R ConsensusSimNemesis).
export AMINO_SIM_SEEDS="${AMINO_SIM_SEEDS:-500}"
ctest --test-dir build --output-on-failure -j "$(nproc)"
