#include "replicated_oms/oms_state_delta.h"

#include "runtime/status.h"

namespace amino::replicated_oms {

namespace {
const ValueMap& map_or_empty(const Value& v) {
  static const ValueMap kEmpty;
  return v.is_null() ? kEmpty : v.as_map();
}
}  // namespace

Value state_delta(const Value& from, const Value& to) {
  const ValueMap& a = map_or_empty(from);
  const ValueMap& b = map_or_empty(to);
  ValueMap set, del;
  for (const auto& [name, sec] : b) {
    const auto old = a.find(name);
    const ValueMap& before = old == a.end() ? map_or_empty(Value()) : old->second.as_map();
    ValueMap changed;
    for (const auto& [k, v] : sec.as_map()) {
      auto it = before.find(k);
      if (it == before.end() || !(it->second == v)) changed.emplace(k, v);
    }
    ValueList gone;
    for (const auto& [k, v] : before) {
      if (sec.as_map().count(k) == 0) gone.push_back(k);
    }
    if (!changed.empty()) set.emplace(name, std::move(changed));
    if (!gone.empty()) del.emplace(name, std::move(gone));
  }
  for (const auto& [name, sec] : a) {
    if (b.count(name) != 0) continue;
    ValueList gone;
    for (const auto& [k, v] : sec.as_map()) gone.push_back(k);
    if (!gone.empty()) del.emplace(name, std::move(gone));
  }
  if (set.empty() && del.empty()) return ValueMap{};
  return ValueMap{{"set", std::move(set)}, {"del", std::move(del)}};
}

bool delta_empty(const Value& delta) { return delta.is_null() || delta.as_map().empty(); }

void apply_delta(Value& state, const Value& delta) {
  if (delta_empty(delta)) return;
  // Validate the shape first: a bad command changes nothing.
  for (const char* part : {"set", "del"}) {
    for (const auto& [name, sec] : delta.at(part).as_map()) {
      if (std::string(part) == "set") {
        (void)sec.as_map();
      } else {
        for (const auto& k : sec.as_list()) (void)k.as_string();
      }
    }
  }
  if (!state.is<ValueMap>()) state = ValueMap{};
  for (const auto& [name, sec] : delta.at("set").as_map()) {
    Value& target = state[name];
    if (!target.is<ValueMap>()) target = ValueMap{};
    for (const auto& [k, v] : sec.as_map()) target[k] = v;
  }
  for (const auto& [name, keys] : delta.at("del").as_map()) {
    Value* target = state.is<ValueMap>() ? &state[name] : nullptr;
    if (target == nullptr || !target->is<ValueMap>()) continue;
    for (const auto& k : keys.as_list()) target->as<ValueMap>().erase(k.as_string());
  }
}

}  // namespace amino::replicated_oms
