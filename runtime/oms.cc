#include "runtime/oms.h"

#include <algorithm>

#include "runtime/oms_group_context.h"
#include "runtime/wire.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
Reply ok_value(Value v) { return Reply::ok(std::move(v)); }
Reply fail(Code c, std::string msg) { return Reply::error(c, std::move(msg)); }
}  // namespace

Oms::Oms(Rpc& rpc, const DmRegistry& dms, OmsOptions options)
    : rpc_(rpc), env_(rpc.env()), dms_(dms), options_(options) {}

Oms::~Oms() = default;

void Oms::start() {
  serve();
  env_.arm_timer(options_.check_period, [this] { check_liveness(); });
}

// ---- Requests -------------------------------------------------------------------------------------

Reply Oms::group_call(const Value& body, const std::function<Reply(GroupRec&)>& fn) {
  try {
    GroupRec* g = group(body.at("gid").as_string());
    if (g == nullptr || g->destroyed) return fail(Code::kNoSuchMicroService, "no group " + body.at("gid").as_string());
    return fn(*g);
  } catch (const SystemError& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return fail(Code::kInternal, e.what());
  }
}

void Oms::serve() {
  rpc_.serve_value(svc::kRegister, [this](const NodeId& from, const Value& b) {
    on_node_report(from, b);
    return Reply::ok({});
  });
  rpc_.on_cast(svc::kHeartbeat, [this](const NodeId& from, std::string body) {
    try {
      on_node_report(from, wire::decode_value(body).at("node"));
    } catch (const std::exception& e) {
      env_.log(LogLevel::kWarn, "bad heartbeat from " + from + ": " + e.what());
    }
  });
  rpc_.serve_value(svc::kCreate, [this](const NodeId& from, const Value& b) { return create(from, b); },
                   options_.max_create_bytes);
  rpc_.serve_value(svc::kAcquire, [this](const NodeId&, const Value& b) {
    MsRec* ms = find_ms(b.at("id").as_string());
    if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at("id").as_string());
    return ok_value(acquired(*ms));
  });
  rpc_.serve_value(svc::kSetName, [this](const NodeId& from, const Value& b) {
    MsRec* ms = find_ms(b.at("id").as_string());
    const std::string& name = b.at("name").as_string();
    if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at("id").as_string());
    if (!ms->name.empty() && ms->name != name) return fail(Code::kBadArguments, "name is set already: " + ms->name);
    auto taken = names_.find(name);
    if (taken != names_.end() && taken->second != ms->id) return fail(Code::kBadArguments, "name taken: " + name);
    ms->name = name;
    names_[name] = ms->id;
    record("microservice " + ms->id + " named '" + name + "' by " + from);
    return Reply::ok({});
  });
  rpc_.serve_value(svc::kAttach, [this](const NodeId& from, const Value& b) {
    MsRec* ms = find_ms(b.at("name").as_string());
    if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice named " + b.at("name").as_string());
    ++ms->refs;
    record("microservice " + ms->id + " attached by " + from + " (" + std::to_string(ms->refs) + " references)");
    return ok_value(acquired(*ms));
  });
  auto release_one = [this](const NodeId& from, const Value& b, const char* key, const char* verb) {
    MsRec* ms = find_ms(b.at(key).as_string());
    if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at(key).as_string());
    record("microservice " + ms->id + " " + verb + " by " + from + " (" +
           (ms->refs > 1 ? std::to_string(ms->refs - 1) + " references left)" : "last reference: destroyed)"));
    release(*ms);
    return Reply::ok({});
  };
  rpc_.serve_value(svc::kDetach, [release_one](const NodeId& from, const Value& b) {
    return release_one(from, b, "name", "detached");
  });
  rpc_.serve_value(svc::kDelete, [release_one](const NodeId& from, const Value& b) {
    return release_one(from, b, "id", "deleted");
  });
  rpc_.serve_value(svc::kRefRequest, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec& g) {
      ReplicaRef r = g.dm->on_ref_request(*g.ctx, b.at("client").as_string());
      if (!r.valid()) return fail(Code::kUnavailable, "group " + g.gid + " has no live replica");
      return ok_value(r.to_value());
    });
  });
  rpc_.serve_value(svc::kReplicas, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec& g) {
      ValueList out;
      for (const auto& r : replicas(g.gid)) out.push_back(r.to_value());
      return ok_value(out);
    });
  });
  rpc_.serve_value(svc::kLocate, [this](const NodeId&, const Value& b) {
    auto it = stacks_.find(static_cast<std::uint64_t>(b.at("oid").as_int()));
    if (it == stacks_.end() || !it->second.alive) return fail(Code::kNoSuchObject, "object " + b.at("oid").to_string() + " is gone");
    return ok_value(ValueMap{{"node", it->second.node}});
  });
  rpc_.serve_value(svc::kGroupNotify, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec& g) { return ok_value(g.dm->on_notification(*g.ctx, b.at("msg"))); });
  });
  rpc_.serve_value(svc::kServerReplicate, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec& g) {
      ReplicaRef r = replicate(g.gid, b.at("rid").as_string(), b.at("node").as_string());
      if (!r.valid()) return fail(Code::kPlacement, "could not replicate " + b.at("rid").as_string());
      return ok_value(r.to_value());
    });
  });
  rpc_.serve_value(svc::kServerPin, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec&) {
      Status s = pin(b.at("rid").as_string(), b.at("node").as_string());
      return Reply{s, {}};
    });
  });
  rpc_.serve_value(svc::kServerTerminate, [this](const NodeId&, const Value& b) {
    return group_call(b, [&](GroupRec&) { return Reply{terminate(b.at("rid").as_string()), {}}; });
  });
  rpc_.serve_value(svc::kMigrate, [this](const NodeId& from, const Value& b) {
    const std::string& ms = b.at("id").as_string();
    const std::string& node = b.at("node").as_string();
    const Status s = migrate(ms, node);
    record("migration of " + ms + " to " + node + " requested by " + from + ": " + (s.ok() ? "done" : s.to_string()));
    return Reply{s, {}};
  });
  rpc_.serve_value(svc::kEvents, [this](const NodeId&, const Value&) {
    return ok_value(ValueList(events_.begin(), events_.end()));
  });
  rpc_.serve_value(svc::kNodes, [this](const NodeId&, const Value& b) {
    ValueList out;
    const Value* sel = b.find("selector");
    for (const auto& n : nodes(sel ? selector_from_value(*sel) : NodeSelector{})) out.push_back(node_info_to_value(n));
    return ok_value(out);
  });
  rpc_.on_cast(svc::kHighLatency, [this](const NodeId&, std::string body) {
    Value b = wire::decode_value(body);
    env_.spawn("on_high_latency", [this, b] {
      (void)group_call(b, [&](GroupRec& g) {
        ReplicaRec* r = replica(b.at("rid").as_string());
        if (r != nullptr) g.dm->on_high_latency(*g.ctx, r->ref, b.at("client").as_string(), b.at("latency_ns").as_int());
        return Reply::ok({});
      });
    });
  });
  rpc_.on_cast(svc::kLowMemory, [this](const NodeId&, std::string body) {
    Value b = wire::decode_value(body);
    env_.spawn("on_low_memory", [this, b] {
      for (const auto& oid : b.at("oids").as_list()) {
        auto it = stacks_.find(static_cast<std::uint64_t>(oid.as_int()));
        if (it == stacks_.end()) continue;
        ReplicaRec* r = replica(it->second.spec.levels.back().rid);
        GroupRec* g = r ? group(r->ref.gid) : nullptr;
        if (g != nullptr && !g->destroyed) g->dm->on_low_memory(*g->ctx, r->ref);
      }
    });
  });
}

