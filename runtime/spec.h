// MicroService specs (YAML, yaml-cpp): which class, its ordered DM chain with typed configs, and
// where it may be placed. Errors name the line and the field.
//
//   name: board                 # optional unique name (OMS setName)
//   class: Board                # a registered application class
//   args: [8, 8]                # optional constructor arguments
//   nodeSelector:               # optional; a list of terms (ORed) or a single term
//     - - {key: region, operator: in, values: [cloud]}
//   dmList:                     # outer first; empty or absent = DefaultDM
//     - name: AtLeastOnceRPC
//       config: {timeoutMs: 2000}
//     - name: ConsensusRSM
//       config: {replicas: 3}
//       nodeSelector: [{key: tier, operator: exists}]   # per-DM placement (single term form)
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/dm.h"
#include "runtime/node_info.h"
#include "runtime/value.h"

namespace amino {

struct DmSpec {
  std::string name;
  DmConfig config;         // validated, defaults filled in
  NodeSelector selector;   // empty: inherit the spec's selector
  int line = 0;
};

struct MicroServiceSpec {
  std::string name;        // may be empty
  std::string class_name;
  ValueList args;
  NodeSelector selector;
  std::vector<DmSpec> dms; // outer first; never empty after parsing (DefaultDM is filled in)

  std::vector<std::string> dm_names() const;
  // Selector that applies to the DM at `level`: its own, or the spec's.
  const NodeSelector& selector_for(std::size_t level) const;
  Value to_value() const;                       // for the wire (OMS <-> kernel servers)
  static MicroServiceSpec from_value(const Value& v);
};

class SpecError : public std::runtime_error {
 public:
  SpecError(int line, std::string field, const std::string& message);
  int line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  int line_;
  std::string field_;
};

// Parses and validates a spec: unknown top-level fields, unknown DMs, unknown, mistyped or
// out-of-range config keys (ConfigKey::min/max, NaN), bad selectors, rejected DM combinations
// (DmRegistry::check_chain) and the input limits of runtime/limits.h all throw SpecError.
MicroServiceSpec parse_spec(std::string_view yaml, const DmRegistry& dms);
MicroServiceSpec load_spec_file(const std::string& path, const DmRegistry& dms);
// The same checks for a spec that did not come from parse_spec (built in C++, or received by the
// OMS from a client): the chain, every DM config against its schema (kinds and ranges) and the
// encoded size of the arguments (kMaxCreateArgsBytes). The first problem, or nullopt.
std::optional<std::string> spec_problem(const MicroServiceSpec& spec, const DmRegistry& dms);

}  // namespace amino
