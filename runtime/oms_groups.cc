#include "runtime/oms_groups.h"

#include <algorithm>

#include "runtime/oms_group_context.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
}  // namespace

Groups::Groups(OmsCore& core, Naming& naming, Membership& membership)
    : core_(core), naming_(naming), membership_(membership) {}

Groups::~Groups() = default;

// ---- Creating group trees ------------------------------------------------------------------------

Reply Groups::create_tree(MicroServiceRec& ms, const NodeId& node, const NodeId& by) {
  ms.root_gid = new_group(ms.id, 0, "");
  Reply first = create_replica(ms.root_gid, node, Init{ms.spec.args, {}}, {});
  if (!first.ok()) return first;
  const ReplicaRef first_ref = ReplicaRef::from_value(first.value);
  core_.record("microservice " + ms.id + (ms.spec.name.empty() ? "" : " '" + ms.spec.name + "'") + " (" +
               ms.spec.class_name + ", " + std::to_string(ms.spec.dms.size()) + " DM(s)) created by " + by +
               ", first replica on " + first_ref.node);
  GroupRec* root = group(ms.root_gid);
  root->dm->on_create(*root->ctx, first_ref);
  return first;
}

std::string Groups::new_group(const std::string& ms, int level, const std::string& parent_rid) {
  const MicroServiceRec& rec = naming_.at(ms);
  const DmSpec& d = rec.spec.dms.at(static_cast<std::size_t>(level));
  GroupRec g;
  g.gid = core_.next_id("g");
  g.ms = ms;
  g.level = level;
  g.parent_rid = parent_rid;
  g.dm = core_.dms.find(d.name)->make_group();
  g.ctx = std::make_unique<Ctx>(*this, g.gid, d.config, rec.spec.selector_for(static_cast<std::size_t>(level)));
  const std::string gid = g.gid;
  groups_.emplace(gid, std::move(g));
  return gid;
}

Reply Groups::create_replica(const std::string& gid, const NodeId& node, const Init& init,
                             std::vector<std::pair<std::string, std::string>> outer) {
  GroupRec& g = *group(gid);
  const MicroServiceRec& ms = naming_.at(g.ms);
  const int innermost = static_cast<int>(ms.spec.dms.size()) - 1;

  ReplicaRec rec;
  rec.ref.rid = core_.next_id("r");
  rec.ref.gid = gid;
  rec.level = g.level;
  rec.outer = outer;
  const std::string rid = rec.ref.rid;

  if (g.level == innermost) {
    StackSpec spec;
    spec.ms = ms.id;
    spec.class_name = ms.spec.class_name;
    spec.oid = core_.next_id();
    for (std::size_t i = 0; i < outer.size(); ++i) {
      spec.levels.push_back(StackLevel{ms.spec.dms[i].name, ms.spec.dms[i].config, outer[i].first, outer[i].second});
    }
    spec.levels.push_back(StackLevel{ms.spec.dms[g.level].name, ms.spec.dms[g.level].config, gid, rid});
    Value body = ValueMap{{"stack", spec.to_value()}, {"args", init.args}, {"state", init.state}};
    Reply r = core_.ks_call(node, svc::kInstall, body);
    if (!r.ok()) return r;
    rec.ref.node = node;
    rec.ref.oid = spec.oid;
    rec.stacks.push_back(spec.oid);
    for (const auto& [ogid, orid] : outer) {
      if (ReplicaRec* up = replica(orid)) up->stacks.push_back(spec.oid);
    }
    stacks_[spec.oid] = StackRec{std::move(spec), node, true};
    replicas_.emplace(rid, std::move(rec));
  } else {
    // A logical replica: realized by a fresh inner group whose on_create runs first (innermost first).
    const std::string child = new_group(g.ms, g.level + 1, rid);
    rec.ref.child_gid = child;
    replicas_.emplace(rid, std::move(rec));
    outer.emplace_back(gid, rid);
    Reply first = create_replica(child, node, init, outer);
    if (!first.ok()) {
      replicas_.at(rid).alive = false;
      return first;
    }
    ReplicaRef inner = ReplicaRef::from_value(first.value);
    ReplicaRec& mine = replicas_.at(rid);
    mine.ref.node = inner.node;
    mine.ref.oid = inner.oid;
    GroupRec* cg = group(child);
    cg->dm->on_create(*cg->ctx, inner);
  }
  group(gid)->members.push_back(rid);
  return Reply::ok(replicas_.at(rid).ref.to_value());
}

