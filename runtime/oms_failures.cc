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
  for (const auto& rid : lost) fail_replica(rid);
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
    for (const auto& rid : lost) fail_replica(rid);
  }
  for (std::uint64_t oid : e.reported) reconcile(e.node, oid);
}

void Groups::fail_replica(const std::string& rid) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || !r->alive) return;
  r->alive = false;
  const ReplicaRef ref = r->ref;
  GroupRec* g = live_group(ref.gid);
  if (g == nullptr) return;
  notify_membership(ref.gid);
  core_.record("onFailure delivered to group " + ref.gid + " (" + dm_name(*g) + ") of " + g->ms + " for replica " +
               ref.rid + " on " + ref.node);
  g->dm->on_failure(*g->ctx, ref);
  // A logical replica whose inner group lost every member is lost too: tell the outer group.
  if (replicas(ref.gid).empty() && !g->parent_rid.empty()) fail_replica(g->parent_rid);
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
