#include "runtime/oms_membership.h"

#include <algorithm>

#include "runtime/protocol.h"

namespace amino {

void Membership::start() {
  core_.env.arm_timer(core_.options.check_period, [this] { check_liveness(); });
}

// ---- Failure detection ---------------------------------------------------------------------------

void Membership::check_liveness() {
  const Time now = core_.env.now();
  const OmsOptions& o = core_.options;
  if (!core_.serving()) {
    // A replicated OMS's follower: the leader detects failures. Its first check after a takeover
    // starts the clock afresh (import_state restarted every deadline).
    last_check_ = 0;
    core_.env.arm_timer(o.check_period, [this] { check_liveness(); });
    return;
  }
  // A check that runs late means the OMS itself was not listening (busy, paused, starved of CPU):
  // the silence is ours, not the nodes'. Restart every deadline instead of declaring all dead.
  const Duration late = last_check_ == 0 ? 0 : now - last_check_ - o.check_period;
  if (late > o.heartbeat_timeout / 2) {
    core_.record("OMS was unresponsive for " + std::to_string(late / kMillisecond) +
                 " ms: heartbeat deadlines restarted (no node is blamed for the OMS's own silence)");
    for (auto& [id, n] : nodes_) n.last_heartbeat = std::max(n.last_heartbeat, now);
  }
  last_check_ = now;
  for (auto& [id, n] : nodes_) {
    if (n.info.alive && now - n.last_heartbeat > o.heartbeat_timeout) {
      n.info.alive = false;  // at once: placement and ref requests stop choosing it
      live_index_stale_ = true;
      core_.record("kernel server " + id + " missed its heartbeats: declared dead");
      // Control calls to it (a group's snapshot, install, notification...) would otherwise each
      // wait out the control timeout, holding what their callers hold: a group component's
      // replacement of a lost replica would stall behind a copy from the dead node.
      core_.rpc.fail_pending(id, Status{Code::kUnreachable, "kernel server " + id + " was declared dead", {}});
      enqueue(NodeEvent{true, NodeReturn{id, false, {}}});
    }
  }
  core_.env.arm_timer(o.check_period, [this] { check_liveness(); });
}

// Runs inline on the message loop: records the node at once and leaves anything that involves
// groups to the node-event queue.
void Membership::on_report(const NodeId& from, const Value& info) {
  NodeInfo n = node_info_from_value(info);
  if (n.id != from) {
    // A peer cannot declare another node alive or restarted.
    core_.env.log(LogLevel::kWarn, "node report from " + from + " claims to be " + n.id + ": ignored");
    return;
  }
  const Value* inc = info.find("incarnation");
  const std::int64_t incarnation = inc != nullptr ? inc->as_int() : 0;
  NodeRec& rec = nodes_[n.id];
  const bool known = !rec.info.id.empty();
  const bool was_alive = rec.info.alive;
  const bool restarted = known && rec.incarnation != incarnation;
  if (restarted) {
    // Calls to the previous incarnation go unanswered (a call to this one that fails too fails as
    // one timing out would: its effect, if any, is reconciled from the node's reports).
    core_.rpc.fail_pending(n.id, Status{Code::kUnreachable, "kernel server " + n.id + " restarted", {}});
  }
  if (!known) core_.record("kernel server " + n.id + " registered (region " + n.region + ")");
  if (known && !was_alive) core_.record("kernel server " + n.id + " is back");
  if (!known || !was_alive || rec.info.region != n.region || rec.info.labels != n.labels) live_index_stale_ = true;
  rec.info = n;
  rec.info.alive = true;
  rec.last_heartbeat = core_.env.now();
  rec.incarnation = incarnation;

  NodeEvent e{false, NodeReturn{n.id, restarted, {}}};
  bool needs_reconciling = !was_alive || restarted;
  if (const Value* oids = info.find("oids")) {
    for (const auto& v : oids->as_list()) {
      const auto oid = static_cast<std::uint64_t>(v.as_int());
      e.back.reported.push_back(oid);
      if (!listener_.places(n.id, oid)) needs_reconciling = true;
    }
  }
  if (needs_reconciling) enqueue(std::move(e));
}

// ---- The node-event queue ------------------------------------------------------------------------

void Membership::enqueue(NodeEvent e) {
  events_.push_back(std::move(e));
  if (handling_events_) return;
  handling_events_ = true;
  core_.env.spawn("node_events", [this] {
    while (!events_.empty()) {
      NodeEvent next = std::move(events_.front());
      events_.pop_front();
      // A replicated OMS's deposed leader drops what it had queued: the new leader decides anew.
      if (!core_.serving()) continue;
      handle(next);
      if (core_.replication != nullptr) (void)core_.replication->commit();
    }
    handling_events_ = false;
  });
}

void Membership::handle(const NodeEvent& e) {
  // A replicated OMS acts on a node's fate only while it provably leads; otherwise the event is
  // dropped here and the next leader decides from the committed state (import_state).
  if (core_.replication != nullptr && !core_.replication->fence().ok()) return;
  if (e.leader_change) {
    listener_.on_leader_change();
    return;
  }
  if (!e.dead) {
    listener_.on_node_return(e.back);
    return;
  }
  if (nodes_.at(e.back.node).info.alive) {
    // It spoke again before we acted: nothing was lost (a restart is handled by its own report).
    core_.record("kernel server " + e.back.node + " answered again before its failure was handled: suspicion withdrawn");
    return;
  }
  listener_.on_node_lost(e.back.node);
}

// ---- Queries -------------------------------------------------------------------------------------

std::vector<NodeInfo> Membership::nodes(const NodeSelector& selector, bool live_only) const {
  std::vector<NodeInfo> out;
  for (const auto& [id, n] : nodes_) {
    if ((!live_only || n.info.alive) && selector.matches(n.info)) out.push_back(n.info);
  }
  return out;
}

NodeCandidates Membership::live_matching(const std::vector<const NodeSelector*>& all_of) const {
  if (live_index_stale_) {
    std::vector<const NodeInfo*> live;
    for (const auto& [id, n] : nodes_) {
      if (n.info.alive) live.push_back(&n.info);
    }
    live_index_.assign(std::move(live));
    live_index_stale_ = false;
  }
  return live_index_.matching(all_of);
}

bool Membership::is_live(const NodeId& node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && it->second.info.alive;
}

std::vector<std::string> Membership::regions() const {
  std::vector<std::string> out;
  for (const auto& [id, n] : nodes_) {
    if (n.info.alive && std::find(out.begin(), out.end(), n.info.region) == out.end()) out.push_back(n.info.region);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace amino
