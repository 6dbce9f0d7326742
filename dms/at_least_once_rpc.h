// AtLeastOnceRPC — retry RPCs for a bounded time (paper §3 primitives; Amino.Run AtLeastOnceRPCPolicy).
// Guarantee: retryable system errors are retried with capped exponential backoff until success, the
//   DM's budget or the call's deadline; application errors never. A call whose reply was lost may
//   run twice (no deduplication below).
// Tolerates: transient faults: temporary partitions, message loss, restarts, migration, a replica
//   failing when the group has another.
// Config: timeoutMs, initialDelayMs, maxDelayMs, multiplier, attemptTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (at_least_once_rpc() in at_least_once_rpc.cc), the one source:
//   `amino-ctl dms AtLeastOnceRPC` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor at_least_once_rpc();

}  // namespace amino::dms
