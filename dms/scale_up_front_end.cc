#include "dms/scale_up_front_end.h"

#include <algorithm>
#include <map>

#include "dms/support.h"
#include "dms/support_scalability.h"

namespace amino::dms {

namespace {


constexpr const char* kName = "ScaleUpFrontEnd";

// server -> group (notify_group) {op: load, rid, utilization, rejected, calls}: one replica's load over
// the last reportMs. Utilization is the time-weighted mean of its calls in flight / maxConcurrent.

Duration ms_config(const DmConfig& c, const char* key) { return millis(c.at(key).as_int()); }

// Admits calls through the overload gate and reports the load it saw every reportMs.
class ScaleUpServer : public ServerDM {
 public:
  ~ScaleUpServer() override { *alive_ = false; }

  void on_create(ServerContext& ctx) override {
    auto alive = alive_;
    gate_->take(ctx.env().now());  // the first window starts now
    ctx.env().spawn("ScaleUpFrontEnd.report", [this, alive, &ctx] {
      while (*alive) {
        ctx.env().sleep_for(ms_config(ctx.config(), "reportMs"));
        if (!*alive) return;
        report(ctx);
      }
    });
  }
  void on_destroy(ServerContext&) override { *alive_ = false; }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override { return scalability::admit_and_run(gate_, inv, ctx, kName); }

 private:
  void report(ServerContext& ctx) {
    const scalability::OverloadGate::Load l = gate_->take(ctx.env().now());
    const double utilization = l.mean_in_flight / static_cast<double>(ctx.config().at("maxConcurrent").as_int());
    (void)ctx.notify_group(ValueMap{{"op", "load"}, {"rid", ctx.self().rid}, {"utilization", utilization},
                                    {"rejected", l.rejected}, {"calls", l.calls}});
  }

  std::shared_ptr<scalability::OverloadGate> gate_ = std::make_shared<scalability::OverloadGate>();
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class ScaleUpGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    const DmConfig& c = ctx.config();
    min_ = static_cast<std::size_t>(c.at("minReplicas").as_int());
    max_ = static_cast<std::size_t>(c.at("maxReplicas").as_int());
    if (max_ < min_) {
      ctx.env().log(LogLevel::kWarn, std::string(kName) + ": maxReplicas " + std::to_string(max_) + " < minReplicas " +
                                         std::to_string(min_) + " in group " + ctx.group_id() + ": using " + std::to_string(min_));
      max_ = min_;
    }
    order_.push_back(first.rid);
    while (ctx.replicas().size() < min_ && add(ctx, "min")) {
    }
    changed_at_ = ctx.env().now();
    ticker_.start(ctx.env(), ms_config(c, "reportMs"), [this, &ctx] { tick(ctx); });
  }
  void on_destroy(GroupContext&) override { ticker_.stop(); }

  Value on_notification(GroupContext& ctx, const Value& msg) override {
    const Value* rid = msg.is<ValueMap>() ? msg.find("rid") : nullptr;
    const Value* u = msg.is<ValueMap>() ? msg.find("utilization") : nullptr;
    const Value* rejected = msg.is<ValueMap>() ? msg.find("rejected") : nullptr;
    if (op_of(msg) != "load" || rid == nullptr || !rid->is<std::string>() || u == nullptr || !u->is<double>() ||
        rejected == nullptr || !rejected->is<std::int64_t>()) {
      return ValueMap{{"ok", false}};
    }
    reports_[rid->as_string()] = Report{ctx.env().now(), u->as_double(), rejected->as_int()};
    return ValueMap{{"ok", true}};
  }

  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    reports_.erase(dead.rid);
    if (ctx.replicas().size() < min_) (void)add(ctx, "replace");
  }
  bool on_rejoin(GroupContext& ctx, const ReplicaRef&) override { return ctx.replicas().size() < min_; }

 private:
  struct Report {
    Time at = 0;
    double utilization = 0;
    std::int64_t rejected = 0;
  };

  void tick(GroupContext& ctx) {
    const DmConfig& c = ctx.config();
    const Time now = ctx.env().now();
    const std::vector<ReplicaRef> live = ctx.replicas();
    const std::size_t n = live.size();
    if (n == 0) return;
    if (n < min_) {
      (void)add(ctx, "replace");
      return;
    }
    // Only reports measured entirely after the last change count: a change's effect is not judged
    // by load measured before it.
    const Time since = changed_at_ + ms_config(c, "reportMs");
    double sum = 0;
    std::size_t fresh = 0;
    std::int64_t rejected = 0;
    bool all_idle = true;
    for (const auto& r : live) {
      auto it = reports_.find(r.rid);
      if (it == reports_.end() || it->second.at < since || it->second.at + 2 * ms_config(c, "reportMs") < now) {
        all_idle = false;  // no recent report: not known to be idle
        continue;
      }
      ++fresh;
      sum += it->second.utilization;
      rejected += it->second.rejected;
      if (it->second.utilization > c.at("scaleDownAt").as_double() || it->second.rejected > 0) all_idle = false;
    }
    if (fresh == 0) return;
    const bool hot = rejected > 0 || sum / static_cast<double>(fresh) >= c.at("scaleUpAt").as_double();
    if (hot && n < max_ && now - changed_at_ >= ms_config(c, "upCooldownMs")) {
      (void)add(ctx, rejected > 0 ? "rejections" : "load");
    } else if (all_idle && n > min_ && now - changed_at_ >= ms_config(c, "downCooldownMs")) {
      remove_newest(ctx, live);
    }
  }

  bool add(GroupContext& ctx, const std::string& why) {
    const std::vector<ReplicaRef> live = ctx.replicas();
    if (live.empty()) return false;
    const ReplicaRef made = scalability::add_replica(ctx, live.front(), kName);
    if (!made.valid()) return false;
    order_.push_back(made.rid);
    changed(ctx, "up", why);
    return true;
  }

