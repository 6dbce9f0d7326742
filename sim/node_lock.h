// The lock that makes a node's code one logical thread (sim_env.h), costing no simcall when free.
//
// SimGrid runs one actor at a time and switches only inside simcalls, so testing and setting a plain
// flag cannot be interleaved: an uncontended lock()/unlock() is two stores, where an s4u::Mutex
// costs a simcall (two context switches through maestro) each. A contended lock() queues a
// semaphore of its own and blocks on it; unlock() hands the lock to the first waiter (FIFO, as the
// s4u::Mutex does), so the order in which contexts get the node — and with it the run — stays
// deterministic. Waiters are killed with their host, never individually, so a dead waiter is never
// handed the lock of a live incarnation.
//
// Wake-ups given while the lock is held (a notified Signal, a queued task, an earlier timer) are
// deferred to unlock(): woken at once, the other context would run before the holder is done, find
// the lock taken and block again — two extra simcalls per wake-up, i.e. per RPC.
#pragma once

#include <deque>
#include <vector>

#include <simgrid/s4u.hpp>

namespace amino::sim {

class NodeLock {
 public:
  void lock() {
    if (!held_) {
      held_ = true;
      return;
    }
    simgrid::s4u::SemaphorePtr turn = simgrid::s4u::Semaphore::create(0);
    waiters_.push_back(turn);
    turn->acquire();  // handed over by unlock(): held_ stayed true
  }

  void unlock() {
    if (waiters_.empty()) {
      held_ = false;
    } else {
      simgrid::s4u::SemaphorePtr next = std::move(waiters_.front());
      waiters_.pop_front();
      next->release();
    }
    std::vector<simgrid::s4u::SemaphorePtr> wake;
    wake.swap(deferred_);
    for (const auto& s : wake) s->release();
  }

  // Releases `s` now if the lock is free, else when it is next unlocked.
  void release_after_unlock(simgrid::s4u::SemaphorePtr s) {
    if (held_) {
      deferred_.push_back(std::move(s));
    } else {
      s->release();
    }
  }

 private:
  bool held_ = false;
  std::deque<simgrid::s4u::SemaphorePtr> waiters_;
  std::vector<simgrid::s4u::SemaphorePtr> deferred_;
};

}  // namespace amino::sim
