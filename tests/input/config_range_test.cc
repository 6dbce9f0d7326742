// DM config ranges (ConfigKey::min/max): every numeric key of every built-in DM is bounded, and a
// spec breaking a bound, or giving NaN or an infinity, is a SpecError naming the DM, the key, the
// value and the allowed range, at the value's line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "dms/all.h"
#include "runtime/limits.h"
#include "runtime/spec.h"

namespace amino {
namespace {

SpecError spec_error(const std::string& yaml) {
  try {
    parse_spec(yaml, dms::builtin());
  } catch (const SpecError& e) {
    return e;
  }
  ADD_FAILURE() << "no SpecError for:\n" << yaml;
  return SpecError(0, "", "none");
}

std::string with_dm(const std::string& dm, const std::string& config) {
  return "class: C\ndmList:\n  - name: " + dm + "\n    config:\n      " + config + "\n";
}

void expect_contains(const std::string& what, const std::string& text) {
  EXPECT_NE(what.find(text), std::string::npos) << "'" << what << "' lacks '" << text << "'";
}

TEST(ConfigRanges, EveryNumericKeyOfEveryBuiltInDmIsBounded) {
  const DmRegistry& r = dms::builtin();
  int numeric = 0;
  for (const auto& name : r.names()) {
    for (const auto& key : r.find(name)->config) {
      if (key.kind != Value::Kind::kInt && key.kind != Value::Kind::kDouble) continue;
      ++numeric;
      EXPECT_FALSE(key.min.is_null()) << name << "." << key.name << " has no minimum";
      EXPECT_FALSE(key.max.is_null()) << name << "." << key.name << " has no maximum";
      EXPECT_EQ(config_value_problem(name, key, key.default_value), std::nullopt) << name << "." << key.name;
    }
  }
  EXPECT_GT(numeric, 20);
}

// The reproductions: `replicas: 0` or `-3`, negative timeouts and `multiplier: .nan` were
// accepted; `timeoutMs: 9223372036854775807` made every call fail at once.
TEST(ConfigRanges, ZeroOrNegativeReplicas) {
  for (const char* n : {"0", "-3"}) {
    const SpecError e = spec_error(with_dm("ConsensusRSM", std::string("replicas: ") + n));
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.field(), "dmList[0].config.replicas");
    expect_contains(e.what(), std::string("ConsensusRSM config replicas = ") + n + " is out of range (allowed: 1 .. 64)");
  }
}

TEST(ConfigRanges, NegativeTimeouts) {
  const SpecError e = spec_error(with_dm("AtLeastOnceRPC", "timeoutMs: -5"));
  expect_contains(e.what(), "AtLeastOnceRPC config timeoutMs = -5 is out of range (allowed: 1 .. 86400000)");
  expect_contains(spec_error(with_dm("LeaseCaching", "leaseMs: -1")).what(), "LeaseCaching config leaseMs = -1");
  expect_contains(spec_error(with_dm("ConsensusRSM-Cluster", "heartbeatMs: 0")).what(),
                  "ConsensusRSM-Cluster config heartbeatMs = 0 is out of range");
}

TEST(ConfigRanges, NanAndInfinitiesAreNotNumbers) {
  for (const char* v : {".nan", ".inf", "-.inf"}) {
    const SpecError e = spec_error(with_dm("AtLeastOnceRPC", std::string("multiplier: ") + v));
    EXPECT_EQ(e.line(), 5);
    expect_contains(e.what(), "AtLeastOnceRPC config multiplier = ");
    expect_contains(e.what(), "is not a finite number (allowed: 1 .. 100)");
  }
  expect_contains(spec_error(with_dm("CodeOffloading", "ewmaAlpha: .nan")).what(), "CodeOffloading config ewmaAlpha");
}

TEST(ConfigRanges, Int64MaxTimeoutIsOutOfRange) {
  const SpecError e = spec_error(with_dm("AtLeastOnceRPC", "timeoutMs: 9223372036854775807"));
  expect_contains(e.what(), "timeoutMs = 9223372036854775807 is out of range (allowed: 1 .. 86400000)");
  // One past int64 is not even an integer.
  expect_contains(spec_error(with_dm("AtLeastOnceRPC", "timeoutMs: 9223372036854775808")).what(),
                  "integer out of range");
}

TEST(ConfigRanges, BoundsAreInclusive) {
  const std::string day = std::to_string(kMaxTimeoutMs);
  EXPECT_NO_THROW(parse_spec(with_dm("AtLeastOnceRPC", "{timeoutMs: " + day + ", initialDelayMs: 1}"), dms::builtin()));
  EXPECT_NO_THROW(parse_spec(with_dm("ConsensusRSM", "{replicas: 1}"), dms::builtin()));
  EXPECT_NO_THROW(parse_spec(with_dm("AtLeastOnceRPC", "{multiplier: 100}"), dms::builtin()));  // int widens
  expect_contains(spec_error(with_dm("AtLeastOnceRPC", "timeoutMs: " + std::to_string(kMaxTimeoutMs + 1))).what(),
                  "out of range");
  expect_contains(spec_error(with_dm("ConsensusRSM", "replicas: 65")).what(), "replicas = 65 is out of range");
  expect_contains(spec_error(with_dm("AtLeastOnceRPC", "multiplier: 0.5")).what(), "multiplier = 0.5 is out of range");
}

// Specs that never were YAML (built in C++, or received by the OMS) get the same checks.
TEST(ConfigRanges, SpecProblemChecksCppBuiltSpecs) {
  MicroServiceSpec spec = parse_spec(with_dm("ConsensusRSM", "replicas: 3"), dms::builtin());
  EXPECT_EQ(spec_problem(spec, dms::builtin()), std::nullopt);
  spec.dms[0].config["replicas"] = Value(0);
  ASSERT_TRUE(spec_problem(spec, dms::builtin()).has_value());
  expect_contains(*spec_problem(spec, dms::builtin()), "ConsensusRSM config replicas = 0 is out of range");
  spec.dms[0].config["replicas"] = Value(std::nan(""));
  expect_contains(*spec_problem(spec, dms::builtin()), "expected int, got double");
  spec.dms[0].config["replicas"] = Value(3);
  spec.dms[0].config["bogus"] = Value(1);
  expect_contains(*spec_problem(spec, dms::builtin()), "ConsensusRSM has no config key 'bogus'");
  spec.dms[0].config.erase("bogus");
  spec.dms[0].config.erase("heartbeatMs");
  expect_contains(*spec_problem(spec, dms::builtin()), "config heartbeatMs is missing");
}

TEST(ConfigRanges, SpecProblemChecksTheArgsSize) {
  MicroServiceSpec spec = parse_spec("class: C\n", dms::builtin());
  spec.args = {Value(std::string(kMaxCreateArgsBytes, 'x'))};
  ASSERT_TRUE(spec_problem(spec, dms::builtin()).has_value());
  expect_contains(*spec_problem(spec, dms::builtin()), "kMaxCreateArgsBytes");
}

TEST(ConfigRanges, RegistryRefusesADescriptorWhoseDefaultBreaksItsRange) {
  DmRegistry r;
  DmDescriptor d;
  d.name = "Broken";
  d.config = {ConfigKey{"periodMs", Value::Kind::kInt, Value(0), "period", Value(1), Value(10)}};
  EXPECT_THROW(r.add(d), std::invalid_argument);
  d.config = {ConfigKey{"periodMs", Value::Kind::kInt, Value(5), "period", Value(1.0), Value(10)}};
  EXPECT_THROW(r.add(d), std::invalid_argument);  // a double bound on an int key
}

}  // namespace
}  // namespace amino
