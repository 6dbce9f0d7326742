// SerializableRPC — the paper's "server-side lock serializes RPCs".
// Guarantee: at most one application call runs in a replica at a time, in arrival (FIFO) order. The
//   kernel schedules cooperatively, so without this DM a call that blocks (a nested call to another
//   microservice, Env::compute, waiting for a reply) lets other calls into the object mid-method;
//   with it the lock is held across the block and the other calls queue.
// Tolerates: nothing beyond the kernel. The lock is per replica and not part of migrated state
//   (migration drains calls in flight first, so no holder is ever moved).
// Caveat: a re-entrant call chain (A calls B, B calls back into A) waits for A's own lock; it fails
//   with kUnavailable after lockTimeoutMs instead of deadlocking forever.
// Config keys: lockTimeoutMs (int, default 10000): longest a call waits for the lock.
#pragma once

#include <deque>
#include <memory>

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor serializable_rpc();

// A cooperative FIFO mutex for code on one node: ownership is handed to the oldest waiter on
// release, so no waiter starves. Also used by other DMs that must hold exclusion across a block.
class FifoLock {
 public:
  // Blocks the calling execution context until the lock is ours or `deadline`; true if acquired.
  bool acquire(Env& env, Time deadline);
  void release();
  bool held() const { return held_; }

 private:
  bool held_ = false;
  std::deque<std::shared_ptr<Signal>> waiters_;
};

// Releases a FifoLock on scope exit.
class FifoLockGuard {
 public:
  explicit FifoLockGuard(FifoLock& lock) : lock_(lock) {}
  ~FifoLockGuard() { lock_.release(); }
  FifoLockGuard(const FifoLockGuard&) = delete;
  FifoLockGuard& operator=(const FifoLockGuard&) = delete;

 private:
  FifoLock& lock_;
};

}  // namespace amino::dms
