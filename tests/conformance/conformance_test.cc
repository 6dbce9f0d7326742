// Runs every conformance scenario on each backend linked into this binary, checks the observations
// against what the semantics require, and checks that the backends agree with each other.
#include <gtest/gtest.h>

#include "tests/conformance/backends.h"

namespace amino::conformance {
namespace {

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, SameObservationsOnEveryBackend) {
  const Scenario* scenario = nullptr;
  for (const auto& s : scenarios()) {
    if (s.name == GetParam()) scenario = &s;
  }
  ASSERT_NE(scenario, nullptr);
  for (const auto& backend : backends()) {
    SCOPED_TRACE("backend " + backend.name);
    std::unique_ptr<testbed::Cluster> cluster = backend.make();
    EXPECT_EQ(scenario->run(*cluster), scenario->expected);
  }
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> out;
  for (const auto& s : scenarios()) out.push_back(s.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Conformance, ::testing::ValuesIn(scenario_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace amino::conformance
