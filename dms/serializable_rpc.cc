#include "dms/serializable_rpc.h"

#include <algorithm>

#include "dms/default_dm.h"

namespace amino::dms {

bool FifoLock::acquire(Env& env, Time deadline) {
  if (!held_ && waiters_.empty()) {
    held_ = true;
    return true;
  }
  auto turn = env.make_signal();
  waiters_.push_back(turn);
  // release() hands ownership over by notifying; a notification racing with the deadline still
  // means we own the lock, so notified() decides, not wait_until's result.
  turn->wait_until(deadline);
  if (turn->notified()) return true;
  waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), turn), waiters_.end());
  return false;
}

void FifoLock::release() {
  if (waiters_.empty()) {
    held_ = false;
    return;
  }
  auto next = waiters_.front();
  waiters_.pop_front();
  next->notify();  // held_ stays true: ownership passes directly to the oldest waiter
}

namespace {

class SerializableServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    const Duration wait = millis(ctx.config().at("lockTimeoutMs").as_int());
    if (!lock_.acquire(ctx.env(), std::min(inv.deadline, deadline_after(ctx.env().now(), wait)))) {
      return Reply::error(Code::kUnavailable, "SerializableRPC: " + inv.method + " waited " +
                                                  std::to_string(wait / kMillisecond) +
                                                  " ms for the object's lock (re-entrant call?)");
    }
    FifoLockGuard guard(lock_);
    return ctx.next(inv);
  }

 private:
  FifoLock lock_;
};

}  // namespace

DmDescriptor serializable_rpc() {
  DmDescriptor d;
  d.name = "SerializableRPC";
  d.summary = "a per-replica FIFO lock held for the whole of each call serializes RPCs";
  d.config = {ConfigKey{"lockTimeoutMs", Value::Kind::kInt, Value(10000), "longest a call waits for the lock", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = default_dm().make_client;  // calls are forwarded unchanged
  d.make_server = [] { return std::make_unique<SerializableServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
