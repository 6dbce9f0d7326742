// The OMS's membership: the kernel servers it knows (labels, region, boot incarnation), their
// liveness by heartbeat, and the order in which changes of a node's fate are handled.
//
// Every death, restart and return goes through one FIFO of node events handled by one execution
// context, in arrival order. A declared failure's onFailure upcalls and a later return's
// re-admission therefore never interleave, whatever the upcalls block on: a returning replica is
// reconciled only after every onFailure of the failure before it was delivered.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runtime/live_node_index.h"
#include "runtime/node_info.h"
#include "runtime/oms_core.h"

namespace amino {

// A node's report of itself that needs the groups' attention: it came back after being declared
// dead, it restarted, or it hosts objects the groups do not place there.
struct NodeReturn {
  NodeId node;
  bool restarted = false;                // a new incarnation: what it no longer reports is lost
  std::vector<std::uint64_t> reported;   // the objects it hosts (including recovered ones)
};

// What membership tells the rest of the OMS (the groups), from the node-event context.
class MembershipListener {
 public:
  virtual ~MembershipListener() = default;
  // Whether the groups place live object `oid` on `node` (a report naming anything else is reconciled).
  virtual bool places(const NodeId& node, std::uint64_t oid) const = 0;
  virtual void on_node_lost(const NodeId& node) = 0;
  virtual void on_node_return(const NodeReturn& r) = 0;
  // A replicated OMS's new leader, before any node event: finish what the previous one left.
  virtual void on_leader_change() {}
};

class Membership {
 public:
  Membership(OmsCore& core, MembershipListener& listener) : core_(core), listener_(listener) {}

  void start();  // arms the periodic liveness check
  // Registration or heartbeat from `from`: the node's own account of itself (NodeInfo plus
  // "incarnation" and "oids"). A report speaks for its sender only.
  void on_report(const NodeId& from, const Value& info);

  std::vector<NodeInfo> nodes(const NodeSelector& selector = {}, bool live_only = true) const;
  // Live nodes matching every selector of `all_of`, in id order, from an index (placement runs per
  // create and there may be thousands of nodes): see live_node_index.h.
  NodeCandidates live_matching(const std::vector<const NodeSelector*>& all_of) const;
  bool is_live(const NodeId& node) const;
  std::vector<std::string> regions() const;  // of live nodes, sorted

  // The replicated state (oms_state.cc): every node's info and incarnation. Heartbeat times are
  // not replicated: an import restarts every node's deadline (a new leader blames nobody for the
  // time it was not listening).
  Value export_state() const;
  void import_state(const Value& nodes);

 private:
  struct NodeRec {
    NodeInfo info;
    Time last_heartbeat = 0;
    std::int64_t incarnation = 0;  // the node's boot; a new one means it restarted
  };
  struct NodeEvent {
    bool dead = false;  // else a return (NodeReturn)
    NodeReturn back;
    bool leader_change = false;  // neither: a new leader's resumption (MembershipListener)
  };

  void check_liveness();
  void enqueue(NodeEvent e);
  void handle(const NodeEvent& e);

  OmsCore& core_;
  MembershipListener& listener_;
  std::map<NodeId, NodeRec> nodes_;
  std::deque<NodeEvent> events_;
  bool handling_events_ = false;
  Time last_check_ = 0;
  // Rebuilt on the next query after a node is added, changes labels or changes liveness.
  mutable LiveNodeIndex live_index_;
  mutable bool live_index_stale_ = true;
};

}  // namespace amino
