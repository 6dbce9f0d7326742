// A replicated OMS's new leader finishes what its predecessor committed as under way (the
// write-ahead records of oms_groups.h), in this order, before it handles any node event:
//
// 1. Migrations. Committed location = destination: the switch was decided, so the source is
//    dropped (again: a drop of an object a server no longer has changes nothing). Otherwise the
//    migration is rolled back: the destination's copy, if it was installed, is dropped (the OMS
//    never placed it there) and the source resumes (a resume of an object that is not quiesced
//    changes nothing). Either way the object serves from exactly one place.
// 2. Library calls of group components. replicate is done again from scratch: if the old leader
//    had installed the replica without committing it, that copy has an id no committed record
//    names, and the kernel server's next report gets it dropped (reconciliation), so the group gets
//    one replica, not two. pin is done again (an object already at the destination does not move;
//    see 1. for one caught half-way). terminate is done again (a replica no longer alive is left
//    as it is). notify_server is sent again: at least once, so a server DM's messages from its
//    group must be idempotent (those of the DMs here carry an epoch or a term, or are queries).
// 3. onFailure deliveries that were due (a node death committed, its deliveries not all done).
// 4. GroupDM::on_leader_change of every live group, whose memory was imported from the committed
//    state: the component finishes what it decided (e.g. a failover whose outcome it had not
//    recorded) and tops up.
// Each step's record goes once it is done, and is committed then: a leader that crashes in the
// middle leaves the rest to the next one.
#include "runtime/oms_groups.h"
#include "runtime/oms_group_context.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
}  // namespace

void Groups::resume_after_leader_change() {
  if (!replicated()) return;
  for (const auto& [oid, m] : std::map<std::uint64_t, Move>(migrating_)) {
    resume_migration(oid, m);
    migrating_.erase(oid);
    if (!commit_ahead()) return;
  }
  for (const auto& [id, in] : std::map<std::string, Intent>(intents_)) {
    resume_intent(in);
    intents_.erase(id);
    if (!commit_ahead()) return;
  }
  for (const auto& [rid, node] : std::map<std::string, NodeId>(undelivered_)) {
    core_.record("onFailure for replica " + rid + " on " + node + " was due when the previous OMS leader stopped: delivered");
    fail_replica(rid, true);
    undelivered_.erase(rid);
    if (!commit_ahead()) return;
  }
  std::vector<std::string> live;
  for (const auto& [gid, g] : groups_) {
    if (!g.destroyed) live.push_back(gid);
  }
  for (const auto& gid : live) {
    if (!core_.serving()) return;
    GroupRec* g = live_group(gid);
    if (g != nullptr) g->dm->on_leader_change(*g->ctx);
  }
  core_.commit_soon();
}

void Groups::resume_migration(std::uint64_t oid, const Move& m) {
  auto it = stacks_.find(oid);
  if (it == stacks_.end()) return;
  const std::string what = "migration of object " + std::to_string(oid) + " from " + m.src + " to " + m.dst;
  if (it->second.node == m.dst) {
    (void)core_.ks_call(m.src, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    core_.record(what + " was under way when the previous OMS leader stopped: finished (source dropped)");
  } else {
    if (!m.mid.empty()) core_.rpc.cast_value(m.dst, svc::kStageAbort, ValueMap{{"mid", m.mid}});
    (void)core_.ks_call(m.dst, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    Value resume = ValueMap{{"oid", as_i64(oid)}};
    if (!m.mid.empty()) resume["mid"] = m.mid;
    (void)core_.ks_call(m.src, svc::kResume, resume);
    core_.record(what + " was under way when the previous OMS leader stopped: rolled back, the source serves");
  }
  const ReplicaRec* r = replica(it->second.spec.levels.back().rid);
  if (r != nullptr) notify_membership(r->ref.gid);
}

void Groups::resume_intent(const Intent& in) {
  GroupRec* g = live_group(in.gid);
  if (g == nullptr) return;
  const std::string what = in.op + " of group " + in.gid + " (" + in.args.to_string() + ")";
  core_.record(what + " was under way when the previous OMS leader stopped: done again");
  if (in.op == "replicate") {
    // From the same replica if it still lives, else from any live member.
    std::string from = in.args.at("from").as_string();
    const ReplicaRec* src = replica(from);
    if (src == nullptr || !src->alive) {
      const std::vector<ReplicaRef> live = replicas(in.gid);
      if (live.empty()) return;
      from = live.front().rid;
    }
    (void)replicate(in.gid, from, in.args.at("where").as_string());
  } else if (in.op == "pin") {
    (void)pin(in.args.at("rid").as_string(), in.args.at("node").as_string(), MigrateOptions::from_value(in.args.at("how")));
  } else if (in.op == "terminate") {
    (void)terminate(in.args.at("rid").as_string());
  } else if (in.op == "notify") {
    const ReplicaRec* r = replica(in.args.at("rid").as_string());
    if (r == nullptr || !r->alive) return;
    (void)core_.ks_call(r->ref.node, svc::kNotifyServer,
                        ValueMap{{"oid", as_i64(r->ref.oid)}, {"level", g->level}, {"msg", in.args.at("msg")}});
  }
}

}  // namespace amino
