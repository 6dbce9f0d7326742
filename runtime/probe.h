// Probes: protocol events that DM code reports as plain data through Env::probe ("raft.leader",
// "raft.commit", ...), for checkers of safety invariants over a run (testbed/check/invariants.h) and
// for faults timed to protocol events (testbed/fault_schedule.h, "on_probe"). A probe changes
// nothing in the run: it is an observation. Only the simulator listens (SimWorld records every probe
// with its node and simulated time); the real backends answer probing() = false, so DM code tests
// that first and builds no fields at all when nobody listens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/time.h"

namespace amino {

using ProbeValue = std::variant<std::int64_t, std::string>;

struct ProbeField {
  std::string name;
  ProbeValue value;
};

// In the order the emitter gives them (deterministic; names are unique within one probe).
using ProbeFields = std::vector<ProbeField>;

// One probe as a listener records it.
struct ProbeRecord {
  Time time = 0;      // simulated ns (true time)
  std::string node;   // the node whose code reported it
  std::string kind;   // "raft.leader", ...
  ProbeFields fields;

  const ProbeValue* find(std::string_view name) const {
    for (const auto& f : fields) {
      if (f.name == name) return &f.value;
    }
    return nullptr;
  }
  // A field's value, or `fallback` when absent or of the other type.
  std::int64_t int_of(std::string_view name, std::int64_t fallback = 0) const {
    const ProbeValue* v = find(name);
    return v != nullptr && std::holds_alternative<std::int64_t>(*v) ? std::get<std::int64_t>(*v) : fallback;
  }
  std::string str_of(std::string_view name) const {
    const ProbeValue* v = find(name);
    return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string();
  }
};

}  // namespace amino
