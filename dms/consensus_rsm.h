// ConsensusRSM — a replicated state machine on Raft (paper DM table: ConsensusRSM-Cluster/-Geo/-P2P;
//   Amino.Run's ConsensusRSM, plus persistence, snapshots and membership change, which it lacked).
// Guarantee: with 2f+1 voting replicas every call, reads included, is linearizable (commit before
//   reply) and survives f replica failures; a retried call is applied at most once. Option
//   localReads trades linearizable reads for local, possibly stale ones.
// Tolerates: crash of any minority of replicas, restart with storage, message
//   loss/duplication/reordering/delay, partitions, lagging replicas; lost replicas are rebuilt by
//   the group. Not: loss of a majority's storage, Byzantine faults.
// Config: replicas, electionTimeoutMinMs, electionTimeoutMaxMs, heartbeatMs, rpcTimeoutMs,
//   snapshotEvery, maxBatch, maxInflight, attemptTimeoutMs, dedupTtlMs, membershipPollMs, localReads,
//   deviceLabel (P2P only).
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (consensus_rsm() in consensus_rsm.cc), the one source:
//   `amino-ctl dms ConsensusRSM[-Cluster|-Geo|-P2P]` and docs/dm-catalogue.md show it.
// Placement: four DM names, one category ("replication"): ConsensusRSM (distinct nodes), -Cluster
//   (one region), -Geo (spread over regions), -P2P (client devices); see the descriptor.
// Call identity: duplicates are recognised by (Invocation::caller, Invocation::call_id), which the
//   kernel carries to the server, keeps stable across retries and unique across client restarts;
//   the server answers within the caller's deadline (also carried by the kernel). The Raft
//   machinery is in dms/raft/.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

enum class RsmPlacement { kAny, kCluster, kGeo, kP2P };

// The DM named ConsensusRSM, ConsensusRSM-Cluster, -Geo or -P2P.
DmDescriptor consensus_rsm(RsmPlacement placement);

}  // namespace amino::dms
