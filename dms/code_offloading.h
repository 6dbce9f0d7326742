// CodeOffloading — per call, run on the device or on a cloud replica, whichever measures faster.
// Guarantee: per method, the side with the lower EWMA latency runs the call (the slower side is
//   probed now and then); the device replica is the authority on the state and is current whenever
//   a call has returned.
// Tolerates: loss or partition of the cloud replica (calls fall back to the device); not the
//   device's loss.
// Config: cloudLabelKey, cloudLabelValue, cloudRetryMs, syncTimeoutMs, ewmaAlpha, probeEvery,
//   probeIntervalMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (code_offloading() in code_offloading.cc), the one source:
//   `amino-ctl dms CodeOffloading` and docs/dm-catalogue.md show it.
// The placement and state sync both offloading DMs share are in dms/support.h (offloading::) and
//   support_offloading.cc; this file holds the side choice.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor code_offloading();

}  // namespace amino::dms
