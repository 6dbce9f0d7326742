// Size knobs for benchmark programs: "--name=value" on the command line (left over after
// benchmark::Initialize took its own flags), else an environment variable, else a default. Lets the
// ctest smoke runs use tiny sizes and a person ask for the full run without recompiling.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

// "--name=value" from the command line, else `fallback` (knobs that have no environment variable).
inline std::string arg(int argc, char** argv, std::string_view name, const char* fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.substr(0, prefix.size()) == prefix) return std::string(a.substr(prefix.size()));
  }
  return fallback;
}

// A comma-separated list, empty items skipped ("1,8" -> {"1", "8"}).
inline std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string::size_type from = 0;
  while (from <= s.size()) {
    const auto comma = std::min(s.find(',', from), s.size());
    if (comma > from) out.push_back(s.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

}  // namespace amino::bench
