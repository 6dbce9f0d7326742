// FaultyEnv: an Env decorator that injects message faults in the runtime's own message layer, so
// one fault vocabulary works on every backend. It wraps a node's Env (an EnvWrapper: everything
// else is forwarded), and on the way out (send) and in (the inbox) consults the shared FaultState:
//   - blocked pair: drop silently, or "reset" (the noticing endpoint gets Inbox::on_peer_down);
//   - per-message loss, duplication, fixed delay, jitter and reordering (random extra delay);
//   - an emulated path (FaultState::set_path: latency + size / bandwidth, frames of one path in
//     order), used by the sockets backend only.
// Every random draw comes from this decorator's own seeded Rng (forked from the node's), and delays
// use the wrapped Env's timers: no clocks, threads or global randomness, hence deterministic in sim
// and usable unchanged on sockets. Draws happen only when a fault is configured, so a run with an
// empty FaultState behaves exactly like the undecorated Env.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "runtime/env.h"
#include "runtime/env_wrapper.h"
#include "testbed/fault_state.h"

namespace amino::testbed {

struct FaultEvent {
  enum class Kind { kDropped, kDuplicated, kDelayed, kBlockedDrop, kBlockedReset };
  Kind kind;
  NodeId from;
  NodeId to;
  Duration delay = 0;       // kDelayed: the extra delay applied to one copy
  bool on_receive = false;  // blocked frames caught at the receiver (in flight when the cut began)
};

const char* fault_event_name(FaultEvent::Kind k);

struct FaultyStats {
  std::uint64_t sent = 0, dropped = 0, duplicated = 0, delayed = 0, blocked = 0, resets = 0;
  FaultyStats& operator+=(const FaultyStats& o) {
    sent += o.sent, dropped += o.dropped, duplicated += o.duplicated;
    delayed += o.delayed, blocked += o.blocked, resets += o.resets;
    return *this;
  }
};

class FaultyEnv : public EnvWrapper {
 public:
  // `state` is shared by all nodes of a run and may be mutated at any time between node tasks.
  FaultyEnv(Env& inner, std::shared_ptr<const FaultState> state, Rng rng);

  // The message path; everything else is forwarded to the wrapped Env unchanged.
  void send(const NodeId& to, std::string frame) override;
  void set_inbox(Inbox inbox) override;

  // Called for every fault applied to a frame (traces, counters). Runs on this node's thread.
  void set_observer(std::function<void(const FaultEvent&)> observer) { observer_ = std::move(observer); }
  const FaultyStats& stats() const { return stats_; }

 private:
  void send_copy(const NodeId& to, std::string frame, const LinkFaults& f, const PathModel& path);
  Duration path_delay(const NodeId& to, std::size_t bytes, const PathModel& path);
  void on_frame(const NodeId& from, std::string frame);
  void report_peer_down(const NodeId& peer);
  void note(FaultEvent::Kind kind, const NodeId& from, const NodeId& to, Duration delay = 0, bool on_receive = false);

  std::shared_ptr<const FaultState> state_;
  Rng rng_;
  Inbox app_inbox_;
  std::function<void(const FaultEvent&)> observer_;
  FaultyStats stats_;
  std::map<NodeId, Time> path_free_at_;  // when each emulated path finishes serializing
};

}  // namespace amino::testbed
