// Runs every conformance case on each backend linked into this binary, checks the observations
// against what the semantics require, and checks that the backends agree with each other.
#include <gtest/gtest.h>

#include "tests/conformance/backends.h"

namespace amino::conformance {
namespace {

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, SameObservationsOnEveryBackend) {
  const Case* c = nullptr;
  for (const auto& s : cases()) {
    if (s.name == GetParam()) c = &s;
  }
  ASSERT_NE(c, nullptr);
  for (const auto& backend : backends()) {
    SCOPED_TRACE("backend " + backend.name);
    std::unique_ptr<testbed::Cluster> cluster = backend.make();
    EXPECT_EQ(c->run(*cluster), c->expected);
  }
}

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const auto& s : cases()) out.push_back(s.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, Conformance, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace amino::conformance
