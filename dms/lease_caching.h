// LeaseCaching — the paper's LeaseCaching (Amino.Run CacheLeasePolicy): exclusive leases with expiry.
// Guarantee: only the holder of the server's exclusive lease runs calls, on its local copy, and
//   writes the copy back on renew and release; others wait up to maxWaitMs.
// Tolerates: a lease holder that crashes or is cut off (its writes since the last write-back are
//   lost).
// Config: leaseMs, renewMarginMs, idleReleaseMs, maxWaitMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (lease_caching() in lease_caching.cc), the one source:
//   `amino-ctl dms LeaseCaching` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor lease_caching();

}  // namespace amino::dms
