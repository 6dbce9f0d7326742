// Time on the seam: integer nanoseconds on the backend's clock (simulated or monotonic).
#pragma once
#include <algorithm>
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

// Saturating conversions and deadline arithmetic. Durations come from configs, flags, Python and
// peers; `now + d` with a huge d used to wrap negative, so `timeoutMs: 9223372036854775807` made
// every call fail at once. Results are clamped to [-kForever, kForever]: kForever means "no
// practical deadline", and kForever is far enough from the int64 edge that adding two of them
// cannot overflow.

// count * unit, clamped (e.g. saturating_mul(ms, kMillisecond)).
constexpr Duration saturating_mul(std::int64_t count, Duration unit) {
  if (unit != 0 && count > kForever / unit) return kForever;
  if (unit != 0 && count < -kForever / unit) return -kForever;
  return count * unit;
}
constexpr Duration millis(std::int64_t ms) { return saturating_mul(ms, kMillisecond); }

// A floating-point amount of `unit`, clamped; NaN is 0 (casting it, or a value beyond int64, to an
// integer is undefined behaviour).
constexpr Duration scaled(double count, Duration unit) {
  const double d = count * static_cast<double>(unit);
  if (!(d == d)) return 0;
  if (d >= static_cast<double>(kForever)) return kForever;
  if (d <= -static_cast<double>(kForever)) return -kForever;
  return static_cast<Duration>(d);
}
constexpr Duration from_millis(double ms) { return scaled(ms, kMillisecond); }
constexpr Duration from_seconds(double s) { return scaled(s, kSecond); }

// `now + d`, clamped to kForever (and to -kForever below): the deadline of something that should
// take d from now.
constexpr Time deadline_after(Time now, Duration d) {
  const Time t = std::clamp<Time>(now, -kForever, kForever) + std::clamp<Duration>(d, -kForever, kForever);
  return std::clamp<Time>(t, -kForever, kForever);
}

}  // namespace amino
