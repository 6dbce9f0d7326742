#include "dms/dynamic_migration.h"

#include <algorithm>
#include <limits>
#include <map>

#include "dms/support.h"

namespace amino::dms {

namespace {

bool replica_suspect(Code c) {
  return c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout || c == Code::kUnavailable;
}

// Forwards like DefaultDM, timing each call, and reports to the group every reportEvery calls.
class DynamicMigrationClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    const Time start = ctx.env().now();
    Reply r = ctx.forward(server_, inv);
    if (r.ok() || r.status.code == Code::kAppError) {
      ++calls_;
      total_ns_ += ctx.env().now() - start;
    } else if (replica_suspect(r.status.code)) {
      server_ = {};
    }
    if (calls_ >= ctx.config().at("reportEvery").as_int()) report(ctx);
    return r;
  }

 private:
  void report(ClientContext& ctx) {
    const Value msg = ValueMap{{"op", "report"},
                               {"caller", ctx.env().self()},
                               {"epoch", epoch_},
                               {"calls", calls_},
                               {"mean_ns", total_ns_ / calls_}};
    calls_ = 0;
    total_ns_ = 0;
    Reply g = ctx.notify_group(msg);
    if (g.ok() && g.value.find("epoch") != nullptr) epoch_ = g.value.at("epoch").as_int();
  }

  ReplicaRef server_;
  std::int64_t epoch_ = -1;  // unknown until the first report's reply
  std::int64_t calls_ = 0;
  std::int64_t total_ns_ = 0;
};

struct CallerStats {
  std::int64_t window_calls = 0;        // reported since the last decision
  double rate = 0;                      // calls per period, EWMA
  std::map<NodeId, double> latency_ns;  // EWMA per host the object had while measured
};

class DynamicMigrationGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    host_ = first.node;
    ticker_.start(ctx.env(), millis(ctx.config().at("periodMs").as_int()), [this, &ctx] { tick(ctx); });
  }
  void on_destroy(GroupContext&) override { ticker_.stop(); }

  Value on_notification(GroupContext& ctx, const Value& msg) override {
    const Value* op = msg.find("op");
    if (op == nullptr || !op->is<std::string>() || op->as_string() != "report") return {};
    track_host(ctx);
    CallerStats& c = callers_[msg.at("caller").as_string()];
    c.window_calls += msg.at("calls").as_int();
    if (msg.at("epoch").as_int() == epoch_) {
      const double sample = static_cast<double>(msg.at("mean_ns").as_int());
      auto [it, fresh] = c.latency_ns.emplace(host_, sample);
      if (!fresh) it->second = 0.5 * it->second + 0.5 * sample;
    }
    return ValueMap{{"epoch", epoch_}};
  }

 private:
  // A move by anyone (us, an operator) starts a new epoch: older samples describe another host.
  void track_host(GroupContext& ctx) {
    const std::vector<ReplicaRef> live = ctx.replicas();
    if (live.empty() || live.front().node == host_) return;
    host_ = live.front().node;
    ++epoch_;
  }

  void tick(GroupContext& ctx) {
    track_host(ctx);
    for (auto& [caller, c] : callers_) {
      c.rate = 0.5 * c.rate + 0.5 * static_cast<double>(c.window_calls);
      c.window_calls = 0;
    }
    const Time now = ctx.env().now();
    if (moved_once_ && now - last_move_ < millis(ctx.config().at("minDwellMs").as_int())) return;
    const std::vector<ReplicaRef> live = ctx.replicas();
    if (live.empty()) return;
    const NodeId best = cheapest(ctx);
    if (best.empty() || best == host_) return;
    if (pin_if_elsewhere(ctx, live.front(), best, "DynamicMigration", migrate_options(ctx.config())).ok()) {
      ctx.env().log(LogLevel::kInfo, "DynamicMigration: moved " + live.front().rid + " from " + host_ + " to " + best);
      moved_once_ = true;
      last_move_ = now;
      track_host(ctx);
    }
  }

  // The node to move to, or empty if no node beats the current host by minGain.
  NodeId cheapest(GroupContext& ctx) {
    std::map<NodeId, std::string> region;
    for (const NodeInfo& n : ctx.nodes({})) region[n.id] = n.region;
    std::vector<const std::pair<const std::string, CallerStats>*> deciding;
    for (const auto& entry : callers_) {
      if (entry.second.rate > 0 && entry.second.latency_ns.count(host_) != 0) deciding.push_back(&entry);
    }
    if (deciding.empty()) return {};
    auto cost = [&](const NodeId& n) {
      double sum = 0;
      for (const auto* e : deciding) sum += e->second.rate * estimate(e->first, e->second, n, region);
      return sum;
    };
    const double here = cost(host_);
    NodeId best = host_;
    double best_cost = here;
    for (const NodeInfo& n : ctx.nodes(ctx.selector())) {  // ordered by id: ties keep the smaller one
      const double c = cost(n.id);
      if (c < best_cost) {
        best = n.id;
        best_cost = c;
      }
    }
    const double gain = here - best_cost;
    return gain > 0 && gain >= ctx.config().at("minGain").as_double() * here ? best : NodeId{};
  }

  static double estimate(const std::string& caller, const CallerStats& c, const NodeId& n,
                         const std::map<NodeId, std::string>& region) {
    auto measured = c.latency_ns.find(n);
    if (measured != c.latency_ns.end()) return measured->second;
    const NodeId home = caller_node(caller);
    auto hr = region.find(home);
    auto nr = region.find(n);
    if (n == home || (hr != region.end() && nr != region.end() && hr->second == nr->second)) return 0;
    double worst = 0;
    for (const auto& [node, ns] : c.latency_ns) worst = std::max(worst, ns);
    return worst;
  }

  GroupTicker ticker_;
  std::map<std::string, CallerStats> callers_;  // by caller id
  NodeId host_;
  std::int64_t epoch_ = 0;
  bool moved_once_ = false;
  Time last_move_ = 0;
};

}  // namespace

