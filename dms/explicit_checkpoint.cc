#include "dms/explicit_checkpoint.h"

#include <algorithm>

#include "dms/support_checkpoint.h"
#include "dms/support.h"

namespace amino::dms {

namespace {

class ExplicitCheckpointServer : public checkpoint::Server {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    const DmConfig& c = ctx.config();
    const bool save = inv.method == c.at("checkpointMethod").as_string();
    if (!save && inv.method != c.at("rollbackMethod").as_string()) {
      enter();
      Reply r = ctx.next(inv);
      leave();
      return r;
    }
    if (c.at("checkpointMethod") == c.at("rollbackMethod")) {
      return Reply::error(Code::kBadSpec, "ExplicitCheckpoint: checkpointMethod and rollbackMethod must differ");
    }
    if (!inv.args.empty()) return Reply::error(Code::kBadArguments, inv.method + " takes no arguments");
    // Saving or restoring while another call is blocked mid-method would catch or clobber half of it.
    Env& env = ctx.env();
    const Duration wait = millis(c.at("quiesceTimeoutMs").as_int());
    if (!wait_quiet(env, std::min(inv.deadline, deadline_after(env.now(), wait)))) {
      return Reply::error(Code::kUnavailable, "ExplicitCheckpoint: " + inv.method +
                                                  " found calls still in the object after quiesceTimeoutMs");
    }
    if (save) {
      const Status s = checkpoint(ctx);
      if (!s.ok()) return Reply{s, {}};
    } else {
      rollback(ctx);
    }
    return Reply::ok(static_cast<std::int64_t>(generation()));
  }
};

}  // namespace

DmDescriptor explicit_checkpoint() {
  DmDescriptor d;
  d.name = "ExplicitCheckpoint";
  d.category = "checkpointing";
  d.summary = "the application checkpoints its object durably and rolls back to the last checkpoint";
  d.paper = "ExplicitCheckpoint (Amino.Run ExplicitCheckpointPolicy)";
  d.source = "dms/explicit_checkpoint.h";
  d.guarantee =
      "The application drives checkpoints through two methods its class declares (checkpointMethod and "
      "rollbackMethod, no arguments; intercepted by the server part, their bodies never run; both return the "
      "checkpoint's generation). checkpointMethod waits until no other call is mid-method, then writes the "
      "object's whole state to the hosting node's storage; when it returns the checkpoint is durable. "
      "rollbackMethod (also once no call is mid-method) puts the object back to its last checkpoint. The "
      "replica's construction is checkpoint 1. When the hosting kernel server crashes and restarts with its "
      "storage, the object comes back with the state of its last checkpoint: writes after it are lost, "
      "as the application chose.";
  d.tolerates = checkpoint::kTolerates;
  d.caveats = std::string(checkpoint::kCaveats) +
              " Under a steady stream of overlapping blocking calls a checkpoint may find no quiet moment and "
              "fail with kUnavailable after quiesceTimeoutMs.";
  d.config = {
      ConfigKey{"checkpointMethod", Value::Kind::kString, Value("checkpoint"), "the intercepted method that writes a checkpoint (no arguments)"},
      ConfigKey{"rollbackMethod", Value::Kind::kString, Value("rollback"), "the intercepted method that restores the last checkpoint (no arguments)"},
      ConfigKey{"quiesceTimeoutMs", Value::Kind::kInt, Value(10000), "longest a checkpoint or rollback waits for calls in the object to finish", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<ExplicitCheckpointServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
