// Immutable — efficient access to an object that never changes after construction.
// Guarantee: the first call fetches the state into a local copy on the client; read-only calls run
//   on it with no RPC; mutating calls are rejected (kAborted).
// Tolerates: loss, partition or migration of every server replica after the fetch.
// Config: none.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (immutable() in immutable.cc), the one source: `amino-ctl dms
//   Immutable` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor immutable();

}  // namespace amino::dms