  // The replica added last goes first (the first one stays: it holds the object's original history).
  void remove_newest(GroupContext& ctx, const std::vector<ReplicaRef>& live) {
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      auto r = std::find_if(live.begin(), live.end(), [&](const ReplicaRef& x) { return x.rid == *it; });
      if (r == live.end()) continue;
      const ReplicaRef victim = *r;
      order_.erase(std::next(it).base());
      reports_.erase(victim.rid);
      Status s = ctx.terminate(victim);
      if (!s.ok()) ctx.env().log(LogLevel::kWarn, std::string(kName) + ": could not remove " + victim.rid + ": " + s.to_string());
      changed(ctx, "down", "idle");
      return;
    }
  }

  void changed(GroupContext& ctx, const std::string& direction, const std::string& why) {
    changed_at_ = ctx.env().now();
    const auto n = static_cast<std::int64_t>(ctx.replicas().size());
    ctx.env().log(LogLevel::kInfo, std::string(kName) + ": group " + ctx.group_id() + " scaled " + direction + " to " +
                                       std::to_string(n) + " replicas (" + why + ")");
    if (ctx.env().probing()) {
      ctx.env().probe("scale.replicas", {{"group", ctx.group_id()}, {"replicas", n}, {"direction", direction}, {"why", why}});
    }
  }

  std::size_t min_ = 1, max_ = 1;
  Time changed_at_ = 0;
  std::vector<std::string> order_;  // replica ids in the order they were made
  std::map<std::string, Report> reports_;
  GroupTicker ticker_;
};

}  // namespace

DmDescriptor scale_up_front_end() {
  DmDescriptor d;
  d.name = kName;
  d.category = "load-balancing";
  d.summary = "a load-balanced front end that adds replicas under load and removes them when idle";
  d.paper = "ScaleUpFrontEnd (Amino.Run ScaleUpFrontendPolicy)";
  d.source = "dms/scale_up_front_end.h";
  d.guarantee =
      "As LoadBalancedFrontEnd: every call runs on exactly one replica, chosen round-robin by each client (which "
      "reads the replica list every refreshMs, so it finds new replicas); a replica refuses calls beyond "
      "maxConcurrent in flight (or maxCallsPerSecond) with kOverloaded, and the client tries the next, failing "
      "with kOverloaded when all refuse. No consistency between replicas: each is an independent copy (made from "
      "a live replica's state when added). Scaling: every reportMs each replica reports its load to the group: "
      "its utilization (time-weighted mean of calls in flight / maxConcurrent) and the calls it rejected. Every "
      "reportMs the group judges the reports measured since its last change: when any replica rejected calls or "
      "the mean utilization is at least scaleUpAt, it adds one replica (on a node without one while there is "
      "such a node), at most once per upCooldownMs and up to maxReplicas; when every replica reported a "
      "utilization of at most scaleDownAt and no rejection, it removes the replica added last, at most once per "
      "downCooldownMs and down to minReplicas. scaleDownAt < scaleUpAt (their ranges do not overlap) and the "
      "cool-downs give hysteresis: the count does not flap. Each change is logged and reported as the probe "
      "scale.replicas (replicas, direction, why).";
  d.tolerates =
      "Overload: calls beyond what maxReplicas replicas take are refused, not queued. A replica's node "
      "crashing: its calls fail (reads move on to the next replica), and the group adds a replica when fewer "
      "than minReplicas are left. Lost load reports only delay decisions (a replica with no recent report is not "
      "counted idle). Not tolerated: anything that needs the replicas to agree.";
  d.caveats =
      "A replica removed while calls are in flight at it fails them with kNoSuchObject; the round-robin client "
      "passes such a call to the next replica. If maxReplicas < minReplicas, minReplicas is used for both "
      "(logged).";
  using K = Value::Kind;
  d.config = {
      ConfigKey{"minReplicas", K::kInt, Value(2), "fewest replicas (made at creation, kept after failures)", Value(1), Value(64)},
      ConfigKey{"maxReplicas", K::kInt, Value(8), "most replicas", Value(1), Value(64)},
      ConfigKey{"maxConcurrent", K::kInt, Value(20), "calls in flight at one replica beyond which it refuses more (kOverloaded)", Value(1), Value(100000)},
      ConfigKey{"maxCallsPerSecond", K::kInt, Value(0), "calls one replica admits per second (token bucket); 0: no rate limit", Value(0), Value(1000000000)},
      ConfigKey{"refreshMs", K::kInt, Value(500), "how often a client reads the replica list again (0: only after an error)", Value(0), Value(kMaxTimeoutMs)},
      ConfigKey{"reportMs", K::kInt, Value(500), "period of the replicas' load reports and of the group's decisions", Value(10), Value(kMaxTimeoutMs)},
      ConfigKey{"scaleUpAt", K::kDouble, Value(0.7), "mean utilization (calls in flight / maxConcurrent) at or above which a replica is added", Value(0.5), Value(1.0)},
      ConfigKey{"scaleDownAt", K::kDouble, Value(0.2), "utilization at or below which (at every replica) one is removed", Value(0.0), Value(0.45)},
      ConfigKey{"upCooldownMs", K::kInt, Value(1000), "least time between a change and adding a replica", Value(0), Value(kMaxTimeoutMs)},
      ConfigKey{"downCooldownMs", K::kInt, Value(3000), "least time between a change and removing a replica", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = [] { return scalability::make_round_robin_client(kName); };
  d.make_server = [] { return std::make_unique<ScaleUpServer>(); };
  d.make_group = [] { return std::make_unique<ScaleUpGroup>(); };
  return d;
}

}  // namespace amino::dms
