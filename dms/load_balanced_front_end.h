// LoadBalancedFrontEnd — the paper's LoadBalancedFrontEnd (Amino.Run LoadBalancedFrontendPolicy):
//   a fixed number of replicas; clients spread their calls over them round-robin.
// Guarantee: every call runs on exactly one replica, chosen round-robin per client; a replica with
//   more than maxConcurrent calls in flight (or over maxCallsPerSecond) refuses the call with
//   kOverloaded and the client tries the next one; when all refuse, the call fails with kOverloaded.
//   No consistency between replicas: they are independent copies (stateless or read-mostly services).
// Tolerates: overload; a crashed replica's node (its calls fail or move on; the group re-creates it).
// Config: replicas, maxConcurrent, maxCallsPerSecond, refreshMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (load_balanced_front_end() in load_balanced_front_end.cc), the one
//   source: `amino-ctl dms LoadBalancedFrontEnd` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor load_balanced_front_end();

}  // namespace amino::dms
