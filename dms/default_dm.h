// DefaultDM — forwards every call to one replica (Amino.Run's DefaultPolicy).
// Guarantee: none beyond the kernel's; a client whose replica disappears asks the group for
//   another.
// Tolerates: migration (the kernel repairs stale locations); nothing else.
// Config: none.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (default_dm() in default_dm.cc), the one source: `amino-ctl dms
//   DefaultDM` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor default_dm();

}  // namespace amino::dms
