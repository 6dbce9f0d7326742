// Size knobs for benchmark programs: "--name=value" on the command line (left over after
// benchmark::Initialize took its own flags), else an environment variable, else a default. Lets the
// ctest smoke runs use tiny sizes and a person ask for the full run without recompiling.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace amino::bench {

inline std::uint64_t size_arg(int argc, char** argv, std::string_view flag, const char* env_var,
                              std::uint64_t fallback) {
  const std::string prefix = std::string(flag) + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.substr(0, prefix.size()) == prefix) return std::stoull(std::string(a.substr(prefix.size())));
  }
  if (const char* v = std::getenv(env_var); v != nullptr && *v != '\0') return std::stoull(v);
  return fallback;
}

}  // namespace amino::bench
