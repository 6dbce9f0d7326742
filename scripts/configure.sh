#!/usr/bin/env bash
# Configures (if needed) and builds one build tree of Amino++: sourced by build.sh, mutants.sh and
# test.sh, so every tree is configured the same way.
#
#   amino_build DIR [cmake -D options...] -- [targets...]
#
# ccache (a Debian package setup.sh installs) caches compiles across trees: CCACHE_BASEDIR makes
# paths relative to the checkout and CCACHE_NOHASHDIR leaves the build directory out of the hash,
# so ./build-mutants, which differs from ./build in the few files that plant mutants, recompiles
# only those (measured: 26 of 27 runtime objects came from the cache). A user's own CCACHE_DIR is
# kept; AMINO_NO_CCACHE=1 builds without it.
amino_build() {
  local dir="$1"; shift
  local options=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targets=("$@")
  local repo
  repo="$(pwd)"
  local launcher=()
  if [ -z "${AMINO_NO_CCACHE:-}" ] && command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=/usr/bin/python3 \
    "${launcher[@]}" "${options[@]}" >/dev/null
  # AMINO_MUTANT must not reach a build: test discovery runs the test binaries.
  if [ ${#targets[@]} -gt 0 ]; then
    env -u AMINO_MUTANT cmake --build "$dir" -j "${AMINO_JOBS:-$(nproc)}" --target "${targets[@]}"
  else
    env -u AMINO_MUTANT cmake --build "$dir" -j "${AMINO_JOBS:-$(nproc)}"
  fi
}
