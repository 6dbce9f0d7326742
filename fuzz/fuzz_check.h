// What every fuzz target shares: a broken property is a crash that libFuzzer reports and saves.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace amino::fuzz {

// Stops the run (libFuzzer writes the input to crash-<sha1>) when `ok` is false.
inline void check(bool ok, const char* property, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property broken: %s\n%s\n", property, detail.c_str());
  std::abort();
}

}  // namespace amino::fuzz