// ---- Placement -----------------------------------------------------------------------------------

NodeCandidates Groups::candidates(const MicroServiceSpec& spec, std::size_t from_level) const {
  std::vector<const NodeSelector*> all_of{&spec.selector};
  for (std::size_t l = from_level; l < spec.dms.size(); ++l) all_of.push_back(&spec.dms[l].selector);
  return membership_.live_matching(all_of);
}

// The draw is over the list of candidates without the avoided ones, in id order (or over all of
// them when every candidate is avoided); the k-th such node is found by skipping the avoided
// positions, so the cost is O(replicas log candidates), not O(candidates).
NodeId Groups::pick_node(const NodeCandidates& nodes, const std::string& avoid_gid) {
  if (nodes.empty()) return {};
  std::vector<std::size_t> avoided;  // positions in `nodes`, sorted, distinct
  if (!avoid_gid.empty()) {
    for (const auto& r : replicas(avoid_gid)) {
      const std::size_t at = nodes.position(r.node);
      if (at < nodes.size()) avoided.push_back(at);
    }
    std::sort(avoided.begin(), avoided.end());
    avoided.erase(std::unique(avoided.begin(), avoided.end()), avoided.end());
  }
  if (avoided.size() == nodes.size()) avoided.clear();  // every candidate hosts one: any will do
  const auto fresh = static_cast<std::int64_t>(nodes.size() - avoided.size());
  auto k = static_cast<std::size_t>(core_.env.rng().uniform_int(0, fresh - 1));
  for (std::size_t at : avoided) {
    if (at > k) break;
    ++k;
  }
  return nodes[k].id;
}

// ---- Library calls -------------------------------------------------------------------------------

ReplicaRef Groups::replicate(const std::string& gid, const std::string& from_rid, const NodeId& where) {
  GroupRec* g = group(gid);
  ReplicaRec* from = replica(from_rid);
  if (g == nullptr || from == nullptr || from->ref.gid != gid) {
    core_.env.log(LogLevel::kWarn, "replicate: " + from_rid + " is not a replica of " + gid);
    return {};
  }
  NodeId node = where;
  if (node.empty()) {
    node = pick_node(candidates(naming_.at(g->ms).spec, static_cast<std::size_t>(g->level)), gid);
  } else if (!membership_.is_live(node)) {
    core_.env.log(LogLevel::kWarn, "replicate: " + node + " is not a live kernel server");
    return {};
  }
  if (node.empty()) {
    core_.env.log(LogLevel::kWarn, "replicate: no live kernel server for group " + gid);
    return {};
  }
  Reply snap = core_.ks_call(from->ref.node, svc::kSnapshot, ValueMap{{"oid", as_i64(from->ref.oid)}});
  if (!snap.ok()) {
    core_.env.log(LogLevel::kWarn, "replicate: snapshot of " + from_rid + " failed: " + snap.status.to_string());
    return {};
  }
  StackState state;
  state.object = snap.value;
  Reply r = create_replica(gid, node, Init{{}, state.to_value()}, replica(from_rid)->outer);
  if (!r.ok()) {
    core_.env.log(LogLevel::kWarn, "replicate: " + r.status.to_string());
    return {};
  }
  notify_membership(gid);
  ReplicaRef made = ReplicaRef::from_value(r.value);
  core_.record("replica " + made.rid + " of group " + gid + " created on " + node + " (a copy of " + from_rid + ")");
  return made;
}

