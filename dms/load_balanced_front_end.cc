#include "dms/load_balanced_front_end.h"

#include "dms/support_scalability.h"

namespace amino::dms {

namespace {

constexpr const char* kName = "LoadBalancedFrontEnd";

class FrontEndServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override { return scalability::admit_and_run(gate_, inv, ctx, kName); }

 private:
  std::shared_ptr<scalability::OverloadGate> gate_ = std::make_shared<scalability::OverloadGate>();
};

// Keeps `replicas` replicas, on distinct nodes while there are enough: made at creation and again
// after a node failure took one.
class FrontEndGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef&) override { top_up(ctx); }
  void on_failure(GroupContext& ctx, const ReplicaRef&) override { top_up(ctx); }
  // A replica back from a false suspicion is re-admitted only while the group is short of one.
  bool on_rejoin(GroupContext& ctx, const ReplicaRef&) override { return ctx.replicas().size() < want(ctx); }

 private:
  static std::size_t want(GroupContext& ctx) { return static_cast<std::size_t>(ctx.config().at("replicas").as_int()); }

  static void top_up(GroupContext& ctx) {
    for (std::size_t attempts = 0; attempts < 2 * want(ctx); ++attempts) {
      const std::vector<ReplicaRef> live = ctx.replicas();
      if (live.empty() || live.size() >= want(ctx)) return;
      if (!scalability::add_replica(ctx, live.front(), kName).valid()) return;
    }
  }
};

}  // namespace

DmDescriptor load_balanced_front_end() {
  DmDescriptor d;
  d.name = kName;
  d.category = "load-balancing";
  d.summary = "a fixed number of independent replicas; clients spread calls over them round-robin";
  d.paper = "LoadBalancedFrontEnd (Amino.Run LoadBalancedFrontendPolicy)";
  d.source = "dms/load_balanced_front_end.h";
  d.guarantee =
      "Every call runs on exactly one replica. The group keeps `replicas` replicas (copies of the object as it was "
      "when each was made), on distinct kernel servers allowed by the selector while there are enough (then the "
      "OMS places the rest). Each client spreads its calls over them round-robin from a seeded random start, "
      "reading the replica list every refreshMs. Overload rejection: a replica with maxConcurrent calls in flight, "
      "or (maxCallsPerSecond > 0) past that many calls in the last second, refuses a call with kOverloaded before "
      "running it; the client passes it to the next replica, and when every replica refused, the call fails with "
      "kOverloaded (\"all N replicas ... are overloaded\"). No consistency between replicas: they are "
      "independent copies, and a write changes only the replica that ran it, so reads may see any replica's "
      "state. Use it for stateless services, or read-mostly ones whose state is set before the replicas are "
      "made.";
  d.tolerates =
      "Overload (calls beyond the replicas' limits are refused, not queued). A replica's node crashing: its calls "
      "fail (a read moves on to the next replica; a write that timed out is not retried, as it may have run), "
      "clients drop it from their list, and the group makes a new replica from a live one. Not tolerated: "
      "anything that needs the replicas to agree (there is no replication of writes).";
  d.caveats =
      "A new or re-created replica copies a live replica's current state, which may differ from the others'. "
      "AtLeastOnceRPC around it retries kOverloaded calls with backoff.";
  d.config = {
      ConfigKey{"replicas", Value::Kind::kInt, Value(2), "number of replicas", Value(1), Value(64)},
      ConfigKey{"maxConcurrent", Value::Kind::kInt, Value(20), "calls in flight at one replica beyond which it refuses more (kOverloaded)", Value(1), Value(100000)},
      ConfigKey{"maxCallsPerSecond", Value::Kind::kInt, Value(0), "calls one replica admits per second (token bucket); 0: no rate limit", Value(0), Value(1000000000)},
      ConfigKey{"refreshMs", Value::Kind::kInt, Value(1000), "how often a client reads the replica list again (0: only after an error)", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = [] { return scalability::make_round_robin_client(kName); };
  d.make_server = [] { return std::make_unique<FrontEndServer>(); };
  d.make_group = [] { return std::make_unique<FrontEndGroup>(); };
  return d;
}

}  // namespace amino::dms
