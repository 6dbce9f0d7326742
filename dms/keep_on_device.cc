#include "dms/keep_on_device.h"

#include "dms/support.h"

namespace amino::dms {

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
    if (!pin_if_elsewhere(ctx, r, to, "KeepOnDevice", migrate_options(ctx.config())).ok()) return;
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
  d.paper = "KeepOnDevice";
  d.source = "dms/keep_on_device.h";
  d.guarantee =
      "Every periodMs the group reads the per-caller call counts of its (first) replica "
      "(GroupContext::metrics) and takes the calls made since the previous reading. The most active caller of "
      "the period (at least minCalls calls; ties go to the smaller node id) is the candidate. The replica is "
      "pinned to the candidate's node when that node is a live kernel server satisfying the spec's "
      "nodeSelector, the same candidate led for stablePeriods consecutive periods, and at least minDwellMs "
      "passed since the group's previous move. Callers that are not kernel servers never attract the object. "
      "The two conditions are the hysteresis: alternating bursts shorter than stablePeriods, or a rival taking "
      "over right after a move, do not make the object flap.";
  d.tolerates =
      "Nothing beyond the kernel (a failed move is logged and retried at a later period); metrics restart when "
      "the replica moves (a new kernel object) and are re-baselined.";
  d.config = {ConfigKey{"periodMs", Value::Kind::kInt, Value(1000), "how often the group reads metrics", Value(1), Value(kMaxTimeoutMs)},
              ConfigKey{"minCalls", Value::Kind::kInt, Value(5), "calls in one period for a caller to count as active", Value(0), Value(1000000000)},
              ConfigKey{"stablePeriods", Value::Kind::kInt, Value(3), "consecutive periods the same caller must lead", Value(1), Value(1000000)},
              ConfigKey{"minDwellMs", Value::Kind::kInt, Value(10000), "minimum time between two moves", Value(0), Value(kMaxTimeoutMs)}};
  for (ConfigKey& k : live_migration_config_keys()) d.config.push_back(std::move(k));
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<KeepOnDeviceGroup>(); };
  return d;
}

}  // namespace amino::dms
