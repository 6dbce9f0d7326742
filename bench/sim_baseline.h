// Baseline for simulator benchmarks: a raw SimGrid mailbox ping-pong (two actors on two hosts, no
// runtime, no seam) measured in messages per wall-clock second. Benchmarks report the runtime's
// simulated RPC rate as a ratio against this number measured in the same process run, never as an
// absolute wall-clock figure (see DESIGN.md "Tests and numbers").
#pragma once

#include <cstddef>
#include <cstdint>

namespace amino::bench {

struct SimBaselineResult {
  std::uint64_t messages = 0;        // one message = one completed put/get pair
  double wall_seconds = 0;           // around Engine::run only
  double messages_per_second = 0;    // messages / wall_seconds
  double simulated_seconds = 0;      // simulated time at the end of the run
};

// Runs the ping-pong in a forked child process (SimGrid allows one Engine per process), so it may
// be called any number of times, but only from a process that has not created a SimGrid Engine or
// SimWorld itself. Same platform as the runtime's sim benchmarks: CM02, two hosts joined by one
// 10 Gbit/s, 50 us link. Throws std::runtime_error if the child fails.
SimBaselineResult sim_mailbox_ping_pong(std::uint64_t messages, std::size_t payload_bytes = 64);

}  // namespace amino::bench
