// The groups' side of failure handling: what a lost node's replicas become (onFailure delivery,
// escalating to the outer group when an inner group has no replica left), and reconciliation when
// a node declared dead turns out to be alive or restarted. Membership (oms_membership.cc) decides
// when, one node event at a time.
#include <algorithm>

#include "runtime/oms_groups.h"
#include "runtime/oms_group_context.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
}  // namespace

bool Groups::places(const NodeId& node, std::uint64_t oid) const {
  auto it = stacks_.find(oid);
  return it != stacks_.end() && it->second.alive && it->second.node == node;
}

void Groups::on_node_lost(const NodeId& node) {
  std::vector<std::string> lost;
  for (auto& [oid, s] : stacks_) {
    if (s.alive && s.node == node) {
      s.alive = false;
      lost.push_back(s.spec.levels.back().rid);
    }
  }
  deliver_failures(node, lost);
}

// A replicated OMS commits "these replicas of `node` are lost, their onFailure is due" before the
// first delivery, and each delivery once its onFailure returned: a new leader delivers what is
// still due (resume_after_leader_change), so a delivery is never lost; it runs again only if the
// leader crashed while it ran (or before its end was committed), and then against the component's
// memory as committed before its library calls.
void Groups::deliver_failures(const NodeId& node, const std::vector<std::string>& rids) {
  if (replicated()) {
    for (const auto& rid : rids) undelivered_[rid] = node;
    if (!rids.empty() && !commit_ahead()) return;
  }
  for (const auto& rid : rids) {
    fail_replica(rid);
    if (replicated()) {
      undelivered_.erase(rid);
      if (!commit_ahead()) return;  // deposed: the next leader delivers the rest
    }
  }
}

void Groups::on_node_return(const NodeReturn& e) {
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
      core_.record("kernel server " + e.node + " restarted and lost " + std::to_string(lost.size()) + " replica(s)");
    }
    deliver_failures(e.node, lost);
  }
  for (std::uint64_t oid : e.reported) reconcile(e.node, oid);
}

void Groups::fail_replica(const std::string& rid, bool resumed) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || (!r->alive && (!resumed || r->terminated))) return;
  const bool was_alive = r->alive;
  r->alive = false;
  const ReplicaRef ref = r->ref;
  GroupRec* g = live_group(ref.gid);
  if (g == nullptr) return;
  if (was_alive) notify_membership(ref.gid);
  core_.record("onFailure delivered to group " + ref.gid + " (" + dm_name(*g) + ") of " + g->ms + " for replica " +
               ref.rid + " on " + ref.node);
  g->dm->on_failure(*g->ctx, ref);
  // A logical replica whose inner group lost every member is lost too: tell the outer group.
  if (replicas(ref.gid).empty() && !g->parent_rid.empty()) fail_replica(g->parent_rid, resumed);
}

// One object a node reports. Unknown, terminated or moved objects are dropped there; a replica that
// was failed while its node was only suspected goes to its groups, innermost first: each group's DM
// re-admits it (GroupDM::on_rejoin) or discards it (it may have been replaced meanwhile).
void Groups::reconcile(const NodeId& node, std::uint64_t oid) {
  auto it = stacks_.find(oid);
  ReplicaRec* r = it == stacks_.end() ? nullptr : replica(it->second.spec.levels.back().rid);
  GroupRec* g = r == nullptr ? nullptr : live_group(r->ref.gid);
  if (r == nullptr || r->terminated || g == nullptr || it->second.node != node) {
    (void)core_.ks_call(node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
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
    if (lg != nullptr && !lg->destroyed && lg->dm->on_rejoin(*lg->ctx, level->ref)) continue;
    const std::string dm = lg == nullptr ? "destroyed group" : dm_name(*lg);
    core_.record("replica " + level->ref.rid + " on " + node + " discarded by group " + level->ref.gid + " (" + dm +
                 "): it was replaced while its node was suspected");
    level->terminated = true;
    r->terminated = true;
    (void)core_.ks_call(node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    return;
  }
  it->second.alive = true;
  for (ReplicaRec* level : levels) {
    level->alive = true;
    core_.record("replica " + level->ref.rid + " on " + node + " re-admitted by group " + level->ref.gid +
                 ": its node was suspected, not dead");
  }
  for (ReplicaRec* level : levels) notify_membership(level->ref.gid);
}

}  // namespace amino
