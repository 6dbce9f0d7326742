// ConsensusRSM — a replicated state machine on Raft (paper DM table: ConsensusRSM-Cluster/-Geo/-P2P;
// Amino.Run's ConsensusRSM, plus persistence, snapshots and membership change, which it lacked).
//
// Guarantee: with 2f+1 voting replicas, every call is linearizable and survives up to f replica
//   failures: the leader appends the call to the Raft log, replicates it, and replies only once a
//   majority stored it and the leader applied it in log order (commit before reply). Followers apply
//   the same entries in the same order. Read-only methods go through the log as well, so reads are
//   linearizable too (no stale reads from a deposed leader or a lagging follower) at the cost of one
//   replication round per read.
//   A retried call (same Invocation::caller + call_id) is applied at most once: the reply of
//   every applied call is kept in replicated state (in snapshots, rebuilt by replay) for
//   `dedupTtlMs` of log time, and a duplicate answers with the first execution's reply.
//   A call whose deadline passes returns kTimeout: its outcome is unknown (it may still commit).
//   Option localReads (off by default) trades that for speed: a read-only call is answered by the
//   replica on the caller's own node (when there is one) from the state it has applied so far —
//   no log round, so reads are local but may be stale (sequential per replica, not linearizable;
//   a client may not see its own latest write until its replica applied it). Writes are unchanged.
// Faults tolerated: crash of any minority of replicas (with or without their storage); restart with
//   storage (term, vote, log and snapshot are synced to Env::storage() before votes and
//   acknowledgements; the replica recovers and catches up); message loss, duplication, reordering,
//   delay; network partitions (a minority side cannot commit; its leader steps down within
//   electionTimeoutMaxMs, the majority side elects a new leader); lagging replicas (InstallSnapshot).
//   Lost replicas are rebuilt by the group (on_failure) on a fresh node: the new replica joins as a
//   learner, receives a snapshot, and becomes a voter once caught up (single-server changes, one at a
//   time, each only after the leader committed an entry of its own term). Members that leave the
//   group (dead per the OMS, terminated) are removed the same way. Not tolerated: loss of a majority
//   of replicas' storage (committed calls may be lost), Byzantine faults.
// Placement (separate DM names, category "replication", mutually exclusive):
//   ConsensusRSM          replicas on distinct nodes allowed by the selector
//   ConsensusRSM-Cluster  all replicas in one region: the first replica's
//   ConsensusRSM-Geo      replicas spread over regions (fewest replicas first)
//   ConsensusRSM-P2P      replicas on client devices (nodes matching `deviceLabel`), the nodes that
//                         call the microservice (and its creator) first; the first replica goes
//                         where the spec's nodeSelector puts it, so select devices there as well.
// Config keys (all integers, milliseconds unless said):
//   replicas (3)  electionTimeoutMinMs (300)  electionTimeoutMaxMs (600)  heartbeatMs (50)
//   rpcTimeoutMs (100: one peer message)  snapshotEvery (100 entries)  maxBatch (64 entries)
//   attemptTimeoutMs (400: the client's wait on one replica before trying another)
//   dedupTtlMs (60000)  membershipPollMs (1000)  deviceLabel (P2P only, string, "role=client")
//   localReads (bool, false)
//   Defaults give failover after a leader crash well under 1 s: a follower notices the silence
//   after 300-600 ms, one pre-vote and one vote round follow.
// Call identity: duplicates are recognised by (Invocation::caller, Invocation::call_id), which the
//   kernel carries to the server, keeps stable across retries and unique across client restarts;
//   the server answers within the caller's deadline (also carried by the kernel).
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

enum class RsmPlacement { kAny, kCluster, kGeo, kP2P };

// The DM named ConsensusRSM, ConsensusRSM-Cluster, -Geo or -P2P.
DmDescriptor consensus_rsm(RsmPlacement placement);

}  // namespace amino::dms
