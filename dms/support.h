// What several DMs share, so that no DM file includes another DM's header (a DM's header declares
// only its descriptor). Implemented in support.cc (forwarding, placement, ticks, FifoLock) and
// support_offloading.cc (the base of both offloading DMs).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms {

// ---------------------------------------------------------------------------------------------
// Forwarding

// DefaultDM's client part: forwards every call to one replica got from the group, and asks again on
// the next call once that replica is gone or unreachable. DMs that leave calls unchanged use it.
std::unique_ptr<ClientDM> make_forwarding_client();

// ---------------------------------------------------------------------------------------------
// Messages between a DM's replicas (ConsistentCaching, the scalability DMs, DHT)

// The "op" field of a peer message, or "" when it has none (a malformed message).
const std::string& op_of(const Value& msg);

// Sends `msg` to every peer at once, each retried (attempts of `attempt`, doubling) until it
// answers ok, refuses (any code other than kTimeout/kUnreachable: retrying cannot help) or
// `deadline`; returns each peer's last reply (kTimeout for a sender still running a grace second
// after the deadline). `alive` is the sending DM's: senders outliving it stop at once and never
// touch the destroyed replica. `actor` names the senders (traces, logs).
std::vector<Reply> fan_out(ServerContext& ctx, const std::shared_ptr<bool>& alive, const std::vector<ReplicaRef>& peers,
                           const Value& msg, Time deadline, Duration attempt, const char* actor);

// ---------------------------------------------------------------------------------------------
// Placement (KeepInPlace, KeepInCloud, ExplicitMigration, the offloading DMs' device replica)

// Pins `replica` to `node` unless it is already there (by stop-and-copy, or live as `how` says);
// logs why not on failure.
Status pin_if_elsewhere(GroupContext& ctx, const ReplicaRef& replica, const NodeId& node, const std::string& dm,
                        const MigrateOptions& how = {});
// The config keys of the migrating DMs (ExplicitMigration, DynamicMigration, KeepOnDevice) that
// choose how they move the object: liveMigration, maxPrecopyRounds, deltaThresholdBytes.
std::vector<ConfigKey> live_migration_config_keys();
// Those keys of a validated config, as pin's MigrateOptions.
MigrateOptions migrate_options(const DmConfig& config);
// Whether `node` is a live kernel server that satisfies `selector`.
bool is_live_server(GroupContext& ctx, const NodeId& node, const NodeSelector& selector = {});
// Live kernel servers labelled `key`=`value` that also satisfy `also`.
std::vector<NodeInfo> labelled_nodes(GroupContext& ctx, const std::string& key, const std::string& value,
                                     const NodeSelector& also);

// ---------------------------------------------------------------------------------------------
// Periodic group decisions (KeepOnDevice, DynamicMigration)

// Runs `tick` every `period`, each time in a fresh execution context on the group's node, until
// stop(); the next period is armed only after a tick returns, so ticks never overlap.
class GroupTicker {
 public:
  GroupTicker() = default;
  GroupTicker(const GroupTicker&) = delete;
  GroupTicker& operator=(const GroupTicker&) = delete;
  // Only flags pending callbacks dead: the Env may be gone when groups are torn down.
  ~GroupTicker() {
    if (alive_) *alive_ = false;
  }
  void start(Env& env, Duration period, std::function<void()> tick);
  void stop();

 private:
  void arm();
  Env* env_ = nullptr;
  Duration period_ = 0;
  std::function<void()> tick_;
  TimerId timer_ = 0;
  std::shared_ptr<bool> alive_;
};

// The node a caller id names ("node" or "node/object" for calls made by a hosted object).
std::string caller_node(const std::string& caller);

// ---------------------------------------------------------------------------------------------
// Exclusion across a block (SerializableRPC, LeaseCaching)

// A cooperative FIFO mutex for code on one node: ownership is handed to the oldest waiter on
// release, so no waiter starves.
class FifoLock {
 public:
  // Blocks the calling execution context until the lock is ours or `deadline`; true if acquired.
  bool acquire(Env& env, Time deadline);
  void release();
  bool held() const { return held_; }

 private:
  bool held_ = false;
  std::deque<std::shared_ptr<Signal>> waiters_;
};

// Releases a FifoLock on scope exit.
class FifoLockGuard {
 public:
  explicit FifoLockGuard(FifoLock& lock) : lock_(lock) {}
  ~FifoLockGuard() { lock_.release(); }
  FifoLockGuard(const FifoLockGuard&) = delete;
  FifoLockGuard& operator=(const FifoLockGuard&) = delete;

 private:
  FifoLock& lock_;
};

// ---------------------------------------------------------------------------------------------
// The offloading DMs (CodeOffloading, ExplicitCodeOffloading): their shared server and group parts
// and the base of their client parts. Placement and consistency are described in
// dms/code_offloading.h; the two DMs differ only in how the client chooses the side of a call.

namespace offloading {

enum class Side { kDevice = 0, kCloud = 1 };

// What both offloading DMs share: category, server and group parts, the config keys of placement
// and state sync, and the text of what that part guarantees and tolerates. Each DM adds its name,
// its client part (how it chooses the side), its own keys, and prepends its own guarantee text.
DmDescriptor base_descriptor();

// The client part of an offloading DM: routing, state sync and fallback. Subclasses decide the
// side of each call and may intercept control methods.
class Client : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) final;

 protected:
  virtual Side choose(const Invocation& inv, ClientContext& ctx) = 0;
  // A call completed (successfully or with an application error) on `side` in `took`.
  virtual void observe(const Invocation&, Side, Duration, ClientContext&) {}
  // A reply for a control method handled by the DM itself, or nullopt for an application call.
  virtual std::optional<Reply> intercept(Invocation&, ClientContext&) { return std::nullopt; }

 private:
  bool learn_sides(ClientContext& ctx);
  bool cloud_usable(ClientContext& ctx);
  Reply run_on_cloud(Invocation& inv, ClientContext& ctx);
  Reply control(const char* method, const ReplicaRef& peer, Time deadline, ClientContext& ctx);
  Reply control(const char* method, ValueList args, Time deadline, ClientContext& ctx);
  void cloud_failed(ClientContext& ctx, const Status& why);

  ReplicaRef device_, cloud_;
  bool sides_known_ = false;
  Time cloud_down_until_ = 0;
};

}  // namespace offloading
}  // namespace amino::dms
