// The OMS's failure handling: heartbeats, failure detection, restarts, and reconciliation when a
// kernel server declared dead turns out to be alive.
//
// Every change of a node's fate goes through one FIFO of node events handled by one execution
// context, in arrival order. A declared failure's onFailure upcalls and a later return's
// re-admission therefore never interleave, whatever the upcalls block on: a returning replica
// is reconciled only after every onFailure of the failure before it was delivered, and its group's
// DM decides (GroupDM::on_rejoin) whether it is re-admitted or discarded.
#include <algorithm>

#include "runtime/oms.h"
#include "runtime/oms_group_context.h"
#include "runtime/wire.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
}  // namespace

// ---- Failure detection ---------------------------------------------------------------------------

void Oms::check_liveness() {
  const Time now = env_.now();
  // A check that runs late means the OMS itself was not listening (busy, paused, starved of CPU):
  // the silence is ours, not the nodes'. Restart every deadline instead of declaring all dead.
  const Duration late = last_check_ == 0 ? 0 : now - last_check_ - options_.check_period;
  if (late > options_.heartbeat_timeout / 2) {
    record("OMS was unresponsive for " + std::to_string(late / kMillisecond) +
           " ms: heartbeat deadlines restarted (no node is blamed for the OMS's own silence)");
    for (auto& [id, n] : nodes_) n.last_heartbeat = std::max(n.last_heartbeat, now);
  }
  last_check_ = now;
  for (auto& [id, n] : nodes_) {
    if (n.info.alive && now - n.last_heartbeat > options_.heartbeat_timeout) {
      n.info.alive = false;  // at once: placement and ref requests stop choosing it
      record("kernel server " + id + " missed its heartbeats: declared dead");
      enqueue(NodeEvent{NodeEvent::Kind::kDead, id, n.incarnation, {}, false});
    }
  }
  env_.arm_timer(options_.check_period, [this] { check_liveness(); });
}

// Registration or heartbeat: the node's own account of itself, with the objects it hosts (including
// those recovered from storage). Runs inline on the message loop: records the node at once and
// leaves anything that involves groups to the node-event queue.
void Oms::on_node_report(const NodeId& from, const Value& info) {
  NodeInfo n = node_info_from_value(info);
  if (n.id != from) {
    // A report speaks for its sender only: a peer cannot declare another node alive or restarted.
    env_.log(LogLevel::kWarn, "node report from " + from + " claims to be " + n.id + ": ignored");
    return;
  }
  const Value* inc = info.find("incarnation");
  const std::int64_t incarnation = inc != nullptr ? inc->as_int() : 0;
  NodeRec& rec = nodes_[n.id];
  const bool known = !rec.info.id.empty();
  const bool was_alive = rec.info.alive;
  const bool restarted = known && rec.incarnation != incarnation;
  if (!known) record("kernel server " + n.id + " registered (region " + n.region + ")");
  if (known && !was_alive) record("kernel server " + n.id + " is back");
  rec.info = n;
  rec.info.alive = true;
  rec.last_heartbeat = env_.now();
  rec.incarnation = incarnation;

  NodeEvent e{NodeEvent::Kind::kReport, n.id, incarnation, {}, restarted};
  bool needs_reconciling = !was_alive || restarted;
  if (const Value* oids = info.find("oids")) {
    for (const auto& v : oids->as_list()) {
      const auto oid = static_cast<std::uint64_t>(v.as_int());
      e.reported.push_back(oid);
      auto it = stacks_.find(oid);
      if (it == stacks_.end() || !it->second.alive || it->second.node != n.id) needs_reconciling = true;
    }
  }
  if (needs_reconciling) enqueue(std::move(e));
}

// ---- The node-event queue ------------------------------------------------------------------------

void Oms::enqueue(NodeEvent e) {
  node_events_.push_back(std::move(e));
  if (handling_node_events_) return;
  handling_node_events_ = true;
  env_.spawn("node_events", [this] {
    while (!node_events_.empty()) {
      NodeEvent next = std::move(node_events_.front());
      node_events_.pop_front();
      if (next.kind == NodeEvent::Kind::kDead) {
        on_node_dead(next);
      } else {
        on_node_back(next);
      }
    }
    handling_node_events_ = false;
  });
}

