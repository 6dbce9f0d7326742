// DmRegistry: known DMs and the chain compatibility table, plus the Value encodings of the small
// DM-facing records (ReplicaRef, Metrics) that cross the wire between kernel servers and the OMS.
#include <algorithm>
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
