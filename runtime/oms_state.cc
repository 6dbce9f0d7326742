// The OMS's replicated state, in one place: what export_state writes is exactly what import_state
// reads. A replicated OMS (runtime/oms_replication.h) commits changes to it and a new leader
// imports it; a single OMS never calls either.
//
// Shape: a map of sections, each a map from a record's key to the record:
//   meta      {next_id}
//   ms        microservice id -> {id, name, root_gid, creator, spec, refs, destroyed}
//   nodes     kernel server id -> {info, incarnation}
//   groups    gid -> {gid, ms, parent_rid, level, members, destroyed}
//   replicas  rid -> {ref, level, outer, stacks, alive, terminated}
//   stacks    oid -> {spec, node, alive}
//   intents     id -> {gid, op, args}: a group component's library call, committed before it runs
//   undelivered rid -> node: an onFailure due (its node's death committed, the delivery not done)
//   migrating   oid -> {src, dst, mid}: a migration, committed before the source is quiesced
//   requests    client session -> the replies to its latest requests (oms_requests.h)
//   events      number (zero-padded) -> a line of the audit log (OmsCore::record)
// and in each group record `dm`, the DM group component's memory (GroupDM::export_state).
// Names are derived from the microservices; heartbeat times and the migration records are the
// leader's own and are not replicated.
//
// An import updates records in place and parks the ones that disappear instead of freeing them: a
// context of an earlier leadership may still hold a reference into these maps across a blocking
// call.
#include "runtime/oms.h"

#include <charconv>

#include "runtime/oms_group_context.h"

namespace amino {

namespace {

std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }

const ValueMap& section(const Value& state, const char* name) {
  static const ValueMap kEmpty;
  const Value* s = state.is_null() ? nullptr : state.find(name);
  return s == nullptr ? kEmpty : s->as_map();
}

// Makes `live` hold exactly the records of `src`: update(existing or new record, value) for each,
// the others moved to `parked`.
template <typename K, typename V, typename KeyOf, typename Update>
void merge_records(std::map<K, V>& live, const ValueMap& src, KeyOf key_of, Update update,
                   std::vector<typename std::map<K, V>::node_type>& parked) {
  std::map<K, const Value*> wanted;
  for (const auto& [k, v] : src) wanted.emplace(key_of(k), &v);
  for (auto it = live.begin(); it != live.end();) {
    if (wanted.count(it->first) == 0) {
      parked.push_back(live.extract(it++));
    } else {
      ++it;
    }
  }
  for (const auto& [k, v] : wanted) update(live[k], *v);
}

std::string same_key(const std::string& k) { return k; }

}  // namespace

// ---- Naming -----------------------------------------------------------------------------------------

Value Naming::export_state() const {
  ValueMap out;
  for (const auto& [id, ms] : services_) {
    out.emplace(id, ValueMap{{"id", ms.id},
                             {"name", ms.name},
                             {"root_gid", ms.root_gid},
                             {"creator", ms.creator},
                             {"spec", ms.spec.to_value()},
                             {"refs", ms.refs},
                             {"destroyed", ms.destroyed}});
  }
  return out;
}

void Naming::import_state(const Value& services) {
  merge_records(
      services_, services.is_null() ? ValueMap{} : services.as_map(), same_key,
      [](MicroServiceRec& ms, const Value& v) {
        ms.id = v.at("id").as_string();
        ms.name = v.at("name").as_string();
        ms.root_gid = v.at("root_gid").as_string();
        ms.creator = v.at("creator").as_string();
        ms.spec = MicroServiceSpec::from_value(v.at("spec"));
        ms.refs = static_cast<int>(v.at("refs").as_int());
        ms.destroyed = v.at("destroyed").as_bool();
      },
      parked_);
  names_.clear();
  for (const auto& [id, ms] : services_) {
    if (!ms.destroyed && !ms.name.empty()) names_[ms.name] = id;
  }
}

// ---- Membership -------------------------------------------------------------------------------------

Value Membership::export_state() const {
  ValueMap out;
  for (const auto& [id, n] : nodes_) {
    out.emplace(id, ValueMap{{"info", node_info_to_value(n.info)}, {"incarnation", n.incarnation}});
  }
  return out;
}