void Oms::on_node_dead(const NodeEvent& e) {
  const NodeRec& n = nodes_.at(e.node);
  if (n.info.alive) {
    // It spoke again before we acted: nothing was lost (a restart is handled by its own report).
    record("kernel server " + e.node + " answered again before its failure was handled: suspicion withdrawn");
    return;
  }
  std::vector<std::string> lost;
  for (auto& [oid, s] : stacks_) {
    if (s.alive && s.node == e.node) {
      s.alive = false;
      lost.push_back(s.spec.levels.back().rid);
    }
  }
  for (const auto& rid : lost) fail_replica(rid);
}

void Oms::on_node_back(const NodeEvent& e) {
  if (e.restarted) {
    // The replicas it had and no longer reports are lost.
    std::vector<std::string> lost;
    for (auto& [oid, s] : stacks_) {
      if (s.alive && s.node == e.node && std::find(e.reported.begin(), e.reported.end(), oid) == e.reported.end()) {
        s.alive = false;
        lost.push_back(s.spec.levels.back().rid);
      }
    }
    if (!lost.empty()) {
      record("kernel server " + e.node + " restarted and lost " + std::to_string(lost.size()) + " replica(s)");
    }
    for (const auto& rid : lost) fail_replica(rid);
  }
  for (std::uint64_t oid : e.reported) reconcile(e.node, oid);
}

void Oms::fail_replica(const std::string& rid) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || !r->alive) return;
  r->alive = false;
  const ReplicaRef ref = r->ref;
  GroupRec* g = group(ref.gid);
  if (g == nullptr || g->destroyed) return;
  notify_membership(ref.gid);
  record("onFailure delivered to group " + ref.gid + " (" + services_.at(g->ms).spec.dms.at(g->level).name +
         ") of " + g->ms + " for replica " + ref.rid + " on " + ref.node);
  g->dm->on_failure(*g->ctx, ref);
  // A logical replica whose inner group lost every member is lost too: tell the outer group.
  if (replicas(ref.gid).empty() && !g->parent_rid.empty()) fail_replica(g->parent_rid);
}

// One object a node reports. Unknown, terminated or moved objects are dropped there; a replica that
// was failed while its node was only suspected goes to its groups, innermost first: each group's DM
// re-admits it or discards it (it may have been replaced meanwhile).
void Oms::reconcile(const NodeId& node, std::uint64_t oid) {
  auto it = stacks_.find(oid);
  ReplicaRec* r = it == stacks_.end() ? nullptr : replica(it->second.spec.levels.back().rid);
  GroupRec* g = r == nullptr ? nullptr : group(r->ref.gid);
  if (r == nullptr || r->terminated || g == nullptr || g->destroyed || it->second.node != node) {
    (void)ks_call(node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    return;
  }
  if (it->second.alive) return;
  // The levels that were failed along with it, innermost first.
  std::vector<ReplicaRec*> levels;
  if (!r->alive) levels.push_back(r);
  for (const auto& [ogid, orid] : r->outer) {
    ReplicaRec* up = replica(orid);
    if (up != nullptr && !up->terminated && !up->alive) levels.push_back(up);
  }
  for (ReplicaRec* level : levels) {
    GroupRec* lg = group(level->ref.gid);
    const bool admit = lg != nullptr && !lg->destroyed && lg->dm->on_rejoin(*lg->ctx, level->ref);
    if (admit) continue;
    const std::string dm = lg == nullptr ? "destroyed group" : services_.at(lg->ms).spec.dms.at(lg->level).name;
    record("replica " + level->ref.rid + " on " + node + " discarded by group " + level->ref.gid + " (" + dm +
           "): it was replaced while its node was suspected");
    level->terminated = true;
    r->terminated = true;
    (void)ks_call(node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    return;
  }
  it->second.alive = true;
  for (ReplicaRec* level : levels) {
    level->alive = true;
    record("replica " + level->ref.rid + " on " + node + " re-admitted by group " + level->ref.gid +
           ": its node was suspected, not dead");
  }
  for (ReplicaRec* level : levels) notify_membership(level->ref.gid);
}

}  // namespace amino