// ---- Microservices ---------------------------------------------------------------------------------

Value Oms::acquired(const MsRec& ms) const {
  return ValueMap{{"ms", ms.id}, {"spec", ms.spec.to_value()}, {"root_gid", ms.root_gid}};
}

Oms::MsRec* Oms::find_ms(const std::string& id_or_name) {
  auto n = names_.find(id_or_name);
  auto it = services_.find(n == names_.end() ? id_or_name : n->second);
  return (it == services_.end() || it->second.destroyed) ? nullptr : &it->second;
}

void Oms::release(MsRec& ms) {
  if (--ms.refs > 0) return;
  ms.destroyed = true;
  if (!ms.name.empty()) names_.erase(ms.name);
  destroy_group(ms.root_gid);
}

Reply Oms::create(const NodeId& from, const Value& body) {
  MicroServiceSpec spec;
  try {
    spec = MicroServiceSpec::from_value(body.at("spec"));
  } catch (const std::exception& e) {
    return fail(Code::kBadSpec, std::string("unreadable spec: ") + e.what());
  }
  // The same checks as parse_spec: a client may bypass it and send any spec over the wire.
  if (auto why = spec_problem(spec, dms_)) return fail(Code::kBadSpec, *why);
  if (!spec.name.empty() && names_.count(spec.name) != 0) return fail(Code::kBadArguments, "name taken: " + spec.name);

  std::vector<NodeInfo> where = candidates(spec, 0);
  if (where.empty()) {
    return fail(Code::kPlacement, "no live kernel server satisfies " + spec.selector.to_string() +
                                      " and the DMs' selectors (" + std::to_string(nodes().size()) + " live)");
  }
  MsRec ms;
  ms.id = "ms" + std::to_string(next_id_++);
  ms.name = spec.name;
  ms.spec = spec;
  if (const Value* c = body.find("creator")) ms.creator = c->as_string();
  const std::string id = ms.id;
  services_.emplace(id, std::move(ms));
  MsRec& rec = services_.at(id);
  rec.root_gid = new_group(id, 0, "");

  const NodeId node = pick_node(where, "");
  Reply first = create_replica(rec.root_gid, node, Init{spec.args, {}}, {});
  if (!first.ok()) {
    rec.destroyed = true;
    return first;
  }
  GroupRec* root = group(rec.root_gid);
  const ReplicaRef first_ref = ReplicaRef::from_value(first.value);
  record("microservice " + id + (spec.name.empty() ? "" : " '" + spec.name + "'") + " (" + spec.class_name + ", " +
         std::to_string(spec.dms.size()) + " DM(s)) created by " + from + ", first replica on " + first_ref.node);
  root->dm->on_create(*root->ctx, first_ref);
  if (!rec.name.empty()) names_[rec.name] = id;
  return ok_value(acquired(rec));
}

