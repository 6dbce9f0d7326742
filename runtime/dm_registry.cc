// DmRegistry: known DMs and the chain compatibility table, plus the Value encodings of the small
// DM-facing records (ReplicaRef, Metrics) that cross the wire between kernel servers and the OMS.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "runtime/dm.h"

namespace amino {

// ---------------------------------------------------------------------------------------------
// Registry

void DmRegistry::add(DmDescriptor d) {
  if (d.name.empty()) throw std::invalid_argument("DmRegistry::add: a DM needs a name");
  // Silently replacing a DM would make a spec's meaning depend on registration order.
  if (dms_.contains(d.name)) throw std::invalid_argument("DM '" + d.name + "' is already registered");
  // A schema whose own default breaks its range, or whose bounds are of another kind, is a bug in
  // the descriptor: refuse it at registration, not when a spec first relies on the default.
  for (const auto& key : d.config) {
    for (const Value* bound : {&key.min, &key.max}) {
      if (!bound->is_null() && bound->kind() != key.kind)
        throw std::invalid_argument("DM '" + d.name + "' config " + key.name + ": range bound of the wrong kind");
    }
    if (auto why = config_value_problem(d.name, key, key.default_value))
      throw std::invalid_argument("default of " + *why);
  }
  std::string name = d.name;
  dms_.emplace(std::move(name), std::move(d));
}

const DmDescriptor* DmRegistry::find(const std::string& name) const {
  auto it = dms_.find(name);
  return it == dms_.end() ? nullptr : &it->second;
}

std::vector<std::string> DmRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(dms_.size());
  for (const auto& entry : dms_) out.push_back(entry.first);  // std::map: already sorted
  return out;
}

void DmRegistry::forbid(std::string outer, std::string inner, std::string reason) {
  rules_.push_back(Rule{std::move(outer), std::move(inner), std::move(reason)});
}

void DmRegistry::describe_category(std::string category, std::string why) {
  categories_[std::move(category)] = std::move(why);
}

