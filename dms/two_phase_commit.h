// TwoPhaseCommit — Amino.Run's 2PC: a transaction spanning several microservices, each one whose
//   spec has this DM a cohort, coordinated by the client node that runs the transaction.
// Guarantee: between startTransaction and commitTransaction (method names configurable) every call
//   the client node makes to a TwoPhaseCommit microservice belongs to the transaction: it is tagged
//   with the transaction id and a per-cohort sequence number, and runs at the cohort on the real
//   object under the cohort's exclusive lock (held until the transaction ends; an undo image taken
//   before the first call). commitTransaction runs two-phase commit: the coordinator logs the
//   cohorts (Env::storage(), synced), asks each to prepare (a cohort votes yes only if it ran every
//   call of the transaction and has synced its prepared state), logs the decision (synced) before
//   any cohort is told to commit, then delivers it until every cohort acknowledged. Atomic: all
//   cohorts commit or none does; serializable: strict two-phase locking (one lock per cohort).
//   Calls outside a transaction run under the same lock, each committed (synced) on its own.
// Where the coordinator lives, and why: on the client node, in its TwoPhaseCommit client parts (one
//   per cohort microservice, sharing the node's open transaction). Only the client knows which
//   microservices a transaction touched, and only client parts can reach a cohort's replica (a
//   server part reaches its own group's peers only, a group its own replicas), so a coordinator
//   elsewhere would need a channel the DM API does not have. Recovery is therefore driven by the
//   coordinator: after its node restarts with its storage, each TwoPhaseCommit client part created
//   there (the application acquiring the cohort again) finds the logged transactions its cohort
//   takes part in and delivers their outcome: commit if the decision was logged, abort otherwise
//   (presumed abort). A prepared cohort is in doubt until then: it holds its lock and refuses other
//   transactions (2PC blocks; that is the price of atomicity without a replicated coordinator).
// Tolerates: coordinator (client node) crash at any step, restarted with its storage; cohort crash
//   at any step, restarted with its storage (the cohort is a durable DM: committed state and prepared
//   transactions are synced to its node's storage and recovered by on_create); message loss, delay,
//   partitions (calls fail or time out; decisions are re-delivered). A client that dies before
//   commit and never returns: its cohorts abort the unprepared transaction after txnTimeoutMs idle.
//   Not tolerated: a coordinator node that never returns with its storage (its prepared cohorts
//   stay in doubt), loss of a cohort's storage (committed transactions lost).
// Config: startMethod, commitMethod, rollbackMethod, lockTimeoutMs, txnTimeoutMs, retryMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (two_phase_commit() in two_phase_commit.cc), the one source:
//   `amino-ctl dms TwoPhaseCommit` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor two_phase_commit();

}  // namespace amino::dms
