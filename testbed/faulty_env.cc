#include "testbed/faulty_env.h"

namespace amino::testbed {

const char* fault_event_name(FaultEvent::Kind k) {
  switch (k) {
    case FaultEvent::Kind::kDropped: return "drop";
    case FaultEvent::Kind::kDuplicated: return "duplicate";
    case FaultEvent::Kind::kDelayed: return "delay";
    case FaultEvent::Kind::kBlockedDrop: return "blocked-drop";
    case FaultEvent::Kind::kBlockedReset: return "blocked-reset";
  }
  return "?";
}

FaultyEnv::FaultyEnv(Env& inner, std::shared_ptr<const FaultState> state, Rng rng)
    : EnvWrapper(inner), state_(std::move(state)), rng_(std::move(rng)) {}

void FaultyEnv::set_inbox(Inbox inbox) {
  app_inbox_ = std::move(inbox);
  target().set_inbox(Inbox{
      [this](const NodeId& from, std::string frame) { on_frame(from, std::move(frame)); },
      [this](const NodeId& peer) { report_peer_down(peer); },
  });
}

void FaultyEnv::send(const NodeId& to, std::string frame) {
  ++stats_.sent;
  if (auto mode = state_->blocked(self(), to)) {
    ++stats_.blocked;
    if (*mode == BlockMode::kDrop) {
      note(FaultEvent::Kind::kBlockedDrop, self(), to);
      return;
    }
    ++stats_.resets;
    note(FaultEvent::Kind::kBlockedReset, self(), to);
    // After the current task: the sender is usually inside its RPC layer's send path, which must
    // not be re-entered by a failure callback.
    target().post([this, to] { report_peer_down(to); });
    return;
  }
  const LinkFaults& f = state_->faults_for(self(), to);
  const PathModel& path = state_->path(self(), to);
  if (!f.any() && !path.any()) {
    target().send(to, std::move(frame));
    return;
  }
  if (f.drop > 0 && rng_.chance(f.drop)) {
    ++stats_.dropped;
    note(FaultEvent::Kind::kDropped, self(), to);
    return;
  }
  if (f.duplicate > 0 && rng_.chance(f.duplicate)) {
    ++stats_.duplicated;
    note(FaultEvent::Kind::kDuplicated, self(), to);
    send_copy(to, frame, f, path);
  }
  send_copy(to, std::move(frame), f, path);
}

// Serialization behind the frames already on the path (FIFO, like one TCP connection), then latency.
Duration FaultyEnv::path_delay(const NodeId& to, std::size_t bytes, const PathModel& path) {
  const Time now = target().now();
  Time departs = now;
  if (path.bandwidth > 0) {
    Time& free_at = path_free_at_[to];
    departs = std::max(now, free_at) +
              static_cast<Duration>(static_cast<double>(bytes) * static_cast<double>(kSecond) / path.bandwidth);
    free_at = departs;
  }
  return departs - now + path.latency;
}

void FaultyEnv::send_copy(const NodeId& to, std::string frame, const LinkFaults& f, const PathModel& path) {
  Duration delay = f.delay;
  if (f.jitter > 0) delay += rng_.uniform_int(0, f.jitter);
  if (f.reorder > 0 && rng_.chance(f.reorder)) delay += rng_.uniform_int(0, f.reorder_window);
  if (delay > 0) {
    ++stats_.delayed;
    note(FaultEvent::Kind::kDelayed, self(), to, delay);
  }
  if (path.any()) delay += path_delay(to, frame.size(), path);
  if (delay == 0) {
    target().send(to, std::move(frame));
    return;
  }
  target().arm_timer(delay, [this, to, frame = std::move(frame)]() mutable { target().send(to, std::move(frame)); });
}

void FaultyEnv::on_frame(const NodeId& from, std::string frame) {
  // Frames already in flight when a cut began are caught here, at the receiver.
  if (auto mode = state_->blocked(from, self())) {
    ++stats_.blocked;
    if (*mode == BlockMode::kDrop) {
      note(FaultEvent::Kind::kBlockedDrop, from, self(), 0, true);
      return;
    }
    ++stats_.resets;
    note(FaultEvent::Kind::kBlockedReset, from, self(), 0, true);
    report_peer_down(from);
    return;
  }
  if (app_inbox_.on_message) app_inbox_.on_message(from, std::move(frame));
}

void FaultyEnv::report_peer_down(const NodeId& peer) {
  if (app_inbox_.on_peer_down) app_inbox_.on_peer_down(peer);
}

void FaultyEnv::note(FaultEvent::Kind kind, const NodeId& from, const NodeId& to, Duration delay, bool on_receive) {
  if (observer_) observer_(FaultEvent{kind, from, to, delay, on_receive});
}

}  // namespace amino::testbed
