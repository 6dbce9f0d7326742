// Probes (runtime/probe.h) as JSON: fields as one object in the emitter's order of names (nlohmann
// sorts keys, so the text is canonical), a record as {"t": ns, "node", "kind", "fields"}.
#pragma once

#include <variant>

#include <nlohmann/json.hpp>

#include "runtime/probe.h"

namespace amino {

inline nlohmann::json probe_fields_json(const ProbeFields& fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& f : fields) {
    std::visit([&](const auto& v) { j[f.name] = v; }, f.value);
  }
  return j;
}

inline nlohmann::json probe_to_json(const ProbeRecord& p) {
  return {{"t", p.time}, {"node", p.node}, {"kind", p.kind}, {"fields", probe_fields_json(p.fields)}};
}

// The inverse of probe_to_json; integers stay integers, everything else becomes its text.
inline ProbeRecord probe_from_json(const nlohmann::json& j) {
  ProbeRecord p;
  p.time = j.at("t").get<Time>();
  p.node = j.at("node").get<std::string>();
  p.kind = j.at("kind").get<std::string>();
  for (const auto& [name, v] : j.at("fields").items()) {
    if (v.is_number_integer()) {
      p.fields.push_back({name, v.get<std::int64_t>()});
    } else {
      p.fields.push_back({name, v.is_string() ? v.get<std::string>() : v.dump()});
    }
  }
  return p;
}

}  // namespace amino
