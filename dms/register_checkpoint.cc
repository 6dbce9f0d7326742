// Registration of the checkpointing DMs (ExplicitCheckpoint, PeriodicCheckpoint,
// DurableSerializableRPC), their category and rules.
#include "dms/all.h"
#include "dms/durable_serializable_rpc.h"
#include "dms/explicit_checkpoint.h"
#include "dms/periodic_checkpoint.h"

namespace amino::dms {

void register_checkpoint(DmRegistry& registry) {
  registry.add(explicit_checkpoint());
  registry.add(periodic_checkpoint());
  registry.add(durable_serializable_rpc());
  registry.describe_category("checkpointing",
                             "each keeps its own checkpoint of the object in storage and restores it after a "
                             "restart; two would restore the object from two different points");
  for (const char* dm : {"ExplicitCheckpoint", "PeriodicCheckpoint", "DurableSerializableRPC"}) {
    const char* reason =
        "both restore the object from their own durable record when a kernel server restarts (the checkpoint, "
        "Raft's snapshot and log), so the object would be restored twice from two different points; "
        "ConsensusRSM's log already makes every committed call durable (Amino.Run: these pairs time out)";
    for (const char* rsm : {"ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P"}) {
      registry.forbid(rsm, dm, reason);
      registry.forbid(dm, rsm, reason);
    }
  }
}

}  // namespace amino::dms