void Membership::import_state(const Value& nodes) {
  const Time now = core_.env.now();
  std::vector<std::map<NodeId, NodeRec>::node_type> parked;
  merge_records(
      nodes_, nodes.is_null() ? ValueMap{} : nodes.as_map(), same_key,
      [now](NodeRec& n, const Value& v) {
        n.info = node_info_from_value(v.at("info"));
        n.incarnation = v.at("incarnation").as_int();
        n.last_heartbeat = now;
      },
      parked);
  live_index_stale_ = true;  // the index points into nodes_, whose records were just replaced
  last_check_ = 0;
  // First what the previous leader left under way (Groups::resume_after_leader_change). Then the
  // deaths it declared, which it may not have begun to deliver (it may have crashed in between):
  // delivered again. Delivery is idempotent (only replicas still counted alive on the node are
  // failed; those whose delivery had begun are in the groups' record of deliveries due), and runs
  // once this leader serves.
  events_.clear();
  enqueue(NodeEvent{false, {}, true});
  for (const auto& [id, n] : nodes_) {
    if (!n.info.alive) enqueue(NodeEvent{true, NodeReturn{id, false, {}}});
  }
}

// ---- Groups -----------------------------------------------------------------------------------------

void Groups::export_state(ValueMap& out) const {
  ValueMap groups, replicas, stacks;
  for (const auto& [gid, g] : groups_) {
    ValueList members(g.members.begin(), g.members.end());
    groups.emplace(gid, ValueMap{{"gid", g.gid},
                                 {"ms", g.ms},
                                 {"parent_rid", g.parent_rid},
                                 {"level", g.level},
                                 {"members", std::move(members)},
                                 {"destroyed", g.destroyed},
                                 {"dm", g.dm->export_state()}});
  }
  for (const auto& [rid, r] : replicas_) {
    ValueList outer, beneath;
    for (const auto& [ogid, orid] : r.outer) {
      ValueList pair;
      pair.emplace_back(ogid);
      pair.emplace_back(orid);
      outer.emplace_back(std::move(pair));
    }
    for (std::uint64_t oid : r.stacks) beneath.push_back(as_i64(oid));
    replicas.emplace(rid, ValueMap{{"ref", r.ref.to_value()},
                                   {"level", r.level},
                                   {"outer", std::move(outer)},
                                   {"stacks", std::move(beneath)},
                                   {"alive", r.alive},
                                   {"terminated", r.terminated}});
  }
  for (const auto& [oid, s] : stacks_) {
    stacks.emplace(std::to_string(oid), ValueMap{{"spec", s.spec.to_value()}, {"node", s.node}, {"alive", s.alive}});
  }
  out["groups"] = std::move(groups);
  out["replicas"] = std::move(replicas);
  out["stacks"] = std::move(stacks);
  ValueMap intents, undelivered, migrating;
  for (const auto& [id, in] : intents_) intents.emplace(id, ValueMap{{"gid", in.gid}, {"op", in.op}, {"args", in.args}});
  for (const auto& [rid, node] : undelivered_) undelivered.emplace(rid, node);
  for (const auto& [oid, m] : migrating_) {
    migrating.emplace(std::to_string(oid), ValueMap{{"src", m.src}, {"dst", m.dst}, {"mid", m.mid}});
  }
  out["intents"] = std::move(intents);
  out["undelivered"] = std::move(undelivered);
  out["migrating"] = std::move(migrating);
}

