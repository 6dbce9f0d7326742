// The deployment-manager (DM) API, after Sapphire/Amino.Run (reference §2). A DM is three
// components: a client part next to every remote reference, a server part next to every replica, and
// a group part (one per DM instance, hosted by the OMS). The kernel calls their upcalls when the
// matching event happens; the *Context classes are the library calls a DM may make.
//
// Chains: a spec's dmList is ordered outer first. Client parts run outer -> inner; server parts run
// inner -> outer (the first-listed DM's server sits next to the object); group on_create runs
// innermost first; an outer group's replicas are logical: each is realized by a fresh inner group.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env.h"
#include "runtime/limits.h"  // kMaxTimeoutMs, the usual upper bound of a ConfigKey in ms
#include "runtime/node_info.h"
#include "runtime/status.h"
#include "runtime/value.h"

namespace amino {

// One application call as DMs see it.
struct Invocation {
  std::string method;
  ValueList args;
  bool read_only = false;     // from the class's method table
  std::string caller;         // the calling client's node id (per-caller metrics, placement)
  SessionId session;          // the calling endpoint's incarnation (session_id.h)
  std::uint64_t call_id = 0;  // unique within the session; stable across a DM's retries of the same call
  Time deadline = kForever;   // absolute time on the caller's clock
};

// A replica at one level of a chain. Replicas of the innermost DM are physical (a kernel object on
// a node); replicas of outer DMs are logical, each realized by an inner group (child_gid).
struct ReplicaRef {
  std::string rid;
  std::string gid;
  NodeId node;               // physical: where it lives; logical: where its first stack lives
  std::uint64_t oid = 0;     // the kernel object (for a logical replica: its first stack's)
  std::string child_gid;     // logical replicas only: the inner group realizing it
  bool valid() const { return !rid.empty(); }
  bool physical() const { return child_gid.empty(); }
  Value to_value() const;
  static ReplicaRef from_value(const Value& v);
  bool operator==(const ReplicaRef& o) const { return rid == o.rid; }
};

// Per-caller RPC metrics kept by each kernel object (reference §1.3 step 5).
struct CallerMetrics {
  std::uint64_t calls = 0;
  std::int64_t total_ns = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};
using Metrics = std::map<std::string, CallerMetrics>;  // by caller
Value metrics_to_value(const Metrics& m);
Metrics metrics_from_value(const Value& v);

using DmConfig = ValueMap;  // validated against the DM's schema; defaults filled in

// How pin moves a replica. Stop-and-copy (the default) pauses the object while its whole state
// travels through the OMS. Live (pre-copy) migration sends the state from the source kernel
// server straight to the destination while calls continue: round 0 the full encoded state, each
// later round a binary delta against what the destination holds, until a delta is at most
// delta_threshold_bytes or max_precopy_rounds rounds were sent; then a short pause sends the last
// delta, installs at the destination and drops the source. A failure leaves the source serving.
struct MigrateOptions {
  bool live = false;
  int max_precopy_rounds = 4;
  std::int64_t delta_threshold_bytes = 64 * 1024;
  Value to_value() const;
  static MigrateOptions from_value(const Value& v);  // null: the defaults (stop-and-copy)
};

// A local copy of the application object, for caching and offloading DMs.
class LocalCopy {
 public:
  virtual ~LocalCopy() = default;
  virtual Reply invoke(const Invocation& inv) = 0;
  virtual Value snapshot() const = 0;
  virtual void restore(const Value& state) = 0;
};

class ClientContext {
 public:
  virtual ~ClientContext() = default;
  virtual Env& env() = 0;
  virtual const DmConfig& config() const = 0;
  virtual const std::string& group_id() const = 0;
  virtual const std::string& microservice() const = 0;
  // Asks the group for a replica to talk to (GroupDM::on_ref_request, through the OMS).
  virtual ReplicaRef ref_request() = 0;
  virtual std::vector<ReplicaRef> replicas() = 0;
  // Sends the call one level inward: to the next DM's client for that replica, or (innermost) to
  // the physical replica. Stale locations are repaired through the OMS here, not in DMs.
  virtual Reply forward(const ReplicaRef& to, Invocation& inv) = 0;
  virtual Reply notify_group(const Value& msg) = 0;
  // Caching, immutable and offloading DMs: the state of a replica, and a local copy built from it.
  virtual Reply fetch_state(const ReplicaRef& from) = 0;
  virtual std::unique_ptr<LocalCopy> make_local_copy(const Value& state) = 0;
};

class ServerContext {
 public:
  virtual ~ServerContext() = default;
  virtual Env& env() = 0;
  virtual const DmConfig& config() const = 0;
  virtual const ReplicaRef& self() const = 0;  // this server's replica at its own level
  virtual int level() const = 0;               // 0 = outermost DM
  // True when a restarted kernel server re-created this replica from its storage (a durable DM's
  // stack, Kernel::recover_durable_stacks): the object is empty and the durable DMs restore it in
  // on_create. False for a replica that was created, migrated or replicated: any state stored
  // under its ids before is not its own (ids restart with the OMS).
  virtual bool recovered() const { return false; }
  // Passes the call outward: to the next server, or to the object itself.
  virtual Reply next(Invocation& inv) = 0;
  virtual Value snapshot_object() = 0;
  virtual void restore_object(const Value& state) = 0;
  // Library calls (reference §2.1).
  virtual ReplicaRef replicate(const NodeId& where) = 0;  // where empty: group picks by selector
  // Asynchronous: moves this chain after the call returns.
  virtual void pin(const NodeId& node, const MigrateOptions& how = {}) = 0;
  virtual void terminate() = 0;              // asynchronous, like pin
  virtual std::vector<NodeInfo> nodes(const NodeSelector& selector) = 0;
  virtual std::vector<std::string> regions() = 0;
  virtual std::string region() = 0;
  virtual Metrics metrics() = 0;
  virtual std::vector<ReplicaRef> replicas() = 0;  // this level's group members
  // DM-to-DM messages between servers of the same group (e.g. Raft): peer's on_message.
  virtual Reply send_to_peer(const ReplicaRef& peer, const Value& msg, Duration timeout) = 0;
  virtual Reply notify_group(const Value& msg) = 0;
};

class GroupContext {
 public:
  virtual ~GroupContext() = default;
  virtual Env& env() = 0;
  virtual const DmConfig& config() const = 0;
  virtual const std::string& group_id() const = 0;
  virtual const NodeSelector& selector() const = 0;  // this DM's placement constraint
  virtual const NodeId& creator() const = 0;          // the node whose create() made the microservice
  virtual std::vector<ReplicaRef> replicas() = 0;    // live members
  // A new replica holding a copy of `from`'s state on `where` (empty: choose by selector), with a
  // fresh inner chain; returns an invalid ref with the reason logged if impossible.
  virtual ReplicaRef replicate(const ReplicaRef& from, const NodeId& where) = 0;
  virtual Status pin(const ReplicaRef& replica, const NodeId& node, const MigrateOptions& how = {}) = 0;
  virtual Status terminate(const ReplicaRef& replica) = 0;
  virtual std::vector<NodeInfo> nodes(const NodeSelector& selector) = 0;  // live nodes
  virtual std::vector<std::string> regions() = 0;
  virtual Metrics metrics(const ReplicaRef& replica) = 0;
  virtual Reply notify_server(const ReplicaRef& replica, const Value& msg) = 0;
};

class ClientDM {
 public:
  virtual ~ClientDM() = default;
  virtual void on_create(ClientContext&) {}
  virtual Reply on_rpc(Invocation& inv, ClientContext& ctx) = 0;
};

class ServerDM {
 public:
  virtual ~ServerDM() = default;
  virtual void on_create(ServerContext&) {}
  virtual void on_destroy(ServerContext&) {}
  virtual Reply on_rpc(Invocation& inv, ServerContext& ctx) { return ctx.next(inv); }
  virtual void on_membership_change(ServerContext&, const std::vector<ReplicaRef>&) {}
  virtual Value on_notification(ServerContext&, const Value&) { return {}; }
  virtual Reply on_message(ServerContext&, const ReplicaRef&, const Value&) {
    return Reply::error(Code::kNoSuchMethod, "this DM takes no peer messages");
  }
  virtual void on_low_memory(ServerContext&) {}
  // DM state that travels with the chain when it migrates.
  virtual Value snapshot() const { return {}; }
  virtual void restore(const Value&) {}
};

class GroupDM {
 public:
  virtual ~GroupDM() = default;
  virtual void on_create(GroupContext&, const ReplicaRef& /*first*/) {}
  virtual void on_destroy(GroupContext&) {}
  // Default: a live replica chosen with the node's seeded RNG.
  virtual ReplicaRef on_ref_request(GroupContext& ctx, const NodeId& client);
  virtual void on_failure(GroupContext&, const ReplicaRef& /*dead*/) {}
  // A replica failed while its node was only suspected (it missed heartbeats, then reported the
  // replica again, state intact). Return true to re-admit it as a member (the default), false to
  // discard it, e.g. because on_failure replaced it meanwhile; the OMS then drops it on its node.
  // Called after every on_failure of that failure was delivered; must not block.
  virtual bool on_rejoin(GroupContext&, const ReplicaRef& /*returned*/) { return true; }
  virtual Value on_notification(GroupContext&, const Value&) { return {}; }
  virtual void on_low_memory(GroupContext&, const ReplicaRef&) {}
  virtual void on_high_latency(GroupContext&, const ReplicaRef&, const NodeId& /*client*/,
                               Duration /*latency*/) {}
  // A replicated OMS (runtime/oms_replication.h) keeps the component's memory in its replicated
  // state: export_state is committed with every change of the OMS and before each library call the
  // component makes (replicate, pin, terminate, notify_server), so what it decided is durable before
  // it takes effect. A new leader builds a fresh component and import_state()s the last committed
  // memory (instead of on_create), then calls on_leader_change once the library calls and failure
  // deliveries left unfinished by the old leader are done, so the component can finish what it
  // decided without knowing whether its effects happened (e.g. a failover that promoted a replica
  // but crashed before recording which). Defaults: no memory, nothing to finish. A single OMS never
  // calls any of the three.
  virtual Value export_state() const;
  virtual void import_state(GroupContext&, const Value& /*state*/);
  virtual void on_leader_change(GroupContext&);
};

// A typed configuration key of a DM; specs are checked against these at load time.
struct ConfigKey {
  std::string name;
  Value::Kind kind = Value::Kind::kInt;
  Value default_value;
  std::string doc;
  // Inclusive range of a kInt or kDouble key (null: unbounded on that side), given in the key's
  // kind. A kDouble key must also be finite: NaN and infinities are always rejected.
  Value min;
  Value max;
};

// Everything about a DM: how to build its parts and what a user needs to choose and configure it.
// This is the one source of DM metadata: dms/catalogue.h renders it as docs/dm-catalogue.md,
// `amino-ctl dms [NAME]` and amino.catalogue(); DM headers point here instead of repeating it.
struct DmDescriptor {
  std::string name;
  std::string category;  // DMs sharing a non-empty category are mutually exclusive in a chain
  std::string summary;   // one line
  std::string paper;     // the Sapphire paper DM (or Amino.Run policy) it implements
  std::string source;    // its header in the source tree, e.g. "dms/keep_in_place.h"
  std::string guarantee;  // what it promises
  std::string tolerates;  // the faults it tolerates, and those it does not
  std::string caveats;    // anything else a user must know (may be empty)
  std::vector<ConfigKey> config;
  std::function<std::unique_ptr<ClientDM>()> make_client;
  std::function<std::unique_ptr<ServerDM>()> make_server;
  std::function<std::unique_ptr<GroupDM>()> make_group;
  // Methods the DM's client part intercepts, named by its config (e.g. a transaction DM's begin,
  // commit and rollback): the client chain accepts a call to one of them even when the application
  // class does not declare it (it is then treated as mutating). Null: none.
  std::function<std::vector<std::string>(const DmConfig&)> control_methods;
  // The server part keeps its state in Env::storage(): a kernel server that restarts with its
  // storage re-creates such replicas and runs on_create, which recovers them (e.g. Raft's log).
  bool durable = false;
};

// Why `value` does not fit `key` of DM `dm` (wrong kind, NaN or infinite, outside [min, max]), as a
// sentence naming the DM, key, value and allowed range; nullopt when it fits. Ints are accepted
// for kDouble keys.
std::optional<std::string> config_value_problem(const std::string& dm, const ConfigKey& key, const Value& value);
// The first problem of a whole config against dm's schema (unknown or missing key, or a value as
// above), or nullopt. parse_spec reports the same problems with a line; this checks configs that
// did not come from YAML (built in C++, or received by the OMS).
std::optional<std::string> config_problem(const DmDescriptor& dm, const DmConfig& config);

// Known DMs and the compatibility table consulted when a spec is loaded.
class DmRegistry {
 public:
  void add(DmDescriptor d);
  const DmDescriptor* find(const std::string& name) const;
  std::vector<std::string> names() const;
  // Rejects `outer` listed anywhere before `inner` in one chain ("*" matches any DM).
  void forbid(std::string outer, std::string inner, std::string reason);
  // Why this chain (outer first) is rejected, or nullopt if it is allowed.
  std::optional<std::string> check_chain(const std::vector<std::string>& dms) const;
  // Says why the DMs of `category` are mutually exclusive (for the catalogue; the exclusion itself
  // follows from DmDescriptor::category alone).
  void describe_category(std::string category, std::string why);

  struct Rule {
    std::string outer, inner, reason;
  };
  const std::vector<Rule>& rules() const { return rules_; }  // in the order forbid() added them
  const std::map<std::string, std::string>& categories() const { return categories_; }  // name -> why

 private:
  std::map<std::string, DmDescriptor> dms_;
  std::vector<Rule> rules_;
  std::map<std::string, std::string> categories_;
};

}  // namespace amino
