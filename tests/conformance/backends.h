// The backends the conformance suite runs on. Each test case runs in its own process
// (gtest_discover_tests), which the SimGrid backend needs: one Engine per process.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/conformance/conformance.h"

namespace amino::conformance {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<testbed::Cluster>()> make;  // registered and ready
};

std::vector<Backend> backends();

}  // namespace amino::conformance
