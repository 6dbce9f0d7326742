// WriteThroughCaching — writes serialized at the server, (possibly stale) reads from a local copy.
// Guarantee: writes go to the server and refresh this client's copy (it reads its own writes);
//   reads use the copy while it is younger than refreshMs.
// Tolerates: server loss or partition for reads (the last copy answers); writes need the server.
// Config: refreshMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (write_through_caching() in write_through_caching.cc), the one
//   source: `amino-ctl dms WriteThroughCaching` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor write_through_caching();

}  // namespace amino::dms
