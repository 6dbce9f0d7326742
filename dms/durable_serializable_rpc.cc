#include "dms/durable_serializable_rpc.h"

#include <algorithm>

#include "dms/support_checkpoint.h"
#include "dms/support.h"

namespace amino::dms {

namespace {

class DurableSerializableServer : public checkpoint::Server {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    const Duration wait = millis(ctx.config().at("lockTimeoutMs").as_int());
    if (!lock_.acquire(ctx.env(), std::min(inv.deadline, deadline_after(ctx.env().now(), wait)))) {
      return Reply::error(Code::kUnavailable, "DurableSerializableRPC: " + inv.method + " waited " +
                                                  std::to_string(wait / kMillisecond) +
                                                  " ms for the object's lock (re-entrant call?)");
    }
    FifoLockGuard guard(lock_);
    if (inv.read_only) return ctx.next(inv);
    Reply r = ctx.next(inv);
    if (r.status.code == Code::kAppError) {
      rollback(ctx);  // the last checkpoint is the state before this call: a failed call leaves no trace
      return r;
    }
    // Any other error came from a DM outside this one: the object may or may not have run.
    if (!r.ok() && ctx.snapshot_object() == last()) return r;
    const Status s = checkpoint(ctx);
    if (!s.ok()) {
      rollback(ctx);
      return Reply::error(Code::kUnavailable,
                          "DurableSerializableRPC: " + inv.method + " was undone, its effects could not be made durable (" +
                              s.message + ")");
    }
    return r;
  }

 private:
  FifoLock lock_;
};

}  // namespace

DmDescriptor durable_serializable_rpc() {
  DmDescriptor d;
  d.name = "DurableSerializableRPC";
  d.category = "checkpointing";
  d.summary = "serialized calls, each mutating call's effects synced to storage before it returns";
  d.paper = "DurableSerializableRPC (Amino.Run DurableSerializableRPCPolicy)";
  d.source = "dms/durable_serializable_rpc.h";
  d.guarantee =
      "At most one application call runs in a replica at a time, in arrival (FIFO) order, the lock held "
      "across blocking calls (as SerializableRPC). After each mutating call (read-only methods excepted) the "
      "object's state is written to the hosting node's storage and synced before the reply leaves: a call "
      "acknowledged to its caller is never lost by a crash and restart of the node. A call that throws an "
      "application exception is reverted: the object returns to the state after the last successful call. "
      "If storage refuses the write, the call is reverted too and fails with kUnavailable.";
  d.tolerates = checkpoint::kTolerates;
  d.caveats = std::string(checkpoint::kCaveats) +
              " A call whose reply is lost (timeout) may or may not have been applied: retrying it (AtLeastOnceRPC) "
              "can apply it twice. A re-entrant call chain fails with kUnavailable after lockTimeoutMs. A "
              "mutating call costs a checkpoint of the whole object.";
  d.config = {ConfigKey{"lockTimeoutMs", Value::Kind::kInt, Value(10000), "longest a call waits for the lock", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<DurableSerializableServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
