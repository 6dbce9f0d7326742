#!/usr/bin/env bash
# The harness's self-check (docs/mutants.md): builds ./build-mutants with the planted bugs
# (-DAMINO_MUTANTS=ON; only the targets the hunt needs), then hunts each mutant and prints a table:
# mutant, the harness that hunted it, seeds run, first failing seed (seeds-to-catch) or "not caught".
#
#   bash scripts/mutants.sh                      # every mutant, 100 seeds each
#   bash scripts/mutants.sh --seeds 200 --jobs 2 none quorum_off_by_one stale_leader_read
#   bash scripts/mutants.sh --sim                # the C++ sim nemesis instead of the Python hunt
#   bash scripts/mutants.sh --sim --all-seeds    # ... running every seed: also count the failing ones
#
# ConsensusRSM and Raft mutants are hunted by `python3 -m amino hunt replicated_register --param
# model=any --param timing=random`, or with --sim by the SimGrid nemesis of tests/dms/consensus (consensus_sim_tests, one
# seed per run); both check every history for linearizability. The caching DMs promise no
# linearizability, so their mutants are hunted by their own tests (dm_library_tests), which check
# the guarantees their descriptors state. `none` runs the unmodified code over the same seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

sim=0
for arg in "$@"; do
  case "$arg" in
    --sim) sim=1 ;;
    -h|--help) exec /usr/bin/python3 scripts/mutants_hunt.py --help ;;
  esac
done

bash scripts/setup.sh >/dev/null
source scripts/configure.sh
targets=(dm_library_tests)
if [ "$sim" = 1 ]; then targets+=(consensus_sim_tests dm_sim_tests); else targets+=(_amino); fi
amino_build build-mutants -DAMINO_MUTANTS=ON -- "${targets[@]}"
exec /usr/bin/python3 scripts/mutants_hunt.py --build build-mutants "$@"
