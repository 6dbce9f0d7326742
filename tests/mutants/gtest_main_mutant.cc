// The gtest main of the test binaries that can run a planted bug (runtime/mutants.h): selects the
// mutant named by AMINO_MUTANT before any test starts, outside the seam, so forked seeds inherit it.
// A build without mutants or an unknown name stops the binary (exit 2): never silently ignored.
// --list-mutants prints the mutants this build can run ("name file" per line) and exits.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "runtime/mutants.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1 && std::string_view(argv[1]) == "--list-mutants") {
    if constexpr (amino::kMutantsBuilt) {
      for (const auto& m : amino::mutant_catalogue()) std::printf("%s %s\n", m.name, m.file);
    }
    return 0;
  }
  if (const char* name = std::getenv("AMINO_MUTANT"); name != nullptr && *name != '\0') {
    try {
      amino::select_mutant(name);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "AMINO_MUTANT: %s\n", e.what());
      return 2;
    }
    std::fprintf(stderr, "AMINO_MUTANT: running with the planted bug %s (docs/mutants.md)\n", name);
  }
  return RUN_ALL_TESTS();
}
