// ExplicitCaching — the application pulls a local copy, works on it, and pushes it back.
// Guarantee: a call to pullMethod fetches the object's state into a copy on this client; every call
//   until pushMethod runs on that copy; pushMethod writes a changed copy back to the server (last push
//   wins; with rejectStalePush, a push is refused when the server's object changed since the pull)
//   and drops it. Without a copy, calls go to the server.
// Tolerates: server loss or partition while a copy is held (calls keep running on it; a failed push
//   keeps the copy, so it can be pushed again). Concurrent writers: see the descriptor.
// Config: pullMethod, pushMethod, rejectStalePush.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (explicit_caching() in explicit_caching.cc), the one source:
//   `amino-ctl dms ExplicitCaching` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor explicit_caching();

}  // namespace amino::dms
