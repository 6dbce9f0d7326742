// Registration of the replication DMs (ConsensusRSM variants) and their rules.
#include "dms/all.h"
#include "dms/consensus_rsm.h"

namespace amino::dms {

void register_replication(DmRegistry& registry) {
  registry.add(consensus_rsm(RsmPlacement::kAny));
  registry.add(consensus_rsm(RsmPlacement::kCluster));
  registry.add(consensus_rsm(RsmPlacement::kGeo));
  registry.add(consensus_rsm(RsmPlacement::kP2P));
  registry.describe_category("replication", "a chain holds at most one of them: they would replicate each other's replicas");

  // The offloading DMs move object state between their replicas outside of calls (the device
  // pushes its state to the cloud replica, adopts the cloud's after a call). Inside them, each of
  // those replicas would be a Raft group, and a state installed into one member bypasses the log:
  // the group's members would diverge. Replicate the device object the other way round instead.
  for (const char* offloading : {"CodeOffloading", "ExplicitCodeOffloading"}) {
    for (const char* rsm : {"ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P"}) {
      registry.forbid(offloading, rsm,
                      "its state transfers between device and cloud replicas would bypass the Raft log of an "
                      "inner ConsensusRSM group and make its members diverge");
    }
  }
  // ConsistentCaching installs the primary's state into its cached copies outside of calls. Around
  // a Raft group each copy would be a Raft group of its own, updated through one member behind the
  // log's back; inside one, each Raft member would be a primary with copies of its own, and reads
  // from those copies would skip the leader's ordering. It needs one authoritative primary.
  for (const char* rsm : {"ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P"}) {
    registry.forbid("ConsistentCaching", rsm,
                    "its copies would each be an inner Raft group updated through one member, bypassing the "
                    "log and making the members diverge");
    registry.forbid(rsm, "ConsistentCaching",
                    "every Raft member would be a ConsistentCaching primary with copies of its own, and reads "
                    "from those copies would bypass the Raft leader's ordering");
  }
}

}  // namespace amino::dms
