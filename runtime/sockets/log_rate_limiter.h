// Bounds how fast a flood can grow the log: at most `burst` lines per `window` of a category (e.g.
// rejected connections); lines beyond that are counted, and the next line admitted says how many
// were dropped. Pure (time is passed in), so it is tested without a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/time.h"

namespace amino::sockets {

class LogRateLimiter {
 public:
  LogRateLimiter(std::size_t burst, Duration window) : burst_(burst), window_(window) {}

  // The line to write at `now` (with a note of the lines suppressed before it), or "" to drop it.
  std::string admit(Time now, const std::string& line) {
    if (now - window_start_ >= window_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_;
      return "";
    }
    ++in_window_;
    if (suppressed_ == 0) return line;
    std::string out = line + " (" + std::to_string(suppressed_) + " similar lines suppressed before this one)";
    suppressed_ = 0;
    return out;
  }
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  const std::size_t burst_;
  const Duration window_;
  Time window_start_ = -kForever;
  std::size_t in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace amino::sockets
