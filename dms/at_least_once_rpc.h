// AtLeastOnceRPC — retry RPCs for a bounded time (paper §3 primitives; Amino.Run AtLeastOnceRPCPolicy).
// Guarantee: a call that fails with a system error is_retryable() allows (timeout, unreachable,
//   stale location, migrating, overloaded, not-leader, unavailable) is sent again, with capped
//   exponential backoff, until it succeeds or the DM's budget (timeoutMs) or the call's own
//   deadline runs out; the last error is returned then. Application errors (kAppError) and
//   non-retryable system errors are returned at once, never retried.
// Duplicates: a retried call keeps its call_id, but nothing below deduplicates it, so a call whose
//   reply was lost may run more than once. Read-only methods (Invocation::read_only) are
//   duplicate-safe; mutating methods must be idempotent or tolerate running twice.
// Tolerates: transient faults — temporary partitions and message loss, a server restarting or
//   migrating, a replica failing when the group has another one (the replica is re-chosen).
// Config keys:
//   timeoutMs        (int, 20000)  total retry budget per call (Amino.Run's 20 s)
//   initialDelayMs   (int, 20)     first backoff delay (Amino.Run's 20 ms)
//   maxDelayMs       (int, 1000)   cap on the backoff delay
//   multiplier       (double, 2.0) backoff growth per retry
//   attemptTimeoutMs (int, 1000)   deadline of one attempt, so a lost request leaves time to retry
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor at_least_once_rpc();

}  // namespace amino::dms
