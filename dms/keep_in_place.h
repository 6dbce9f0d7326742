// KeepInPlace — keep the object where it was created (e.g. next to device APIs).
// Guarantee: the group pins every replica of this level to the creator's node when that is a live
//   kernel server.
// Tolerates: nothing beyond the kernel; the replica is lost with its node (by design).
// Config: none.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (keep_in_place() in keep_in_place.cc), the one source:
//   `amino-ctl dms KeepInPlace` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_in_place();

}  // namespace amino::dms
