// The run's event trace: every network send and delivery, timer firing, message fault and node
// fault, stamped with simulated time. A hash folded over every event's fields in a fixed order is
// the run's determinism fingerprint: same (binary, scenario, seed) => same hash. Exports: JSON lines (one
// event per line, for scripts) and Chrome/Perfetto trace JSON (one track per node, flow arrows for
// messages, spans for faults with a duration such as pauses, crashes and partitions).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/time.h"

namespace amino::sim {

struct TraceEvent {
  Time time = 0;          // simulated ns (true time, not a skewed node clock)
  std::string node;       // "*" for world-wide events
  std::string kind;       // send, recv, timer, netfault, fault, fault_begin, fault_end, error, deadlock,
                          // trigger, fault_skipped, probe (not hashed)
  std::string peer;       // other endpoint of a message
  std::uint64_t id = 0;   // message id (send/recv) or timer id
  std::uint64_t bytes = 0;
  std::uint64_t digest = 0;  // frame_digest of the frame (send)
  std::string detail;
};

std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ULL);
inline std::uint64_t fnv1a64(const std::string& s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  return fnv1a64(s.data(), s.size(), h);
}

// A frame's digest for the trace: std::hash of its bytes (libstdc++'s unseeded Murmur-style hash,
// 8 bytes per step: a byte-at-a-time FNV over every frame cost ~5 % of a simulated RPC). Stable for
// a given binary, which is what the determinism promise is about.
inline std::uint64_t frame_digest(const std::string& frame) { return std::hash<std::string>{}(frame); }

class Trace {
 public:
  // keep_events=false keeps only the running hash and count (long benchmark runs).
  explicit Trace(bool keep_events = true) : keep_(keep_events) {}

  void record(TraceEvent e);
  // An event kept for the exports only, outside the hash and the count: probes (runtime/probe.h),
  // which observe state the hashed events already determine (so runs that report probes keep the
  // trace hashes they had before probes existed).
  void note(TraceEvent e);
  const std::vector<TraceEvent>& events() const { return events_; }
  std::uint64_t size() const { return count_; }
  std::uint64_t hash() const { return hash_; }
  bool keeps_events() const { return keep_; }

  // What message `id` carries (sim/call_labels.h: "ks.invoke read", "reply ks.invoke read", a
  // service): shown on its send and recv events in both exports, as "call". Not hashed: a label is
  // derived from the frame, whose digest is, and only runs that keep their events have labels.
  void label_message(std::uint64_t id, std::string call);
  std::string hash_hex() const;

  std::string to_jsonl() const;
  // `nodes` fixes the track order (one thread per node, plus a "world" track for "*").
  std::string to_chrome_json(const std::vector<std::string>& nodes) const;

 private:
  bool keep_;
  std::vector<TraceEvent> events_;
  std::unordered_map<std::uint64_t, std::string> calls_;  // message id -> label
  std::uint64_t count_ = 0;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace amino::sim
