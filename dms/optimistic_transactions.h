// OptimisticTransactions — optimistic concurrency control on a private copy.
// Guarantee: serializable transactions: begin fetches a copy of the object with its version; the
//   transaction's calls run on that copy on the client; commit installs the copy only if the
//   object's version is still the one the copy was taken at (then bumps it), else the transaction
//   aborts (kAborted) and the client may retry it. Calls outside a transaction go to the server.
// Tolerates: conflicting writers (the later commit aborts); server loss or partition during a
//   transaction (calls keep running on the copy; the commit then fails and nothing is installed
//   unless its request arrived). Not: the loss of the server's object.
// Config: startMethod, commitMethod, rollbackMethod.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (optimistic_transactions() in optimistic_transactions.cc), the
//   one source: `amino-ctl dms OptimisticTransactions` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor optimistic_transactions();

}  // namespace amino::dms
