// ExplicitCheckpoint — the application decides when its object's state is saved durably.
// Guarantee: a call to checkpointMethod writes the object's state to the hosting node's storage
//   (durable when the call returns); rollbackMethod puts the object back to its last checkpoint; a
//   kernel server that crashes and restarts with its storage restores the object from its last
//   checkpoint (the constructed state before the first one).
// Tolerates: crash and restart of the hosting node, including a crash in the middle of writing a
//   checkpoint (the previous one stays intact: dms/support_checkpoint.h). Not: loss of the node's disk.
// Config: checkpointMethod, rollbackMethod, quiesceTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (explicit_checkpoint() in explicit_checkpoint.cc), the one source:
//   `amino-ctl dms ExplicitCheckpoint` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_checkpoint();

}  // namespace amino::dms
