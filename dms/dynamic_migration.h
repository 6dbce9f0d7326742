// DynamicMigration — adaptive placement that minimizes the latency its callers measure.
// Guarantee: every periodMs the group moves the object to the node minimizing the sum over callers
//   of rate x measured latency, only for a gain of at least minGain and minDwellMs after the
//   previous move.
// Tolerates: nothing beyond the kernel; lost reports only delay decisions.
// Config: periodMs, reportEvery, minGain, minDwellMs; liveMigration, maxPrecopyRounds, deltaThresholdBytes.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (dynamic_migration() in dynamic_migration.cc), the one source:
//   `amino-ctl dms DynamicMigration` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor dynamic_migration();

}  // namespace amino::dms
