#!/usr/bin/env bash
# The first README command: set up, build, and run the main job — the multiplayer-game scenario on
# its embedded defaults, in the SimGrid simulation, through the `amino` command line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export PYTHONPATH="$PWD/build/pybind:$PWD/pybind" AMINO_BUILD="$PWD/build"
/usr/bin/python3 -m amino run multiplayer_game --out build/main-job "$@"
