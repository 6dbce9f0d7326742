// LockingTransactions — multi-call transactions under a lock on the object, with rollback.
// Guarantee: serializable transactions: between an endpoint's startMethod and its commitMethod or
//   rollbackMethod, its calls run with the object locked to it; other endpoints' calls and
//   transactions wait (bounded: kUnavailable); rollback restores the object as it was at begin.
//   Calls outside a transaction take the lock for one call each.
// Tolerates: a client that crashes or goes silent mid-transaction: its lease runs out, its writes
//   are rolled back and the lock is released. Not: the loss of the server (the object is in memory).
// Config: startMethod, commitMethod, rollbackMethod, leaseMs, lockTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (locking_transactions() in locking_transactions.cc), the one
//   source: `amino-ctl dms LockingTransactions` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor locking_transactions();

}  // namespace amino::dms
