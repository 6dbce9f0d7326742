// Registration of the transaction DMs (LockingTransactions, OptimisticTransactions,
// DurableTransactions), their category and the chains they cannot work in.
#include <string>

#include "dms/all.h"
#include "dms/durable_transactions.h"
#include "dms/locking_transactions.h"
#include "dms/optimistic_transactions.h"

namespace amino::dms {

namespace {

constexpr const char* kTransactionDms[] = {"LockingTransactions", "OptimisticTransactions", "DurableTransactions"};
constexpr const char* kLockBased[] = {"LockingTransactions", "DurableTransactions"};
constexpr const char* kRsms[] = {"ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P"};

void forbid_transaction_pairs(DmRegistry& r) {
  for (const char* tx : kTransactionDms) {
    // Caches answer calls from a copy on the client: the transaction's server part never sees them.
    for (const char* cache : {"Immutable", "LeaseCaching", "WriteThroughCaching", "ExplicitCaching", "ConsistentCaching"}) {
      r.forbid(cache, tx,
               "the cache answers calls from its own copy on the client, outside the transaction: those calls "
               "would be neither isolated nor rolled back");
      r.forbid(tx, cache,
               "the cache would answer a transaction's calls from its copy on the client, never reaching the "
               "transaction's server part (the lock or version next to the object)");
    }
    // The offloaders run each call on one of two replicas and move state between them outside calls.
    for (const char* off : {"ExplicitCodeOffloading", "CodeOffloading"}) {
      r.forbid(off, tx,
               "the offloading DM sends each call to the device or the cloud replica, each with its own transaction "
               "state, and copies object state between them outside any transaction");
      r.forbid(tx, off,
               "the offloading DM would run a transaction's calls on either of two replicas, each with its own "
               "transaction server part: the transaction would be split between them");
    }
    // A retried control call whose first attempt was applied gets a wrong answer.
    r.forbid("AtLeastOnceRPC", tx,
             "AtLeastOnceRPC re-sends a commit whose reply was lost; the transaction is over by then, so the retry "
             "fails and a committed transaction is reported as aborted (and a re-sent begin finds one open)");
    r.forbid(tx, "AtLeastOnceRPC",
             "AtLeastOnceRPC would re-send a commit whose reply was lost; the retry fails because the transaction "
             "is over, so a committed transaction is reported as aborted");
    // Rollback and commit change the object directly, behind a Raft log's back.
    for (const char* rsm : kRsms) {
      r.forbid(rsm, tx,
               "the transaction DM under each Raft member restores or installs object state directly (rollback, "
               "optimistic commit), bypassing the Raft log: the members would diverge");
    }
  }
  for (const char* tx : kLockBased) {
    for (const char* rsm : kRsms) {
      r.forbid(tx, rsm,
               "the lock's waits and lease expiries are not a function of the Raft log: replicas would block while "
               "applying it and roll transactions back at different times, diverging");
    }
    r.forbid(tx, "SerializableRPC",
             "SerializableRPC's per-call lock, taken first, would be held by a call waiting for the transaction's "
             "lock, so the transaction's own next call could not get in (deadlock until lockTimeoutMs)");
  }
  for (const char* tx : kTransactionDms) {
    // A DHT splits the object into shards, each with its own transaction state.
    r.forbid("DHT", tx,
             "the DHT routes each call by its key to one shard, each with its own transaction state: a "
             "transaction's begin and commit and its calls on different keys would reach different shards");
    r.forbid(tx, "DHT",
             "the DHT would route the transaction's internal calls (begin, commit, the wrapped calls) by their "
             "first argument to arbitrary shards, each with its own transaction server part");
    // Checkpoints are taken after calls, outside the transaction's view of what is committed.
    for (const char* ckpt : {"ExplicitCheckpoint", "PeriodicCheckpoint", "DurableSerializableRPC"}) {
      const std::string why =
          std::string(tx) == "DurableTransactions"
              ? "both restore the object from their own durable record after a restart (the last commit, the "
                "checkpoint), so it would come back from two different points"
              : "a checkpoint taken after a call can hold a transaction's uncommitted writes (or, optimistic, "
                "outlive the version commits are validated against), so a restart would bring back part of a "
                "transaction or validate against the wrong state; DurableTransactions persists commits instead";
      r.forbid(ckpt, tx, why);
      r.forbid(tx, ckpt, why);
    }
  }
  for (const char* rsm : kRsms) {
    r.forbid("OptimisticTransactions", rsm,
             "the version commits are validated against lives in the DM's server part, outside the object state "
             "that ConsensusRSM's snapshots and recovery carry: a member restored from a snapshot would validate "
             "against a wrong version");
  }
}

}  // namespace

void register_transactions(DmRegistry& registry) {
  registry.add(locking_transactions());
  registry.add(optimistic_transactions());
  registry.add(durable_transactions());
  // Shared with TwoPhaseCommit (register_amino_run.cc); described here, once.
  registry.describe_category("transactions",
                             "each runs a transaction's calls under its own locks and undo state; one inside the "
                             "other would nest transactions neither knows about");
  forbid_transaction_pairs(registry);
}

}  // namespace amino::dms
