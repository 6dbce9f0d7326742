#!/usr/bin/env bash
# The first README command: set up, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/hello_loopback.sh