Status Groups::migrate_stack(std::uint64_t oid, const NodeId& dst, const MigrateOptions& how) {
  StackRec& s = stacks_.at(oid);
  if (s.node == dst) return {};
  // One migration of an object at a time: a second would find it quiesced, and its abort must not
  // resume what the first one holds.
  if (moving_.count(oid) != 0) {
    return Status{Code::kMigrating, "object " + std::to_string(oid) + " is being migrated already", {}};
  }
  moving_.insert(oid);
  MigrationRecord rec;
  rec.oid = oid;
  rec.from = s.node;
  rec.to = dst;
  rec.live = how.live;
  const Time start = core_.env.now();
  rec.status = how.live ? migrate_stack_live(oid, dst, how, rec) : stop_and_copy(oid, dst, rec);
  rec.total = core_.env.now() - start;
  moving_.erase(oid);
  migrating_.erase(oid);  // done or undone (a deposed leader's record stays in the committed state)
  if (core_.env.probing()) {  // for analyses of what a migration cost its callers (simulation only)
    core_.env.probe("migration.done", {{"oid", static_cast<std::int64_t>(oid)},
                                       {"live", std::int64_t{rec.live ? 1 : 0}},
                                       {"ok", std::int64_t{rec.status.ok() ? 1 : 0}},
                                       {"pause_ns", rec.pause},
                                       {"total_ns", rec.total}});
  }
  const Status done = rec.status;
  remember(std::move(rec));
  return done;
}

void Groups::switch_location(std::uint64_t oid, const NodeId& dst) {
  stacks_.at(oid).node = dst;
  for (auto& [rid, r] : replicas_) {
    if (r.ref.oid == oid) r.ref.node = dst;
  }
}

void Groups::remember(MigrationRecord r) {
  if (migrations_.size() == 64) migrations_.erase(migrations_.begin());
  migrations_.push_back(std::move(r));
}

Status Groups::stop_and_copy(std::uint64_t oid, const NodeId& dst, MigrationRecord& rec) {
  StackRec& s = stacks_.at(oid);
  const NodeId src = s.node;
  // A replicated OMS commits the migration before the source stops serving: a new leader then
  // finishes it or rolls it back (resume_migration) instead of leaving the source quiesced.
  if (replicated()) {
    migrating_[oid] = Move{src, dst, {}};
    if (!commit_ahead()) return Status{Code::kNotLeader, "OMS leadership lost before migrating " + std::to_string(oid), {}};
  }
  const Time paused = core_.env.now();
  // Stop-and-copy: quiesce at the source, install with the state at the destination (on_create runs
  // there), re-register, then drop the source (on_destroy). Callers hitting the source meanwhile get
  // kMigrating and retry; afterwards kNoSuchObject sends them to the OMS for the new location.
  Reply state =
      core_.ks_call(src, svc::kQuiesce, ValueMap{{"oid", as_i64(oid)}, {"timeout_ns", core_.options.drain_timeout}});
  if (!state.ok()) return state.status;
  Reply installed =
      core_.ks_call(dst, svc::kInstall, ValueMap{{"stack", s.spec.to_value()}, {"args", ValueList{}}, {"state", state.value}});
  if (!installed.ok()) {
    (void)core_.ks_call(src, svc::kResume, ValueMap{{"oid", as_i64(oid)}});
    return installed.status;
  }
  switch_location(oid, dst);
  // The switch is committed before the source goes: a new leader finishes from here.
  if (!commit_ahead()) return Status{Code::kNotLeader, "OMS leadership lost while migrating " + std::to_string(oid), {}};
  (void)core_.ks_call(src, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
  rec.pause = core_.env.now() - paused;
  core_.record("object " + std::to_string(oid) + " migrated from " + src + " to " + dst);
  return {};
}

Status Groups::pin(const std::string& rid, const NodeId& node, const MigrateOptions& how) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || !r->alive) return Status{Code::kNoSuchObject, "no live replica " + rid, {}};
  if (!membership_.is_live(node)) return Status{Code::kPlacement, node + " is not a live kernel server", {}};
  // Two replicas of one group on one server would fail together: a migration must not undo the
  // spreading the group's placement did (a crash of that server could take a quorum for good).
  for (const ReplicaRef& sibling : replicas(r->ref.gid)) {
    if (sibling.rid != rid && sibling.node == node) {
      return Status{Code::kPlacement, node + " already hosts replica " + sibling.rid + " of group " + r->ref.gid +
                                          ": replicas of one group stay on different servers", {}};
    }
  }
  const std::vector<std::uint64_t> stacks = r->stacks;  // the whole chain beneath moves as a unit
  for (std::uint64_t oid : stacks) {
    if (!stacks_.at(oid).alive) continue;
    Status s = migrate_stack(oid, node, how);
    if (!s.ok()) return s;
  }
  notify_membership(replica(rid)->ref.gid);
  return {};
}

