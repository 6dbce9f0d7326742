#include "dms/serializable_rpc.h"

#include <algorithm>

#include "dms/support.h"

namespace amino::dms {

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
  d.paper = "SerializableRPC";
  d.source = "dms/serializable_rpc.h";
  d.guarantee =
      "At most one application call runs in a replica at a time, in arrival (FIFO) order. The kernel schedules "
      "cooperatively, so without this DM a call that blocks (a nested call to another microservice, "
      "Env::compute, waiting for a reply) lets other calls into the object mid-method; with it the lock is "
      "held across the block and the other calls queue.";
  d.tolerates =
      "Nothing beyond the kernel. The lock is per replica and not part of migrated state (migration drains "
      "calls in flight first, so no holder is ever moved).";
  d.caveats =
      "A re-entrant call chain (A calls B, B calls back into A) waits for A's own lock; it fails with "
      "kUnavailable after lockTimeoutMs instead of deadlocking forever.";
  d.config = {ConfigKey{"lockTimeoutMs", Value::Kind::kInt, Value(10000), "longest a call waits for the lock", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = make_forwarding_client;  // calls are forwarded unchanged
  d.make_server = [] { return std::make_unique<SerializableServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
