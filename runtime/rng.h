// The only source of randomness above the seam: seeded, portable (own distributions, not the
// standard library's implementation-defined ones), so a seed means the same run everywhere.
#pragma once
#include <cstdint>
#include <random>

namespace amino {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive); rejection sampling keeps it unbiased.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(next());
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    std::uint64_t x;
    do { x = next(); } while (x >= limit);
    return lo + static_cast<std::int64_t>(x % span);
  }
  bool chance(double p) { return uniform() < p; }
  // A child RNG with its own stream, for components that must not perturb each other's draws.
  Rng fork() { return Rng(next() ^ 0x9E3779B97F4A7C15ULL); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace amino
