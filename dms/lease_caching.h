// LeaseCaching — the paper's LeaseCaching (Amino.Run CacheLeasePolicy): exclusive leases with expiry.
// Guarantee: a client runs calls (reads and writes) on a local copy only while it holds the
//   server's exclusive lease, so at any time at most one client's copy can change the object:
//   - The server grants a lease (token, leaseMs) with the object's current state; the holder's
//     local expiry is counted from when it sent the request, so it always ends before the
//     server's.
//   - The holder writes its copy back when it renews (a call or its maintenance timer finds less
//     than renewMarginMs left) and when it releases the lease (idle for idleReleaseMs at a
//     maintenance point). An idle holder thus frees the object within about one lease period.
//   - Other clients wait (polling with backoff) up to maxWaitMs within their call's deadline, then
//     get kUnavailable.
//   - A lease that expires is free again: the server's object is the last state written back.
// Tolerates: a lease holder that crashes or is cut off — others proceed after expiry with the
//   last written-back state. The writes it made since its last write-back are lost (even though
//   those calls returned success to it); it discards its copy once its lease lapses.
// Methods run on the copy run on the client's node: runtime() is the client's kernel.
// Config keys:
//   leaseMs       (int, 2000)  lease duration
//   renewMarginMs (int, 300)   renew (and write back) when less than this is left
//   idleReleaseMs (int, 500)   release at the next maintenance point after this long unused
//   maxWaitMs     (int, 5000)  how long a call waits for another client's lease to end
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor lease_caching();

}  // namespace amino::dms
