// KeepOnDevice — keep the object on the device that uses it, moving as the main user changes.
// Guarantee: the object is pinned to the node of its most active caller once that caller led for
//   stablePeriods periods and minDwellMs passed since the last move (hysteresis: no flapping).
// Tolerates: nothing beyond the kernel; a failed move is retried at a later period.
// Config: periodMs, minCalls, stablePeriods, minDwellMs; liveMigration, maxPrecopyRounds, deltaThresholdBytes.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (keep_on_device() in keep_on_device.cc), the one source:
//   `amino-ctl dms KeepOnDevice` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_on_device();

}  // namespace amino::dms