Status Groups::migrate(const MicroServiceRec& ms, const NodeId& node, const MigrateOptions& how) {
  std::vector<ReplicaRef> live = replicas(ms.root_gid);
  if (live.empty()) return Status{Code::kUnavailable, ms.id + " has no live replica", {}};
  return pin(live.front().rid, node, how);
}

Status Groups::terminate(const std::string& rid) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || !r->alive) return Status{Code::kNoSuchObject, "no live replica " + rid, {}};
  r->alive = false;
  r->terminated = true;
  const std::string gid = r->ref.gid;
  const std::string child = r->ref.child_gid;
  for (std::uint64_t oid : std::vector<std::uint64_t>(r->stacks)) {
    StackRec& s = stacks_.at(oid);
    if (!s.alive) continue;
    s.alive = false;
    (void)core_.ks_call(s.node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
  }
  core_.record("replica " + rid + " of group " + gid + " terminated");
  if (!child.empty()) destroy_group(child);
  notify_membership(gid);
  return {};
}

void Groups::destroy_group(const std::string& gid) {
  GroupRec* g = group(gid);
  if (g == nullptr || g->destroyed) return;
  for (const auto& rid : std::vector<std::string>(g->members)) {
    ReplicaRec* r = replica(rid);
    if (r != nullptr && r->alive) (void)terminate(rid);
    if (r != nullptr && !r->ref.child_gid.empty()) destroy_group(r->ref.child_gid);
  }
  g = group(gid);
  g->destroyed = true;
  g->dm->on_destroy(*g->ctx);
}

void Groups::notify_membership(const std::string& gid) {
  GroupRec* g = group(gid);
  if (g == nullptr) return;
  ValueList members;
  std::vector<std::uint64_t> targets;
  for (const auto& r : replicas(gid)) {
    members.push_back(r.to_value());
    const ReplicaRec* rec = replica(r.rid);
    for (std::uint64_t oid : rec->stacks) {
      if (stacks_.at(oid).alive) targets.push_back(oid);
    }
  }
  for (std::uint64_t oid : targets) {
    core_.rpc.cast_value(stacks_.at(oid).node, svc::kMembership,
                         ValueMap{{"oid", as_i64(oid)}, {"level", g->level}, {"members", members}});
  }
}

// ---- Upcalls from kernel servers ------------------------------------------------------------------

Reply Groups::ref_request(const std::string& gid, const NodeId& client) {
  GroupRec* g = live_group(gid);
  if (g == nullptr) return Reply::error(Code::kNoSuchMicroService, "no group " + gid);
  ReplicaRef r = g->dm->on_ref_request(*g->ctx, client);
  if (!r.valid()) return Reply::error(Code::kUnavailable, "group " + gid + " has no live replica");
  return Reply::ok(r.to_value());
}

