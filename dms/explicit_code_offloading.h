// ExplicitCodeOffloading — the application (or its spec) says which methods run in the cloud.
// Guarantee: a call runs on the cloud replica exactly when its method is marked (offloadMethods, or
//   at run time through controlMethod) and the cloud replica is usable; placement and state sync as
//   CodeOffloading.
// Tolerates: loss or partition of the cloud replica (offloaded calls run on the device meanwhile).
// Config: cloudLabelKey, cloudLabelValue, cloudRetryMs, syncTimeoutMs, offloadMethods,
//   controlMethod.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (explicit_code_offloading() in explicit_code_offloading.cc), the
//   one source: `amino-ctl dms ExplicitCodeOffloading` and docs/dm-catalogue.md show it.
// The placement and state sync both offloading DMs share are in dms/support.h (offloading::) and
//   support_offloading.cc; this file holds the marking of methods.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_code_offloading();

}  // namespace amino::dms
