module amino/bench/porcupine

go 1.16

require github.com/anishathalye/porcupine v0.0.0

// No network: bench/checker_vs_porcupine.sh builds in a temporary copy of this folder and extracts
// Porcupine (at the commit tests/check/thirdparty/manifest.json names) into ./porcupine-src there.
replace github.com/anishathalye/porcupine => ./porcupine-src
