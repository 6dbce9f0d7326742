// DurableTransactions — LockingTransactions whose commits are durable: the object reverts to its
// last commit after a crash and restart of its node.
// Guarantee: serializable transactions as LockingTransactions; each commit (and each mutating call
//   made outside a transaction) is written to Env::storage() and synced before it returns.
// Tolerates: a crash and restart of the server's node with its storage (the object comes back as
//   of the last commit; uncommitted writes are gone), including a crash in the middle of writing a
//   commit (torn or lost unsynced writes); a client crash (lease, as LockingTransactions).
// Config: startMethod, commitMethod, rollbackMethod, leaseMs, lockTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (durable_transactions() in durable_transactions.cc), the one
//   source: `amino-ctl dms DurableTransactions` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor durable_transactions();

}  // namespace amino::dms
