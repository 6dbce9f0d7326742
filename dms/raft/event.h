// A reusable wake-up for one waiting execution context, built on the seam's one-shot Signal.
// A notify() that arrives while nobody waits is remembered, so the next wait returns at once: loops
// that check their condition, then wait, never miss a change made in between.
#pragma once

#include <memory>

#include "runtime/env.h"

namespace amino::dms::raft {

class Event {
 public:
  explicit Event(Env& env) : env_(env) {}

  void notify() {
    pending_ = true;
    if (signal_) signal_->notify();
  }
  // True if notified (before or during the wait), false when the deadline passed.
  bool wait_until(Time deadline) {
    if (pending_) {
      pending_ = false;
      return true;
    }
    auto s = env_.make_signal();
    signal_ = s;
    const bool woken = s->wait_until(deadline);
    if (signal_ == s) signal_.reset();
    pending_ = false;
    return woken;
  }

 private:
  Env& env_;
  bool pending_ = false;
  std::shared_ptr<Signal> signal_;
};

}  // namespace amino::dms::raft
