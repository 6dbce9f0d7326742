// KeepInCloud — keep the object on cloud servers (availability).
// Guarantee: at creation and after each failure, replicas off the cloud are moved to a live kernel
//   server labelled labelKey=labelValue that satisfies the nodeSelector.
// Tolerates: nothing beyond the kernel and the inner DMs (cloud nodes are assumed reliable).
// Config: labelKey, labelValue.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (keep_in_cloud() in keep_in_cloud.cc), the one source:
//   `amino-ctl dms KeepInCloud` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_in_cloud();

}  // namespace amino::dms
