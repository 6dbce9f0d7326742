// The DM library: registers every built-in DM and the compatibility table.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

void register_all(DmRegistry& registry);
// A registry with every built-in DM (built once per process).
const DmRegistry& builtin();

// Parts of register_all, one per family (each in its own file).
void register_library(DmRegistry& registry);      // primitives, caching, serializability, mobility
void register_replication(DmRegistry& registry);  // ConsensusRSM variants
void register_amino_run(DmRegistry& registry);    // Amino.Run's own: DHT, TwoPhaseCommit
void register_transactions(DmRegistry& registry);  // Locking, Optimistic and Durable transactions
void register_checkpoint(DmRegistry& registry);   // ExplicitCheckpoint, PeriodicCheckpoint, DurableSerializableRPC

}  // namespace amino::dms
