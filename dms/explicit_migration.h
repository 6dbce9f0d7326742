// ExplicitMigration — the application moves its object with an explicit call.
// Guarantee: a call to migrateMethod (target node id) is intercepted; the group validates the
//   target and moves the replicas there by stop-and-copy before replying.
// Tolerates: nothing beyond the kernel; callers keep working through a move.
// Config: migrateMethod; liveMigration, maxPrecopyRounds, deltaThresholdBytes (how it moves: dms/support.h).
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (explicit_migration() in explicit_migration.cc), the one source:
//   `amino-ctl dms ExplicitMigration` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_migration();

}  // namespace amino::dms
