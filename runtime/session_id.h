// Session identities: 128 bits that name one incarnation of one endpoint (a kernel server, amino-ctl,
// a Python client) for duplicate suppression, written as 32 lowercase hex digits. A session is never
// reused across processes: real backends draw it from the OS entropy source at every start,
// simulated ones once per node from its seeded RNG, so runs stay deterministic. A simulated node
// keeps its session across a crash and restart; its kernel then counts call ids up from a fresh
// random 63-bit point drawn at boot (runtime/kernel.cc), so (session, call id) still names one
// application call across processes, hosts and restarts.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/rng.h"

namespace amino {

using SessionId = std::string;

inline SessionId format_session_id(std::uint64_t hi, std::uint64_t lo) {
  static constexpr char kHex[] = "0123456789abcdef";
  SessionId out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = kHex[(hi >> (4 * i)) & 0xf];
    out[31 - i] = kHex[(lo >> (4 * i)) & 0xf];
  }
  return out;
}

// For simulated backends: from the node's seeded RNG, through a forked copy, so that the node's own
// stream of draws (and so every seeded run) is the same as without sessions.
inline SessionId draw_session_id(const Rng& node_rng) {
  Rng copy = node_rng;
  Rng stream = copy.fork();
  const std::uint64_t hi = stream.next();
  return format_session_id(hi, stream.next());
}

}  // namespace amino
