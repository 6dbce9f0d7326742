#!/usr/bin/env bash
# Installs exactly the Debian packages Amino++ needs, only when missing.
# Idempotent and non-interactive; safe to run on every build.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsimgrid-dev libboost-dev libboost-program-options-dev libboost-context-dev
  protobuf-compiler libprotobuf-dev libyaml-cpp-dev nlohmann-json3-dev
  libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev python3-venv python3-pip python3-setuptools python3-wheel
  python3-matplotlib python3-numpy python3-pytest python3-tqdm python3-pil
  python3-pandas python3-distributed
  chromium
  jupyter-nbconvert python3-nbformat python3-ipykernel
  clang libclang-rt-dev llvm
  ccache mypy
  iproute2 nftables
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
