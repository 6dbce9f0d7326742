// A small DmRegistry for spec tests. Factories stay empty: parsing never instantiates a DM.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "runtime/dm.h"
#include "runtime/spec.h"

namespace amino {

// Readable gtest failure messages for Values (found by ADL).
inline void PrintTo(const Value& v, std::ostream* os) { *os << v.to_string(); }

}  // namespace amino

namespace amino::testing {

inline DmDescriptor describe(std::string name, std::string category = {},
                             std::vector<ConfigKey> config = {}) {
  DmDescriptor d;
  d.name = std::move(name);
  d.category = std::move(category);
  d.config = std::move(config);
  return d;
}

// DefaultDM, AtLeastOnceRPC, KeepInCloud/KeepOnDevice (one "placement" category) and ConsensusRSM,
// with AR's known-broken "ConsensusRSM before AtLeastOnceRPC" forbidden.
inline DmRegistry test_registry(bool with_default_dm = true) {
  DmRegistry r;
  if (with_default_dm) r.add(describe("DefaultDM"));
  r.add(describe("AtLeastOnceRPC", "",
                 {{"timeoutMs", Value::Kind::kInt, 1000, "give up after this long"},
                  {"backoff", Value::Kind::kDouble, 1.5, "retry delay multiplier"}}));
  r.add(describe("KeepInCloud", "placement"));
  r.add(describe("KeepOnDevice", "placement"));
  r.add(describe("ConsensusRSM", "",
                 {{"replicas", Value::Kind::kInt, 3, "group size"},
                  {"strict", Value::Kind::kBool, true, "reject reads on followers"},
                  {"label", Value::Kind::kString, "raft", "log prefix"},
                  {"peers", Value::Kind::kList, ValueList{}, "fixed peer nodes"},
                  {"tuning", Value::Kind::kMap, ValueMap{}, "raft timers"}}));
  r.forbid("ConsensusRSM", "AtLeastOnceRPC", "LeaderException (AR MultiDMTestCases)");
  return r;
}

// Parses `yaml`, expecting a SpecError at `line` naming `field`, whose message contains `text`.
inline void expect_spec_error(std::string_view yaml, int line, const std::string& field,
                              const std::string& text, const DmRegistry& registry = test_registry()) {
  try {
    parse_spec(yaml, registry);
    ADD_FAILURE() << "no SpecError for:\n" << yaml;
  } catch (const SpecError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos)
        << "'" << e.what() << "' lacks '" << text << "'";
  }
}

}  // namespace amino::testing