// ---- Groups and replicas ---------------------------------------------------------------------------

std::string Oms::new_group(const std::string& ms, int level, const std::string& parent_rid) {
  const MsRec& rec = services_.at(ms);
  const DmSpec& d = rec.spec.dms.at(static_cast<std::size_t>(level));
  const DmDescriptor* desc = dms_.find(d.name);
  GroupRec g;
  g.gid = "g" + std::to_string(next_id_++);
  g.ms = ms;
  g.level = level;
  g.parent_rid = parent_rid;
  g.dm = desc->make_group();
  g.ctx = std::make_unique<GroupCtx>(*this, g.gid, d.config, rec.spec.selector_for(static_cast<std::size_t>(level)));
  const std::string gid = g.gid;
  groups_.emplace(gid, std::move(g));
  return gid;
}

Reply Oms::create_replica(const std::string& gid, const NodeId& node, const Init& init,
                          std::vector<std::pair<std::string, std::string>> outer) {
  GroupRec& g = *group(gid);
  const MsRec& ms = services_.at(g.ms);
  const int innermost = static_cast<int>(ms.spec.dms.size()) - 1;

  ReplicaRec rec;
  rec.ref.rid = "r" + std::to_string(next_id_++);
  rec.ref.gid = gid;
  rec.level = g.level;
  rec.outer = outer;
  const std::string rid = rec.ref.rid;

  if (g.level == innermost) {
    StackSpec spec;
    spec.ms = ms.id;
    spec.class_name = ms.spec.class_name;
    spec.oid = next_id_++;
    for (std::size_t i = 0; i < outer.size(); ++i) {
      spec.levels.push_back(StackLevel{ms.spec.dms[i].name, ms.spec.dms[i].config, outer[i].first, outer[i].second});
    }
    spec.levels.push_back(StackLevel{ms.spec.dms[g.level].name, ms.spec.dms[g.level].config, gid, rid});
    Value body = ValueMap{{"stack", spec.to_value()}, {"args", init.args}, {"state", init.state}};
    Reply r = ks_call(node, svc::kInstall, body);
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
  return ok_value(replicas_.at(rid).ref.to_value());
}

std::vector<NodeInfo> Oms::candidates(const MicroServiceSpec& spec, std::size_t from_level) const {
  // Filter in place and copy only the matches: creation at 10,000 nodes must not copy them all.
  std::vector<NodeInfo> out;
  for (const auto& [id, rec] : nodes_) {
    const NodeInfo& n = rec.info;
    bool ok = n.alive && spec.selector.matches(n);
    for (std::size_t l = from_level; ok && l < spec.dms.size(); ++l) ok = spec.dms[l].selector.matches(n);
    if (ok) out.push_back(n);
  }
  return out;
}

NodeId Oms::pick_node(const std::vector<NodeInfo>& nodes, const std::string& avoid_gid) {
  std::vector<NodeId> fresh;
  if (!avoid_gid.empty()) {
    std::vector<NodeId> used;
    for (const auto& r : replicas(avoid_gid)) used.push_back(r.node);
    for (const auto& n : nodes) {
      if (std::find(used.begin(), used.end(), n.id) == used.end()) fresh.push_back(n.id);
    }
  }
  if (fresh.empty()) {
    for (const auto& n : nodes) fresh.push_back(n.id);
  }
  if (fresh.empty()) return {};
  return fresh[static_cast<std::size_t>(env_.rng().uniform_int(0, static_cast<std::int64_t>(fresh.size()) - 1))];
}

ReplicaRef Oms::replicate(const std::string& gid, const std::string& from_rid, const NodeId& where) {
  GroupRec* g = group(gid);
  ReplicaRec* from = replica(from_rid);
  if (g == nullptr || from == nullptr || from->ref.gid != gid) {
    env_.log(LogLevel::kWarn, "replicate: " + from_rid + " is not a replica of " + gid);
    return {};
  }
  const MsRec& ms = services_.at(g->ms);
  NodeId node = where;
  if (node.empty()) {
    node = pick_node(candidates(ms.spec, static_cast<std::size_t>(g->level)), gid);
  } else {
    auto it = nodes_.find(node);
    if (it == nodes_.end() || !it->second.info.alive) {
      env_.log(LogLevel::kWarn, "replicate: " + node + " is not a live kernel server");
      return {};
    }
  }
  if (node.empty()) {
    env_.log(LogLevel::kWarn, "replicate: no live kernel server for group " + gid);
    return {};
  }
  Reply snap = ks_call(from->ref.node, svc::kSnapshot, ValueMap{{"oid", as_i64(from->ref.oid)}});
  if (!snap.ok()) {
    env_.log(LogLevel::kWarn, "replicate: snapshot of " + from_rid + " failed: " + snap.status.to_string());
    return {};
  }
  StackState state;
  state.object = snap.value;
  Reply r = create_replica(gid, node, Init{{}, state.to_value()}, replica(from_rid)->outer);
  if (!r.ok()) {
    env_.log(LogLevel::kWarn, "replicate: " + r.status.to_string());
    return {};
  }
  notify_membership(gid);
  ReplicaRef made = ReplicaRef::from_value(r.value);
  record("replica " + made.rid + " of group " + gid + " created on " + node + " (a copy of " + from_rid + ")");
  return made;
}

Status Oms::migrate_stack(std::uint64_t oid, const NodeId& dst) {
  StackRec& s = stacks_.at(oid);
  if (s.node == dst) return {};
  const NodeId src = s.node;
  // Stop-and-copy: quiesce at the source, install with the state at the destination (on_create runs
  // there), re-register, then drop the source (on_destroy). Callers hitting the source meanwhile get
  // kMigrating and retry; afterwards kNoSuchObject sends them to the OMS for the new location.
  Reply state = ks_call(src, svc::kQuiesce, ValueMap{{"oid", as_i64(oid)}, {"timeout_ns", options_.drain_timeout}});
  if (!state.ok()) return state.status;
  Reply installed = ks_call(dst, svc::kInstall, ValueMap{{"stack", s.spec.to_value()}, {"args", ValueList{}}, {"state", state.value}});
  if (!installed.ok()) {
    (void)ks_call(src, svc::kResume, ValueMap{{"oid", as_i64(oid)}});
    return installed.status;
  }
  s.node = dst;
  for (auto& [rid, r] : replicas_) {
    if (r.ref.oid == oid) r.ref.node = dst;
  }
  (void)ks_call(src, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
  record("object " + std::to_string(oid) + " migrated from " + src + " to " + dst);
  return {};
}

Status Oms::pin(const std::string& rid, const NodeId& node) {
  ReplicaRec* r = replica(rid);
  if (r == nullptr || !r->alive) return Status{Code::kNoSuchObject, "no live replica " + rid, {}};
  auto n = nodes_.find(node);
  if (n == nodes_.end() || !n->second.info.alive) return Status{Code::kPlacement, node + " is not a live kernel server", {}};
  const std::vector<std::uint64_t> stacks = r->stacks;  // the whole chain beneath moves as a unit
  for (std::uint64_t oid : stacks) {
    if (!stacks_.at(oid).alive) continue;
    Status s = migrate_stack(oid, node);
    if (!s.ok()) return s;
  }
  notify_membership(replica(rid)->ref.gid);
  return {};
}

Status Oms::migrate(const std::string& ms, const NodeId& node) {
  auto it = services_.find(ms);
  if (it == services_.end() || it->second.destroyed) return Status{Code::kNoSuchMicroService, "no microservice " + ms, {}};
  std::vector<ReplicaRef> live = replicas(it->second.root_gid);
  if (live.empty()) return Status{Code::kUnavailable, ms + " has no live replica", {}};
  return pin(live.front().rid, node);
}

Status Oms::terminate(const std::string& rid) {
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
    (void)ks_call(s.node, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
  }
  record("replica " + rid + " of group " + gid + " terminated");
  if (!child.empty()) destroy_group(child);
  notify_membership(gid);
  return {};
}

void Oms::destroy_group(const std::string& gid) {
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

void Oms::notify_membership(const std::string& gid) {
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
    rpc_.cast_value(stacks_.at(oid).node, svc::kMembership,
                    ValueMap{{"oid", as_i64(oid)}, {"level", g->level}, {"members", members}});
  }
}

void Oms::record(const std::string& event) {
  if (events_.size() == kMaxEvents) events_.erase(events_.begin());
  events_.push_back(std::to_string(to_seconds(env_.now())) + " " + event);
  env_.log(LogLevel::kInfo, event);
}

// ---- Lookups ---------------------------------------------------------------------------------------

Oms::GroupRec* Oms::group(const std::string& gid) {
  auto it = groups_.find(gid);
  return it == groups_.end() ? nullptr : &it->second;
}

Oms::ReplicaRec* Oms::replica(const std::string& rid) {
  auto it = replicas_.find(rid);
  return it == replicas_.end() ? nullptr : &it->second;
}

Reply Oms::ks_call(const NodeId& node, const char* service, const Value& body) {
  return rpc_.call_value(node, service, body, options_.control_timeout);
}

std::vector<NodeInfo> Oms::nodes(const NodeSelector& selector, bool live_only) const {
  std::vector<NodeInfo> out;
  for (const auto& [id, n] : nodes_) {
    if ((!live_only || n.info.alive) && selector.matches(n.info)) out.push_back(n.info);
  }
  return out;
}

std::vector<ReplicaRef> Oms::replicas(const std::string& gid) const {
  std::vector<ReplicaRef> out;
  auto g = groups_.find(gid);
  if (g == groups_.end()) return out;
  for (const auto& rid : g->second.members) {
    const ReplicaRec& r = replicas_.at(rid);
    if (r.alive) out.push_back(r.ref);
  }
  return out;
}

std::string Oms::root_group(const std::string& ms) const {
  auto it = services_.find(ms);
  return it == services_.end() ? std::string() : it->second.root_gid;
}

std::vector<std::uint64_t> Oms::stacks_of(const std::string& ms) const {
  std::vector<std::uint64_t> out;
  for (const auto& [oid, s] : stacks_) {
    if (s.alive && s.spec.ms == ms) out.push_back(oid);
  }
  return out;
}

NodeId Oms::location(std::uint64_t oid) const {
  auto it = stacks_.find(oid);
  return it == stacks_.end() ? NodeId() : it->second.node;
}

GroupDM* Oms::group_dm(const std::string& gid) const {
  auto it = groups_.find(gid);
  return it == groups_.end() ? nullptr : it->second.dm.get();
}

}  // namespace amino
