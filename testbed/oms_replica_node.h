// A replicated OMS on the testbed's clusters (InProcCluster, LoopbackCluster; SimCluster has its
// own): how a node of the replica group boots, and which replica serves. A node's incarnation holds
// `faulty` (its Env), `oms_rpc`, `oms` and `replica`; a replica keeps its Raft log in the node's
// storage, so a restart with storage catches up (replicated_oms/oms_replica.h).
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "replicated_oms/oms_replica.h"
#include "runtime/oms.h"

namespace amino::testbed {

// Boots one OMS replica on `life.faulty`; `replica.peers` names every replica as the wire does.
template <typename Incarnation>
void start_oms_replica(Incarnation& life, const DmRegistry& dms, const OmsOptions& oms,
                       const replicated_oms::OmsReplicaOptions& replica) {
  life.oms_rpc = std::make_unique<Rpc>(*life.faulty);
  life.oms = std::make_unique<Oms>(*life.oms_rpc, dms, oms);
  life.replica = std::make_unique<replicated_oms::OmsReplica>(*life.oms_rpc, *life.oms, replica);
  life.replica->start();
  life.oms->start();
}

inline bool is_listed(const std::vector<NodeId>& hosts, const NodeId& host) {
  return std::find(hosts.begin(), hosts.end(), host) != hosts.end();
}

}  // namespace amino::testbed
