// The DM library: registers every built-in DM and the compatibility table.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

void register_all(DmRegistry& registry);
// A registry with every built-in DM (built once per process).
const DmRegistry& builtin();

}  // namespace amino::dms
