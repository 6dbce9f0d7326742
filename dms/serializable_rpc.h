// SerializableRPC — the paper's "server-side lock serializes RPCs".
// Guarantee: at most one application call runs in a replica at a time, in FIFO order, the lock held
//   across blocking calls.
// Tolerates: nothing beyond the kernel; a re-entrant call chain fails after lockTimeoutMs instead
//   of deadlocking.
// Config: lockTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (serializable_rpc() in serializable_rpc.cc), the one source:
//   `amino-ctl dms SerializableRPC` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor serializable_rpc();

}  // namespace amino::dms
