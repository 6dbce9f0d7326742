// The OMS (object management service): the registry of kernel servers (labels, regions, liveness by
// heartbeat), of microservices (names, reference counts) and of their group trees; it hosts every
// DM group component and carries out the group library calls: placement, replication, stop-and-copy
// migration, termination, and onFailure delivery when a kernel server stops heartbeating.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/dm.h"
#include "runtime/limits.h"
#include "runtime/protocol.h"
#include "runtime/rpc.h"
#include "runtime/spec.h"

namespace amino {

struct OmsOptions {
  Duration heartbeat_timeout = 2 * kSecond;   // silence after which a kernel server is dead
  Duration check_period = 250 * kMillisecond;
  Duration control_timeout = 5 * kSecond;     // deadline of calls to kernel servers
  Duration drain_timeout = 2 * kSecond;       // how long migration waits for calls in flight
  std::size_t max_create_bytes = kMaxCreateRequestBytes;  // runtime/limits.h
};

class Oms {
 public:
  // Shares the node's Rpc (a kernel server may run on the same node).
  Oms(Rpc& rpc, const DmRegistry& dms, OmsOptions options = {});
  ~Oms();
  Oms(const Oms&) = delete;
  Oms& operator=(const Oms&) = delete;

  void start();

  // Operator actions (tools, Python, tests); call from an execution context.
  // Moves the replica `rid` (and the whole chain beneath it) to `node` by stop-and-copy.
  Status pin_replica(const std::string& rid, const NodeId& node) { return pin(rid, node); }
  // Moves the first live replica of a microservice's outermost group.
  Status migrate(const std::string& ms, const NodeId& node);

  // Introspection for tests and tools.
  std::vector<NodeInfo> nodes(const NodeSelector& selector = {}, bool live_only = true) const;
  std::vector<ReplicaRef> replicas(const std::string& gid) const;  // live members
  std::string root_group(const std::string& ms) const;
  std::vector<std::uint64_t> stacks_of(const std::string& ms) const;  // live physical replicas
  NodeId location(std::uint64_t oid) const;
  GroupDM* group_dm(const std::string& gid) const;
  // Notable events (registrations, deaths, onFailure deliveries, migrations), oldest first; the
  // most recent kMaxEvents are kept.
  const std::vector<std::string>& events() const { return events_; }
  static constexpr std::size_t kMaxEvents = 1000;

 private:
  struct NodeRec {
    NodeInfo info;
    Time last_heartbeat = 0;
    std::int64_t incarnation = 0;  // the node's boot; a new one means it restarted
  };
  struct StackRec {
    StackSpec spec;
    NodeId node;
    bool alive = true;
  };
  struct ReplicaRec {
    ReplicaRef ref;
    int level = 0;
    std::vector<std::pair<std::string, std::string>> outer;  // (gid, rid) of enclosing levels
    std::vector<std::uint64_t> stacks;                       // physical replicas beneath
    bool alive = true;
    bool terminated = false;  // removed on purpose (never revived), as opposed to failed
  };
  class GroupCtx;
  struct GroupRec {
    std::string gid, ms, parent_rid;
    int level = 0;
    std::unique_ptr<GroupDM> dm;
    std::unique_ptr<GroupCtx> ctx;
    std::vector<std::string> members;  // rids, in creation order
    bool destroyed = false;
  };
  struct MsRec {
    std::string id, name, root_gid;
    NodeId creator;
    MicroServiceSpec spec;
    int refs = 1;
    bool destroyed = false;
  };
  struct Init {  // how a new physical replica gets its state
    ValueList args;
    Value state;  // a StackState; null: construct from args
  };

  // A change of a node's fate, handled in order by one execution context (oms_liveness.cc).
  struct NodeEvent {
    enum class Kind { kDead, kReport };
    Kind kind;
    NodeId node;
    std::int64_t incarnation = 0;
    std::vector<std::uint64_t> reported;  // kReport: the objects the node hosts
    bool restarted = false;               // kReport: a new incarnation
  };

  void serve();
  // oms_liveness.cc: failure detection, restarts, reconciliation.
  void check_liveness();
  void on_node_report(const NodeId& from, const Value& info);
  void enqueue(NodeEvent e);
  void on_node_dead(const NodeEvent& e);
  void on_node_back(const NodeEvent& e);
  void fail_replica(const std::string& rid);
  void reconcile(const NodeId& node, std::uint64_t oid);
  void notify_membership(const std::string& gid);

  Reply create(const NodeId& from, const Value& body);
  Value acquired(const MsRec& ms) const;
  MsRec* find_ms(const std::string& id_or_name);
  void release(MsRec& ms);

  std::string new_group(const std::string& ms, int level, const std::string& parent_rid);
  Reply create_replica(const std::string& gid, const NodeId& node, const Init& init,
                       std::vector<std::pair<std::string, std::string>> outer);
  std::vector<NodeInfo> candidates(const MicroServiceSpec& spec, std::size_t from_level) const;
  NodeId pick_node(const std::vector<NodeInfo>& nodes, const std::string& avoid_gid);

  ReplicaRef replicate(const std::string& gid, const std::string& from_rid, const NodeId& where);
  Status pin(const std::string& rid, const NodeId& node);
  Status migrate_stack(std::uint64_t oid, const NodeId& dst);
  Status terminate(const std::string& rid);
  void destroy_group(const std::string& gid);

  GroupRec* group(const std::string& gid);
  ReplicaRec* replica(const std::string& rid);
  Reply ks_call(const NodeId& node, const char* service, const Value& body);
  Reply group_call(const Value& body, const std::function<Reply(GroupRec&)>& fn);

  void record(const std::string& event);

  Rpc& rpc_;
  Env& env_;
  std::vector<std::string> events_;
  const DmRegistry& dms_;
  OmsOptions options_;
  std::uint64_t next_id_ = 1;
  std::map<NodeId, NodeRec> nodes_;
  std::map<std::string, MsRec> services_;
  std::map<std::string, std::string> names_;
  std::map<std::string, GroupRec> groups_;
  std::map<std::string, ReplicaRec> replicas_;
  std::map<std::uint64_t, StackRec> stacks_;
  std::deque<NodeEvent> node_events_;
  bool handling_node_events_ = false;
  Time last_check_ = 0;
};

}  // namespace amino
