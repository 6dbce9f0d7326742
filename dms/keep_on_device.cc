#include "dms/keep_on_device.h"

#include "dms/default_dm.h"
#include "dms/keep_in_place.h"

namespace amino::dms {

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

namespace {

class KeepOnDeviceGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef&) override {
    config_ = &ctx.config();
    ticker_.start(ctx.env(), millis(ctx.config().at("periodMs").as_int()), [this, &ctx] { tick(ctx); });
  }
  void on_destroy(GroupContext&) override { ticker_.stop(); }

 private:
  void tick(GroupContext& ctx) {
    const std::vector<ReplicaRef> live = ctx.replicas();
    if (live.empty()) return;
    const ReplicaRef& r = live.front();
    Metrics now = ctx.metrics(r);
    if (r.node != seen_node_ || r.oid != seen_oid_) {
      // Moved (by us or anyone): a new kernel object with fresh counters; start counting again.
      seen_node_ = r.node;
      seen_oid_ = r.oid;
      last_ = std::move(now);
      streak_ = 0;
      return;
    }
    const std::string leader = most_active(now);
    last_ = std::move(now);
    if (leader.empty() || leader == r.node) {
      streak_ = 0;
      return;
    }
    streak_ = leader == candidate_ ? streak_ + 1 : 1;
    candidate_ = leader;
    if (ready_to_move(ctx) && is_live_server(ctx, leader, ctx.selector())) move(ctx, r, leader);
  }

  // The node of the caller with the most calls since the previous reading (min minCalls).
  std::string most_active(const Metrics& now) const {
    std::map<std::string, std::uint64_t> by_node;
    for (const auto& [caller, m] : now) {
      auto before = last_.find(caller);
      const std::uint64_t prev = before == last_.end() ? 0 : before->second.calls;
      by_node[caller_node(caller)] += m.calls >= prev ? m.calls - prev : m.calls;
    }
    std::string best;
    std::uint64_t best_calls = 0;
    for (const auto& [node, calls] : by_node) {  // ordered: ties go to the smaller node id
      if (calls > best_calls) {
        best = node;
        best_calls = calls;
      }
    }
    return best_calls >= static_cast<std::uint64_t>(config_int("minCalls")) ? best : std::string{};
  }

  bool ready_to_move(GroupContext& ctx) const {
    const bool stable = streak_ >= config_int("stablePeriods");
    const bool dwelled = !moved_once_ || ctx.env().now() - last_move_ >= millis(config_int("minDwellMs"));
    return stable && dwelled;
  }

  void move(GroupContext& ctx, const ReplicaRef& r, const NodeId& to) {
    if (!pin_if_elsewhere(ctx, r, to, "KeepOnDevice").ok()) return;
    moved_once_ = true;
    last_move_ = ctx.env().now();
    streak_ = 0;
    ctx.env().log(LogLevel::kInfo, "KeepOnDevice: moved " + r.rid + " to its most active caller " + to);
  }

  std::int64_t config_int(const char* key) const { return config_->at(key).as_int(); }

  const DmConfig* config_ = nullptr;  // the group context's, which outlives this component
  GroupTicker ticker_;
  NodeId seen_node_;
  std::uint64_t seen_oid_ = 0;
  Metrics last_;
  std::string candidate_;
  int streak_ = 0;
  bool moved_once_ = false;
  Time last_move_ = 0;
};

}  // namespace

DmDescriptor keep_on_device() {
  DmDescriptor d;
  d.name = "KeepOnDevice";
  d.category = "placement";
  d.summary = "follows its most active caller's node, with hysteresis";
  d.config = {ConfigKey{"periodMs", Value::Kind::kInt, Value(1000), "how often the group reads metrics", Value(1), Value(kMaxTimeoutMs)},
              ConfigKey{"minCalls", Value::Kind::kInt, Value(5), "calls per period to count as active", Value(0), Value(1000000000)},
              ConfigKey{"stablePeriods", Value::Kind::kInt, Value(3), "periods the same caller must lead", Value(1), Value(1000000)},
              ConfigKey{"minDwellMs", Value::Kind::kInt, Value(10000), "minimum time between two moves", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = default_dm().make_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<KeepOnDeviceGroup>(); };
  return d;
}

}  // namespace amino::dms