Reply Groups::notification(const std::string& gid, const Value& msg) {
  GroupRec* g = live_group(gid);
  if (g == nullptr) return Reply::error(Code::kNoSuchMicroService, "no group " + gid);
  return Reply::ok(g->dm->on_notification(*g->ctx, msg));
}

void Groups::high_latency(const std::string& gid, const std::string& rid, const NodeId& client,
                          std::int64_t latency_ns) {
  GroupRec* g = live_group(gid);
  ReplicaRec* r = replica(rid);
  if (g != nullptr && r != nullptr) g->dm->on_high_latency(*g->ctx, r->ref, client, latency_ns);
}

void Groups::low_memory(std::uint64_t oid) {
  auto it = stacks_.find(oid);
  if (it == stacks_.end()) return;
  ReplicaRec* r = replica(it->second.spec.levels.back().rid);
  GroupRec* g = r ? live_group(r->ref.gid) : nullptr;
  if (g != nullptr) g->dm->on_low_memory(*g->ctx, r->ref);
}

// ---- A replicated OMS's write-ahead records -----------------------------------------------------------

bool Groups::commit_ahead() { return !replicated() || core_.replication->commit().ok(); }

std::string Groups::begin_intent(const std::string& gid, const char* op, Value args) {
  if (!replicated()) return "-";
  const std::string id = core_.next_id("i");
  intents_[id] = Intent{gid, op, std::move(args)};
  if (commit_ahead()) return id;
  intents_.erase(id);
  core_.env.log(LogLevel::kWarn, std::string("group ") + gid + ": " + op + " not carried out: this OMS replica no longer leads");
  return {};
}

void Groups::end_intent(const std::string& id) {
  if (intents_.erase(id) > 0) core_.commit_soon();
}

// ---- Lookups ---------------------------------------------------------------------------------------

Groups::GroupRec* Groups::group(const std::string& gid) {
  auto it = groups_.find(gid);
  return it == groups_.end() ? nullptr : &it->second;
}

Groups::GroupRec* Groups::live_group(const std::string& gid) {
  GroupRec* g = group(gid);
  return g == nullptr || g->destroyed ? nullptr : g;
}

bool Groups::has_live_group(const std::string& gid) const {
  auto it = groups_.find(gid);
  return it != groups_.end() && !it->second.destroyed;
}

Groups::ReplicaRec* Groups::replica(const std::string& rid) {
  auto it = replicas_.find(rid);
  return it == replicas_.end() ? nullptr : &it->second;
}

const std::string& Groups::dm_name(const GroupRec& g) const {
  return naming_.at(g.ms).spec.dms.at(static_cast<std::size_t>(g.level)).name;
}

std::vector<ReplicaRef> Groups::replicas(const std::string& gid) const {
  std::vector<ReplicaRef> out;
  auto g = groups_.find(gid);
  if (g == groups_.end()) return out;
  for (const auto& rid : g->second.members) {
    const ReplicaRec& r = replicas_.at(rid);
    if (r.alive) out.push_back(r.ref);
  }
  return out;
}

std::vector<std::uint64_t> Groups::stacks_of(const std::string& ms) const {
  std::vector<std::uint64_t> out;
  for (const auto& [oid, s] : stacks_) {
    if (s.alive && s.spec.ms == ms) out.push_back(oid);
  }
  return out;
}

NodeId Groups::location(std::uint64_t oid) const {
  auto it = stacks_.find(oid);
  return it == stacks_.end() ? NodeId() : it->second.node;
}

bool Groups::is_live_object(std::uint64_t oid) const {
  auto it = stacks_.find(oid);
  return it != stacks_.end() && it->second.alive;
}

GroupDM* Groups::group_dm(const std::string& gid) const {
  auto it = groups_.find(gid);
  return it == groups_.end() ? nullptr : it->second.dm.get();
}

}  // namespace amino
