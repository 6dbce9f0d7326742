// ExplicitMigration — the application moves its object with an explicit call.
// Guarantee: a call to the method named by `migrateMethod` (default "migrateTo", one argument: the
//   target node id) is intercepted by the client and never reaches the object: the client asks the
//   group (notify_group), which checks that the target is a live kernel server satisfying the
//   spec's nodeSelector and pins the group's replicas there by stop-and-copy before replying. The
//   call returns null on success, kPlacement for a bad target, or the migration's error. Every
//   other call is forwarded unchanged.
// The application class must declare the method (the kernel's stub rejects undeclared methods
//   before any DM sees them); its body never runs under this DM.
// Tolerates: nothing beyond the kernel; callers keep working through a move (location repair).
// Config keys: migrateMethod (string, "migrateTo") the intercepted method's name.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_migration();

}  // namespace amino::dms
