#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds Amino++ into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/configure.sh
amino_build build
