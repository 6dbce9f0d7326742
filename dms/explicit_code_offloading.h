// ExplicitCodeOffloading — the application (or its spec) says which methods run in the cloud.
// Placement and consistency: as CodeOffloading (see dms/code_offloading.h): a device replica on
//   the creator's node, a cloud replica on a node labelled cloudLabelKey=cloudLabelValue, the
//   device authoritative, state pushed to the cloud before an offloaded call and pulled back after
//   an offloaded mutating call, fallback to the device when the cloud fails.
// Guarantee: a call runs on the cloud replica exactly when its method is marked for offloading and
//   the cloud replica is usable; otherwise on the device replica.
//   - Methods are marked in the spec (offloadMethods) or at run time per client by calling the
//     method named controlMethod (default "setOffloaded") with [method name, bool]; the name "*"
//     stands for every method.
//   - The control call is intercepted and never reaches the object, but the class must declare it
//     (the kernel's stub rejects undeclared methods).
// Tolerates: loss or partition of the cloud replica (offloaded calls run on the device meanwhile).
// Config keys: cloudLabelKey, cloudLabelValue, cloudRetryMs, syncTimeoutMs (as CodeOffloading), and
//   offloadMethods (list of strings, [])  methods to run in the cloud
//   controlMethod  (string, "setOffloaded") the intercepted run-time switch
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_code_offloading();

}  // namespace amino::dms
