// Builds a platform (testbed/platform.h, plain data) into SimGrid: the only part of the platform
// code that needs SimGrid, so it lives in the SimGrid backend.
#pragma once

#include "testbed/platform.h"

namespace amino::sim {

// Builds hosts, links and routes into the current SimGrid Engine (which must exist, unsealed).
void build_platform(const testbed::PlatformSpec& spec);

}  // namespace amino::sim
