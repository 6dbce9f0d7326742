// What the scalability DMs share (LoadBalancedFrontEnd, ScaleUpFrontEnd, LoadBalancedMasterSlave):
// the round-robin client that spreads calls over a group's replicas, the per-replica overload gate
// that rejects calls beyond a concurrency or rate limit, the choice of a node for a new replica, and
// the master's fan-out to its slaves. Implemented in support_scalability.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms::scalability {

// ---------------------------------------------------------------------------------------------
// Client: round-robin over the group's replicas

// Spreads calls round-robin over the group's live replicas (ordered by replica id), starting at a
// seeded random one. The list is read from the group on the first call, every refreshMs (config key
// of that name; 0: only after an error) and after a replica was gone or unreachable. A replica that
// refuses a call it did not run (kOverloaded, kUnavailable, kNotLeader, kNoSuchObject, kMigrating)
// passes it to the next one; once every replica was tried the call fails: kOverloaded when all of
// them were overloaded (the message says so), else the last error. A timeout or broken connection
// ends a mutating call (it may have run: retrying could run it twice); a read-only call goes on to
// the next replica. `dm` names the DM in messages.
std::unique_ptr<ClientDM> make_round_robin_client(std::string dm);

// ---------------------------------------------------------------------------------------------
// Server: the overload gate

// Admission of one replica: at most `max_concurrent` calls in flight, and (rate > 0) at most `rate`
// calls admitted per second (a token bucket holding one second's worth). Measures the load it
// admits: calls, rejections and the time-weighted mean of calls in flight, since the last take().
class OverloadGate {
 public:
  struct Load {
    std::int64_t calls = 0;     // admitted
    std::int64_t rejected = 0;  // refused with kOverloaded
    double mean_in_flight = 0;  // time-weighted over the window
    std::int64_t peak = 0;      // most calls in flight at once
    Duration window = 0;
  };

  // nullopt: admitted (call leave() when it ends); else the kOverloaded reply to return.
  std::optional<Reply> enter(Time now, std::int64_t max_concurrent, std::int64_t rate, const std::string& dm);
  void leave(Time now);
  // The load since the previous take() (or the first call), and a fresh window from `now`.
  Load take(Time now);
  std::int64_t in_flight() const { return in_flight_; }

 private:
  void advance(Time now);

  std::int64_t in_flight_ = 0;
  double tokens_ = -1;  // -1: not started (a full bucket at the first call)
  Time refilled_at_ = 0;
  bool started_ = false;  // the current window:
  Time window_start_ = 0;
  Time last_change_ = 0;
  double area_ = 0;  // integral of in_flight over the window, in call*ns
  Load load_;
};

// Calls the rest of the chain through `gate` (config keys maxConcurrent and maxCallsPerSecond). The
// gate is shared: a replica terminated while a call is in flight is destroyed before the call ends.
Reply admit_and_run(const std::shared_ptr<OverloadGate>& gate, Invocation& inv, ServerContext& ctx, const std::string& dm);

// ---------------------------------------------------------------------------------------------
// Group: placement of new replicas

// A live node allowed by the group's selector that holds none of `live`, chosen with the group's
// seeded RNG; empty if every allowed node has one (the caller then lets the OMS choose, which may
// put two replicas on one node).
NodeId spare_node(GroupContext& ctx, const std::vector<ReplicaRef>& live);

// A new replica copied from `from`, on a spare node if there is one; invalid (logged) if impossible.
ReplicaRef add_replica(GroupContext& ctx, const ReplicaRef& from, const std::string& dm);

// ---------------------------------------------------------------------------------------------
// Messages

// The group's notify_server to every server at once. Waiting out the OMS's control timeout (seconds)
// for a lost request or reply would stall a failover, so while a server has not answered a fresh
// copy is sent every `attempt` (doubling) until `deadline`: `msg` must be idempotent. Returns each
// server's first answer (ok, or a refusal), else its last kTimeout/kUnreachable. `alive` is the
// group DM's: copies outliving it do not call into the context.
std::vector<Reply> notify_servers(GroupContext& ctx, const std::shared_ptr<bool>& alive,
                                  const std::vector<ReplicaRef>& servers, const Value& msg, Time deadline, Duration attempt);

}  // namespace amino::dms::scalability
