// WriteThroughCaching — writes serialized at the server, (possibly stale) reads from a local copy.
// Guarantee:
//   - Mutating calls are forwarded to the server replica, which orders them; after each one this
//     client refreshes its copy from the server, so it reads its own writes.
//   - Read-only calls run on the local copy, without an RPC, while the copy is younger than
//     refreshMs; an older copy is refreshed first (fetch_state) — so reads may miss other clients'
//     writes for at most refreshMs (refreshMs 0: only this client's own writes refresh it).
// Tolerates: server loss or partition for reads: when a refresh fails the last copy answers
//   (staleness then exceeds refreshMs). Writes need the server.
// Methods run on the copy run on the client's node: runtime() is the client's kernel.
// Config keys: refreshMs (int, 1000) maximum age of the copy that serves reads.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor write_through_caching();

}  // namespace amino::dms
