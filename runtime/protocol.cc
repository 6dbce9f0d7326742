#include "runtime/protocol.h"

namespace amino {

Value StackSpec::to_value() const {
  ValueList ls;
  for (const auto& l : levels) {
    ls.push_back(ValueMap{{"dm", l.dm}, {"config", l.config}, {"gid", l.gid}, {"rid", l.rid}});
  }
  return ValueMap{{"ms", ms}, {"class", class_name}, {"oid", static_cast<std::int64_t>(oid)},
                  {"levels", std::move(ls)}};
}

StackSpec StackSpec::from_value(const Value& v) {
  StackSpec s;
  s.ms = v.at("ms").as_string();
  s.class_name = v.at("class").as_string();
  s.oid = static_cast<std::uint64_t>(v.at("oid").as_int());
  for (const auto& l : v.at("levels").as_list()) {
    s.levels.push_back(StackLevel{l.at("dm").as_string(), l.at("config").as_map(),
                                  l.at("gid").as_string(), l.at("rid").as_string()});
  }
  return s;
}

Value StackState::to_value() const { return ValueMap{{"object", object}, {"dms", dm_states}}; }

StackState StackState::from_value(const Value& v) {
  StackState s;
  if (const Value* o = v.find("object")) s.object = *o;
  if (const Value* d = v.find("dms")) s.dm_states = d->as_list();
  return s;
}

Value node_info_to_value(const NodeInfo& n) {
  ValueMap labels;
  for (const auto& [k, x] : n.labels) labels.emplace(k, x);
  return ValueMap{{"id", n.id}, {"region", n.region}, {"labels", std::move(labels)}, {"alive", n.alive}};
}

NodeInfo node_info_from_value(const Value& v) {
  NodeInfo n;
  n.id = v.at("id").as_string();
  n.region = v.at("region").as_string();
  for (const auto& [k, x] : v.at("labels").as_map()) n.labels.emplace(k, x.as_string());
  if (const Value* a = v.find("alive")) n.alive = a->as_bool();
  return n;
}

Value selector_to_value(const NodeSelector& s) {
  ValueList terms;
  for (const auto& term : s.terms) {
    ValueList reqs;
    for (const auto& r : term) {
      ValueList values(r.values.begin(), r.values.end());
      reqs.push_back(ValueMap{{"key", r.key}, {"op", static_cast<std::int64_t>(r.op)}, {"values", values}});
    }
    terms.push_back(std::move(reqs));
  }
  return terms;
}

NodeSelector selector_from_value(const Value& v) {
  NodeSelector s;
  if (v.is_null()) return s;
  for (const auto& term : v.as_list()) {
    std::vector<Requirement> reqs;
    for (const auto& r : term.as_list()) {
      Requirement q;
      q.key = r.at("key").as_string();
      q.op = static_cast<Requirement::Op>(r.at("op").as_int());
      for (const auto& x : r.at("values").as_list()) q.values.push_back(x.as_string());
      reqs.push_back(std::move(q));
    }
    s.terms.push_back(std::move(reqs));
  }
  return s;
}

}  // namespace amino
