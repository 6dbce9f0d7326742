// ConsistentCaching — every client node reads from its own copy; a write updates every copy before
//   it returns (strict: reads and writes are linearizable).
// Guarantee: writes go to the primary replica, which first invalidates every cached copy, then runs
//   the write, then sends the new state to every copy; a copy answers reads only while it holds the
//   latest version and a lease from the primary, so no read anywhere returns a value older than a
//   write that has returned (or that any other read has already shown).
// Tolerates: crashed, paused or cut-off caching clients (and lost or reordered messages): a copy the
//   primary cannot invalidate within ackTimeoutMs is evicted, and the write waits until that copy's
//   lease has run out (at most leaseMs more) before it runs. Trade-off: one unreachable client
//   delays writes by up to ackTimeoutMs + leaseMs but never blocks them for longer, and never lets
//   a stale read through; the evicted copy rejoins by itself when it reaches the primary again. A
//   paused or cut-off primary: calls wait or fail, copies stop answering once their leases run out.
//   Not tolerated: a crashed primary (its object is the only authoritative copy; calls fail from
//   then on), clock changes on the primary or a caching node (a lease is a span of local time),
//   duplicated requests (the primary is not replicated).
// Config: leaseMs, ackTimeoutMs, maxCaches.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (consistent_caching() in consistent_caching.cc), the one source:
//   `amino-ctl dms ConsistentCaching` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor consistent_caching();

}  // namespace amino::dms
