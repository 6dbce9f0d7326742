// Immutable — efficient access to an object that never changes after construction.
// Guarantee: the first call through a client fetches the object's state from one replica
//   (ClientContext::fetch_state) and builds a local copy; that call and every later read-only
//   call run on the copy with no RPC. Calls to mutating methods are rejected with kAborted (not
//   forwarded: a write would make the copies disagree, which breaks the DM's premise); the object
//   is still built with its constructor arguments at creation.
// Tolerates: loss, partition or migration of every server replica after the fetch. Before the
//   fetch, a failed fetch is reported (retryable code) and the next call asks the group again.
// Methods run on the copy run on the client's node: runtime() is the client's kernel.
// Config keys: none.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor immutable();

}  // namespace amino::dms