namespace {

bool matches_pattern(const std::string& pattern, const std::string& dm) {
  return pattern == "*" || pattern == dm;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

// Checks DM by DM, each against the ones listed before it, so the first reason reported always
// concerns the earliest position at which the chain stops being valid (spec.cc relies on this to
// blame the right line).
std::optional<std::string> DmRegistry::check_chain(const std::vector<std::string>& dms) const {
  for (std::size_t later = 0; later < dms.size(); ++later) {
    const std::string& inner = dms[later];
    const DmDescriptor* inner_desc = find(inner);
    if (inner_desc == nullptr) return "unknown DM '" + inner + "' (registered: " + joined(names()) + ")";
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const std::string& outer = dms[earlier];
      if (outer == inner) return "DM '" + inner + "' is listed twice";
      const DmDescriptor* outer_desc = find(outer);
      if (!inner_desc->category.empty() && outer_desc->category == inner_desc->category) {
        return outer + " and " + inner + " are both " + inner_desc->category + " DMs: mutually exclusive";
      }
      for (const Rule& rule : rules_) {
        if (matches_pattern(rule.outer, outer) && matches_pattern(rule.inner, inner)) {
          return outer + " may not be listed before " + inner + ": " + rule.reason;
        }
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Config values

namespace {

// A number as a user wrote it: ints as ints, doubles without %.17g noise (0.1, not 0.10000000000000001).
std::string number_text(const Value& v) {
  if (!v.is<double>()) return v.to_string();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v.as<double>());
  return buf;
}

std::string bound_text(const Value& b, const char* unbounded) { return b.is_null() ? unbounded : number_text(b); }

bool below(const Value& v, const Value& bound) {
  if (bound.is_null()) return false;
  if (v.is<std::int64_t>() && bound.is<std::int64_t>()) return v.as_int() < bound.as_int();
  return v.as_double() < bound.as_double();
}

bool above(const Value& v, const Value& bound) {
  if (bound.is_null()) return false;
  if (v.is<std::int64_t>() && bound.is<std::int64_t>()) return v.as_int() > bound.as_int();
  return v.as_double() > bound.as_double();
}

}  // namespace

std::optional<std::string> config_value_problem(const std::string& dm, const ConfigKey& key, const Value& value) {
  const std::string where = dm + " config " + key.name;
  const bool widened = key.kind == Value::Kind::kDouble && value.kind() == Value::Kind::kInt;
  if (value.kind() != key.kind && !widened) {
    return where + ": expected " + kind_name(key.kind) + ", got " + kind_name(value.kind());
  }
  if (key.kind != Value::Kind::kInt && key.kind != Value::Kind::kDouble) return std::nullopt;
  const std::string range = bound_text(key.min, "-inf") + " .. " + bound_text(key.max, "+inf");
  if (key.kind == Value::Kind::kDouble && !std::isfinite(value.as_double())) {
    return where + " = " + number_text(value) + " is not a finite number (allowed: " + range + ")";
  }
  if (below(value, key.min) || above(value, key.max)) {
    return where + " = " + number_text(value) + " is out of range (allowed: " + range + ")";
  }
  return std::nullopt;
}

std::optional<std::string> config_problem(const DmDescriptor& dm, const DmConfig& config) {
  for (const auto& [name, value] : config) {
    // Captured by an init-capture: clang before 16 cannot capture a structured binding.
    auto key = std::find_if(dm.config.begin(), dm.config.end(), [&name = name](const ConfigKey& k) { return k.name == name; });
    if (key == dm.config.end()) return dm.name + " has no config key '" + name + "'";
    if (auto why = config_value_problem(dm.name, *key, value)) return why;
  }
  for (const auto& key : dm.config) {
    if (!config.contains(key.name)) return dm.name + " config " + key.name + " is missing";
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Wire encodings

Value ReplicaRef::to_value() const {
  return ValueMap{{"rid", rid},
                  {"gid", gid},
                  {"node", node},
                  {"oid", static_cast<std::int64_t>(oid)},
                  {"child_gid", child_gid}};
}

ReplicaRef ReplicaRef::from_value(const Value& v) {
  ReplicaRef r;
  r.rid = v.at("rid").as_string();
  r.gid = v.at("gid").as_string();
  r.node = v.at("node").as_string();
  r.oid = static_cast<std::uint64_t>(v.at("oid").as_int());
  r.child_gid = v.at("child_gid").as_string();
  return r;
}

Value MigrateOptions::to_value() const {
  return ValueMap{{"live", live},
                  {"max_precopy_rounds", static_cast<std::int64_t>(max_precopy_rounds)},
                  {"delta_threshold_bytes", delta_threshold_bytes}};
}

MigrateOptions MigrateOptions::from_value(const Value& v) {
  MigrateOptions m;
  if (v.is_null()) return m;
  m.live = v.at("live").as_bool();
  const std::int64_t rounds = v.at("max_precopy_rounds").as_int();
  m.delta_threshold_bytes = v.at("delta_threshold_bytes").as_int();
  // The same ranges as the DMs' config keys (dms/support.h, migration_config_keys).
  if (rounds < 1 || rounds > 64) throw SystemError(Code::kBadArguments, "max_precopy_rounds must be in [1, 64]");
  if (m.delta_threshold_bytes < 0 || m.delta_threshold_bytes > (std::int64_t{1} << 30)) {
    throw SystemError(Code::kBadArguments, "delta_threshold_bytes must be in [0, 2^30]");
  }
  m.max_precopy_rounds = static_cast<int>(rounds);
  return m;
}

Value metrics_to_value(const Metrics& m) {
  ValueMap out;
  for (const auto& [caller, c] : m) {
    out.emplace(caller, ValueMap{{"calls", static_cast<std::int64_t>(c.calls)},
                                 {"total_ns", c.total_ns},
                                 {"bytes_in", static_cast<std::int64_t>(c.bytes_in)},
                                 {"bytes_out", static_cast<std::int64_t>(c.bytes_out)}});
  }
  return out;
}

Metrics metrics_from_value(const Value& v) {
  Metrics out;
  for (const auto& [caller, x] : v.as_map()) {
    CallerMetrics c;
    c.calls = static_cast<std::uint64_t>(x.at("calls").as_int());
    c.total_ns = x.at("total_ns").as_int();
    c.bytes_in = static_cast<std::uint64_t>(x.at("bytes_in").as_int());
    c.bytes_out = static_cast<std::uint64_t>(x.at("bytes_out").as_int());
    out.emplace(caller, c);
  }
  return out;
}

}  // namespace amino
