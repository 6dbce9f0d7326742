// ScaleUpFrontEnd — the paper's ScaleUpFrontEnd (Amino.Run ScaleUpFrontendPolicy): a load-balanced
//   front end whose group adds replicas under load and removes them when idle.
// Guarantee: as LoadBalancedFrontEnd (round-robin, overload rejection, no consistency between the
//   independent replicas), with between minReplicas and maxReplicas replicas: one more when the
//   replicas' reported load is high or they rejected calls, one fewer when all are idle, each
//   change at most once per cool-down.
// Tolerates: overload (by adding replicas, and rejecting what they cannot take); a crashed replica's
//   node (the group tops up to minReplicas).
// Config: minReplicas, maxReplicas, maxConcurrent, maxCallsPerSecond, refreshMs, reportMs,
//   scaleUpAt, scaleDownAt, upCooldownMs, downCooldownMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (scale_up_front_end() in scale_up_front_end.cc), the one source:
//   `amino-ctl dms ScaleUpFrontEnd` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor scale_up_front_end();

}  // namespace amino::dms