DmDescriptor dynamic_migration() {
  DmDescriptor d;
  d.name = "DynamicMigration";
  d.category = "placement";
  d.summary = "moves the object where its callers' measured latency is lowest, with hysteresis";
  d.paper = "DynamicMigration";
  d.source = "dms/dynamic_migration.h";
  d.guarantee =
      "Clients time every call they forward (send to reply, at the caller) and, every reportEvery calls, "
      "report {calls, mean latency} to the group; a report's latency is credited to the current host only if "
      "no move happened since (samples that straddle a move are dropped), while its calls always count towards "
      "the caller's rate. Every periodMs the group turns the calls reported in the period into a per-caller "
      "rate (EWMA, weight 1/2) and keeps, per caller and node, an EWMA (weight 1/2) of the latency measured "
      "while the object was on that node. For each live kernel server N satisfying the spec's nodeSelector it "
      "estimates cost(N) = sum over callers of rate(c) * est(c, N), where est is the measured latency if any; "
      "else 0 when N is the caller's own node or in the caller's region (co-location is assumed to remove the "
      "network hop: an optimistic prior that one visit corrects); else the worst latency measured for that "
      "caller so far. Callers with no measurement at the current host are left out of the period's decision. "
      "It pins the replica to the cheapest N (ties: the current host, then the smaller id) only if the gain is "
      "at least minGain of the current cost (relative hysteresis) and at least minDwellMs passed since the "
      "previous move (temporal hysteresis). Each move explores at most one unmeasured node, and measured costs "
      "only change with the workload, so it does not flap.";
  d.tolerates =
      "Nothing beyond the kernel; lost reports only delay decisions; a failed move is logged and reconsidered "
      "next period.";
  d.config = {ConfigKey{"periodMs", Value::Kind::kInt, Value(2000), "decision period", Value(1), Value(kMaxTimeoutMs)},
              ConfigKey{"reportEvery", Value::Kind::kInt, Value(10), "calls between two client reports", Value(1), Value(1000000)},
              ConfigKey{"minGain", Value::Kind::kDouble, Value(0.2), "minimum relative cost reduction for a move", Value(0.0), Value(1.0)},
              ConfigKey{"minDwellMs", Value::Kind::kInt, Value(10000), "minimum time between two moves", Value(0), Value(kMaxTimeoutMs)}};
  for (ConfigKey& k : live_migration_config_keys()) d.config.push_back(std::move(k));
  d.make_client = [] { return std::make_unique<DynamicMigrationClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<DynamicMigrationGroup>(); };
  return d;
}

}  // namespace amino::dms