void Groups::import_state(const Value& state) {
  merge_records(
      groups_, section(state, "groups"), same_key,
      [this](GroupRec& g, const Value& v) {
        g.gid = v.at("gid").as_string();
        g.ms = v.at("ms").as_string();
        g.parent_rid = v.at("parent_rid").as_string();
        g.level = static_cast<int>(v.at("level").as_int());
        g.members.clear();
        for (const auto& m : v.at("members").as_list()) g.members.push_back(m.as_string());
        g.destroyed = v.at("destroyed").as_bool();
        if (!g.dm) {
          // A group this replica never led: its DM component starts from its initial state.
          const MicroServiceRec& rec = naming_.at(g.ms);
          const DmSpec& d = rec.spec.dms.at(static_cast<std::size_t>(g.level));
          g.dm = core_.dms.find(d.name)->make_group();
          g.ctx = std::make_unique<Ctx>(*this, g.gid, d.config, rec.spec.selector_for(static_cast<std::size_t>(g.level)));
        }
        // Its memory as last committed (a component this replica had may be behind it).
        const Value* mem = v.find("dm");
        if (mem != nullptr && !mem->is_null()) g.dm->import_state(*g.ctx, *mem);
      },
      parked_groups_);
  merge_records(
      replicas_, section(state, "replicas"), same_key,
      [](ReplicaRec& r, const Value& v) {
        r.ref = ReplicaRef::from_value(v.at("ref"));
        r.level = static_cast<int>(v.at("level").as_int());
        r.outer.clear();
        for (const auto& o : v.at("outer").as_list()) {
          r.outer.emplace_back(o.as_list().at(0).as_string(), o.as_list().at(1).as_string());
        }
        r.stacks.clear();
        for (const auto& s : v.at("stacks").as_list()) r.stacks.push_back(static_cast<std::uint64_t>(s.as_int()));
        r.alive = v.at("alive").as_bool();
        r.terminated = v.at("terminated").as_bool();
      },
      parked_replicas_);
  merge_records(
      stacks_, section(state, "stacks"), [](const std::string& k) { return static_cast<std::uint64_t>(std::stoull(k)); },
      [](StackRec& s, const Value& v) {
        s.spec = StackSpec::from_value(v.at("spec"));
        s.node = v.at("node").as_string();
        s.alive = v.at("alive").as_bool();
      },
      parked_stacks_);
  // A migration this replica had under way in an earlier leadership is over for it; what the
  // committed state says was under way is finished by resume_after_leader_change.
  moving_.clear();
  intents_.clear();
  for (const auto& [id, v] : section(state, "intents")) {
    intents_[id] = Intent{v.at("gid").as_string(), v.at("op").as_string(), v.at("args")};
  }
  undelivered_.clear();
  for (const auto& [rid, node] : section(state, "undelivered")) undelivered_[rid] = node.as_string();
  migrating_.clear();
  for (const auto& [oid, v] : section(state, "migrating")) {
    migrating_[static_cast<std::uint64_t>(std::stoull(oid))] =
        Move{v.at("src").as_string(), v.at("dst").as_string(), v.at("mid").as_string()};
  }
}

// ---- The whole ---------------------------------------------------------------------------------------

Value Oms::export_state() const {
  ValueMap out;
  out["meta"] = ValueMap{{"next_id", as_i64(core_.peek_next_id())}};
  out["ms"] = naming_.export_state();
  out["nodes"] = membership_.export_state();
  groups_.export_state(out);
  out["requests"] = requests_.export_state();
  out["events"] = core_.export_events();
  return out;
}

void Oms::import_state(const Value& state) {
  const ValueMap& meta = section(state, "meta");
  auto next = meta.find("next_id");
  core_.set_next_id(next == meta.end() ? 1 : static_cast<std::uint64_t>(next->second.as_int()));
  naming_.import_state(state.is_null() || state.find("ms") == nullptr ? Value() : state.at("ms"));
  membership_.import_state(state.is_null() || state.find("nodes") == nullptr ? Value() : state.at("nodes"));
  groups_.import_state(state);
  requests_.import_state(state.is_null() || state.find("requests") == nullptr ? Value() : state.at("requests"));
  core_.import_events(section(state, "events"));
}

// ---- The audit log ----------------------------------------------------------------------------------

namespace {
// Zero-padded to a fixed width, so that the text order of the keys is the order of the events.
std::string event_key(std::uint64_t n) {
  std::string digits = std::to_string(n);
  return std::string(digits.size() < 20 ? 20 - digits.size() : 0, '0') + digits;
}
}  // namespace

Value OmsCore::export_events() const {
  ValueMap out;
  for (std::size_t i = 0; i < events_.size(); ++i) out.emplace(event_key(first_event_ + i), events_[i]);
  return out;
}

void OmsCore::import_events(const ValueMap& numbered) {
  events_.clear();
  first_event_ = 1;
  for (const auto& [key, line] : numbered) {
    if (events_.empty()) {
      std::uint64_t n = 0;
      const auto [end, err] = std::from_chars(key.data(), key.data() + key.size(), n);
      if (err == std::errc() && end == key.data() + key.size() && n > 0) first_event_ = n;
    }
    events_.push_back(line.as_string());
  }
  // Bounded like the live log (a state written by another build could hold more).
  while (events_.size() > kMaxEvents) {
    events_.erase(events_.begin());
    ++first_event_;
  }
}

}  // namespace amino
