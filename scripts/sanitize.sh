#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer: builds everything with
# g++ -fsanitize=address,undefined (-DAMINO_SANITIZE=ON, into ./build-asan) and runs ctest. Any
# memory error, leak or undefined behaviour fails the test that hit it.
#
#   bash scripts/sanitize.sh                     # every test; the nemesis sweeps on 50 and 8 seeds
#   bash scripts/sanitize.sh -R Spec             # extra arguments go to ctest
#   AMINO_JOBS=1 bash scripts/sanitize.sh        # build and test parallelism (default: nproc)
#
# How the project's stack switching is made visible to ASan (README "Fuzzing and sanitizers"):
# FiberScheduler annotates its switches (runtime/fiber/); SimGrid actors run as threads
# (contexts/factory:thread, sim/sim_world.cc); the Python tests preload ASan's runtime
# (tests/python/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${AMINO_JOBS:-$(nproc)}"

bash scripts/setup.sh
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=/usr/bin/python3 \
    -DAMINO_SANITIZE=ON >/dev/null
fi
cmake --build build-asan -j "$jobs"

# detect_stack_use_after_return stays off (its default): Boost.Context enters a new fiber once,
# unannotated, while constructing it, which fake stacks would misread.
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# The two ConsensusRSM nemesis sweeps, shortened (ASan runs them 3-5x slower): 50 SimGrid seeds,
# 8 in-process seeds (the normal defaults: 500 and 20).
export AMINO_SIM_SEEDS="${AMINO_SIM_SEEDS:-50}" AMINO_SEEDS="${AMINO_SEEDS:-8}"
ctest --test-dir build-asan --output-on-failure -j "$jobs" "$@"
