// PeriodicCheckpoint — the object's state is saved durably every N mutating calls and/or every T ms.
// Guarantee: after every everyCalls-th mutating call (before it returns) and every everyMs while
//   the object changed, the object's state is written to the hosting node's storage; a kernel
//   server that crashes and restarts with its storage restores the object from its last checkpoint,
//   losing at most the calls since (fewer than everyCalls, or everyMs of them).
// Tolerates: crash and restart of the hosting node, including a crash in the middle of writing a
//   checkpoint (the previous one stays intact: dms/support_checkpoint.h). Not: loss of the node's disk.
// Config: everyCalls, everyMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (periodic_checkpoint() in periodic_checkpoint.cc), the one source:
//   `amino-ctl dms PeriodicCheckpoint` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor periodic_checkpoint();

}  // namespace amino::dms
