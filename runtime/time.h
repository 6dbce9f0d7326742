// Time on the seam: integer nanoseconds on the backend's clock (simulated or monotonic).
#pragma once
#include <cstdint>
#include <limits>

namespace amino {

using Time = std::int64_t;      // ns since the backend's epoch
using Duration = std::int64_t;  // ns

inline constexpr Duration kNanosecond = 1;
inline constexpr Duration kMicrosecond = 1000;
inline constexpr Duration kMillisecond = 1000 * kMicrosecond;
inline constexpr Duration kSecond = 1000 * kMillisecond;
inline constexpr Time kForever = std::numeric_limits<Time>::max() / 4;

constexpr double to_seconds(Duration d) { return static_cast<double>(d) / kSecond; }
constexpr double to_millis(Duration d) { return static_cast<double>(d) / kMillisecond; }
constexpr Duration from_millis(double ms) { return static_cast<Duration>(ms * kMillisecond); }
constexpr Duration from_seconds(double s) { return static_cast<Duration>(s * kSecond); }

}  // namespace amino
