#include "dms/periodic_checkpoint.h"

#include "dms/support_checkpoint.h"
#include "dms/support.h"

namespace amino::dms {

namespace {

class PeriodicCheckpointServer : public checkpoint::Server {
 public:
  void on_create(ServerContext& ctx) override {
    Server::on_create(ctx);
    ctx_ = &ctx;
    every_calls_ = ctx.config().at("everyCalls").as_int();
    period_ = millis(ctx.config().at("everyMs").as_int());
    if (period_ > 0) arm();
  }

  void on_destroy(ServerContext& ctx) override {
    if (timer_ != 0) ctx.env().cancel_timer(timer_);
    timer_ = 0;
    period_ = 0;
  }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    enter();
    Reply r = ctx.next(inv);
    leave();
    if (!inv.read_only) {
      ++since_;
      dirty_ = true;
      if (every_calls_ > 0 && since_ >= every_calls_) due_ = true;
    }
    // Before the reply leaves: the everyCalls-th call is durable when its caller learns of it.
    if (due_ && in_flight() == 0) take(ctx);
    return r;
  }

 private:
  void take(ServerContext& ctx) {
    if (!checkpoint(ctx).ok()) return;  // logged; due_ stays, so the next quiet moment retries
    since_ = 0;
    due_ = false;
    dirty_ = false;
  }

  void arm() {
    timer_ = ctx_->env().arm_timer(period_, [this, alive = alive()] {
      if (!*alive || period_ == 0) return;
      if (dirty_) {
        due_ = true;
        if (in_flight() == 0) take(*ctx_);  // else the last call to leave takes it
      }
      arm();
    });
  }

  ServerContext* ctx_ = nullptr;
  std::int64_t every_calls_ = 0;
  Duration period_ = 0;
  TimerId timer_ = 0;
  std::int64_t since_ = 0;  // mutating calls since the last checkpoint
  bool dirty_ = false;      // a mutating call ran since the last checkpoint
  bool due_ = false;        // a checkpoint is owed at the next moment no call is in the object
};

}  // namespace

DmDescriptor periodic_checkpoint() {
  DmDescriptor d;
  d.name = "PeriodicCheckpoint";
  d.category = "checkpointing";
  d.summary = "the object's state is checkpointed durably every N mutating calls and/or every T ms";
  d.paper = "PeriodicCheckpoint (Amino.Run PeriodicCheckpointPolicy)";
  d.source = "dms/periodic_checkpoint.h";
  d.guarantee =
      "The replica's construction is checkpoint 1. With everyCalls > 0, once everyCalls mutating calls "
      "(read-only methods do not count) have completed since the last checkpoint, the object's state is "
      "written to the hosting node's storage and synced before that call's reply leaves. With everyMs > 0, "
      "every everyMs a timer does the same if a mutating call completed since the last checkpoint. Either "
      "waits for a moment when no call is mid-method (then the last call to leave writes it, before its "
      "reply). When the hosting kernel server crashes and restarts with its storage, the object comes back "
      "with the state of its last checkpoint: the calls completed after it are lost (fewer than everyCalls, "
      "or those of the last everyMs), as configured. Both 0: only the construction is checkpointed.";
  d.tolerates = checkpoint::kTolerates;
  d.caveats = std::string(checkpoint::kCaveats) +
              " Amino.Run's policy also restored the checkpoint when a call threw; here a throwing call keeps "
              "its effects (use DurableSerializableRPC for calls that revert when they throw). Under a steady "
              "stream of overlapping blocking calls a due checkpoint waits for the first quiet moment.";
  d.config = {
      ConfigKey{"everyCalls", Value::Kind::kInt, Value(10), "checkpoint after this many mutating calls (0: off)", Value(0), Value(1000000)},
      ConfigKey{"everyMs", Value::Kind::kInt, Value(0), "checkpoint this often, when the object changed (0: off)", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<PeriodicCheckpointServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
