// Helpers several DMs share (declared in dms/support.h): forwarding, placement, group ticks,
// FifoLock. Moved here from the DMs that first needed them.
#include "dms/support.h"

#include <algorithm>

namespace amino::dms {

// ---------------------------------------------------------------------------------------------
// Forwarding

namespace {

class ForwardingClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Reply r = ctx.forward(server_, inv);
    // The replica is gone or unreachable: choose again on the next call (Amino.Run re-fetches too).
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
    return r;
  }

 private:
  ReplicaRef server_;
};

}  // namespace

std::unique_ptr<ClientDM> make_forwarding_client() { return std::make_unique<ForwardingClient>(); }

// ---------------------------------------------------------------------------------------------
// Placement

Status pin_if_elsewhere(GroupContext& ctx, const ReplicaRef& replica, const NodeId& node, const std::string& dm,
                        const MigrateOptions& how) {
  if (replica.node == node) return {};
  Status s = ctx.pin(replica, node, how);
  if (!s.ok()) {
    ctx.env().log(LogLevel::kWarn, dm + ": could not move " + replica.rid + " of " + ctx.group_id() + " to " +
                                       node + ": " + s.to_string());
  }
  return s;
}

std::vector<ConfigKey> live_migration_config_keys() {
  const MigrateOptions d;
  return {ConfigKey{"liveMigration", Value::Kind::kBool, Value(d.live),
                    "move the object by pre-copy live migration (state sent while calls go on, then a short pause for "
                    "the last delta) instead of stop-and-copy"},
          ConfigKey{"maxPrecopyRounds", Value::Kind::kInt, Value(static_cast<std::int64_t>(d.max_precopy_rounds)),
                    "live migration: at most this many rounds (the first sends the whole state) before the pause",
                    Value(1), Value(64)},
          ConfigKey{"deltaThresholdBytes", Value::Kind::kInt, Value(d.delta_threshold_bytes),
                    "live migration: pause once a round's delta is at most this many bytes", Value(0),
                    Value(std::int64_t{1} << 30)}};
}

MigrateOptions migrate_options(const DmConfig& config) {
  MigrateOptions m;
  m.live = config.at("liveMigration").as_bool();
  m.max_precopy_rounds = static_cast<int>(config.at("maxPrecopyRounds").as_int());
  m.delta_threshold_bytes = config.at("deltaThresholdBytes").as_int();
  return m;
}

bool is_live_server(GroupContext& ctx, const NodeId& node, const NodeSelector& selector) {
  if (node.empty()) return false;
  for (const NodeInfo& n : ctx.nodes(selector)) {
    if (n.id == node) return true;
  }
  return false;
}

std::vector<NodeInfo> labelled_nodes(GroupContext& ctx, const std::string& key, const std::string& value,
                                     const NodeSelector& also) {
  NodeSelector label;
  label.terms.push_back({Requirement{key, Requirement::Op::kEquals, {value}}});
  std::vector<NodeInfo> out;
  for (const NodeInfo& n : ctx.nodes(label)) {
    if (also.matches(n)) out.push_back(n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Periodic group decisions

void GroupTicker::start(Env& env, Duration period, std::function<void()> tick) {
  stop();
  env_ = &env;
  period_ = period;
  tick_ = std::move(tick);
  alive_ = std::make_shared<bool>(true);
  arm();
}

void GroupTicker::stop() {
  if (!alive_) return;
  *alive_ = false;
  alive_.reset();
  env_->cancel_timer(timer_);
}

void GroupTicker::arm() {
  auto alive = alive_;
  timer_ = env_->arm_timer(period_, [this, alive] {
    if (!*alive) return;
    env_->spawn("group.tick", [this, alive] {
      if (!*alive) return;
      tick_();
      if (*alive) arm();
    });
  });
}

std::string caller_node(const std::string& caller) { return caller.substr(0, caller.find('/')); }

// ---------------------------------------------------------------------------------------------
// FifoLock

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

// ---- Messages between a DM's replicas

const std::string& op_of(const Value& msg) {
  static const std::string none;
  const Value* op = msg.is<ValueMap>() ? msg.find("op") : nullptr;
  return op != nullptr && op->is<std::string>() ? op->as_string() : none;
}

std::vector<Reply> fan_out(ServerContext& ctx, const std::shared_ptr<bool>& alive, const std::vector<ReplicaRef>& peers,
                           const Value& msg, Time deadline, Duration attempt, const char* actor) {
  struct Round {
    std::vector<Reply> replies;
    std::size_t left = 0;
    std::shared_ptr<Signal> done;
  };
  if (peers.empty()) return {};
  auto round = std::make_shared<Round>();
  round->replies.assign(peers.size(), Reply::error(Code::kTimeout, "no answer"));
  round->left = peers.size();
  round->done = ctx.env().make_signal();
  Env* env = &ctx.env();  // the node's: outlives every replica on it
  ServerContext* sender = &ctx;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    env->spawn(actor, [sender, env, alive, round, i, peer = peers[i], msg, deadline, attempt]() mutable {
      while (*alive && env->now() < deadline) {
        Reply r = sender->send_to_peer(peer, msg, std::min(attempt, deadline - env->now()));
        attempt = saturating_mul(attempt, 2);
        round->replies[i] = r;
        if (r.ok() || (r.status.code != Code::kTimeout && r.status.code != Code::kUnreachable)) break;
        env->sleep_for(std::min<Duration>(10 * kMillisecond, std::max<Duration>(0, deadline - env->now())));
      }
      if (--round->left == 0) round->done->notify();
    });
  }
  round->done->wait_until(deadline_after(deadline, kSecond));
  return round->replies;  // a sender still running has no answer yet: its last reply or kTimeout
}

}  // namespace amino::dms
