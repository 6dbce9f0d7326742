#!/usr/bin/env bash
# The harness's self-check (docs/mutants.md): builds ./build-mutants with the planted bugs
# (-DAMINO_MUTANTS=ON; only the targets the hunt needs), then hunts each mutant and prints a table:
# mutant, the harness that hunted it, seeds run, first failing seed (seeds-to-catch) or "not caught".
#
#   bash scripts/mutants.sh                      # every mutant, up to 100 seeds each
#   bash scripts/mutants.sh --seeds 200 --jobs 2 quorum_off_by_one stale_leader_read
#   bash scripts/mutants.sh --all-seeds          # run every seed: also count the failing ones
#   bash scripts/mutants.sh --hunt               # the Python hunt instead of the C++ sim nemesis
#
# ConsensusRSM and Raft mutants are hunted by the SimGrid nemesis of tests/dms/consensus
# (consensus_sim_tests, one seed per run, histories checked for linearizability), or with --hunt by
# `python3 -m amino hunt replicated_register --check register`. The caching DMs promise no
# linearizability, so their mutants are hunted by their own tests (dm_library_tests), which check
# the guarantees their descriptors state. `none` runs the unmodified code over the same seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

hunt=0
for arg in "$@"; do
  case "$arg" in
    --hunt) hunt=1 ;;
    -h|--help) exec /usr/bin/python3 scripts/mutants_hunt.py --help ;;
  esac
done

bash scripts/setup.sh >/dev/null
if [ ! -f build-mutants/CMakeCache.txt ]; then
  cmake -S . -B build-mutants -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=/usr/bin/python3 \
    -DAMINO_MUTANTS=ON >/dev/null
fi
targets=(consensus_sim_tests dm_library_tests)
if [ "$hunt" = 1 ]; then targets+=(_amino); fi
# AMINO_MUTANT must not reach the build: test discovery runs the test binaries.
env -u AMINO_MUTANT cmake --build build-mutants -j "${AMINO_JOBS:-$(nproc)}" --target "${targets[@]}"
exec /usr/bin/python3 scripts/mutants_hunt.py --build build-mutants "$@"
