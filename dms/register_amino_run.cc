// Registration of Amino.Run's own DMs (DHT, TwoPhaseCommit) and their rules: which chains with
// them cannot work, and why (reference §2.2 lists Amino.Run's broken ones: Consensus + DHT,
// TwoPCCoordinator + most DMs).
#include <string>

#include "dms/all.h"
#include "dms/dht.h"
#include "dms/two_phase_commit.h"

namespace amino::dms {

namespace {

const char* const kReplication[] = {"ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P"};
const char* const kCaches[] = {"Immutable", "LeaseCaching", "WriteThroughCaching", "ExplicitCaching", "ConsistentCaching"};
const char* const kOffloaders[] = {"ExplicitCodeOffloading", "CodeOffloading"};

// Outside a DHT each replica of the outer DM is a whole DHT group: several shards, each its own
// physical stack holding part of the keys.
void forbid_around_dht(DmRegistry& r) {
  for (const char* rsm : kReplication) {
    r.forbid(rsm, "DHT",
             "each Raft member would be a DHT group of several shards, every shard's stack running its own Raft "
             "node under the member's one replica id (Amino.Run #618); put DHT outside ConsensusRSM for "
             "replicated shards");
  }
  for (const char* cache : kCaches) {
    r.forbid(cache, "DHT",
             "the cache's local copy would be fetched from one shard's stack, so it would hold that shard's keys "
             "only and answer every other key wrongly");
  }
  for (const char* off : kOffloaders) {
    r.forbid(off, "DHT",
             "its state transfers between device and cloud would copy one shard's stack as if it were the whole "
             "object");
  }
  for (const char* copier : {"LoadBalancedMasterSlave", "LoadBalancedFrontEnd", "ScaleUpFrontEnd"}) {
    r.forbid(copier, "DHT",
             "it makes and refreshes its replicas by copying one replica's state, which outside a DHT is one "
             "shard's stack: the copy would hold that shard's keys only; put DHT outside it (each shard its own "
             "group)");
  }
  r.forbid("TwoPhaseCommit", "DHT",
           "the DHT would route the transaction's prepare and commit messages by their arguments to a single "
           "shard, leaving the other shards' parts of the transaction undecided; put DHT outside TwoPhaseCommit "
           "(each shard a cohort)");
}

// TwoPhaseCommit keeps a transaction's tentative state in the object itself, under its lock, and
// persists it on its node: anything that copies object state outside calls, or replays calls on
// other replicas, bypasses that.
void forbid_with_two_phase_commit(DmRegistry& r) {
  for (const char* rsm : kReplication) {
    r.forbid("TwoPhaseCommit", rsm,
             "the cohort's lock waits, idle aborts and undo images would run inside Raft's apply on each member "
             "at different times, so the members would diverge");
    r.forbid(rsm, "TwoPhaseCommit",
             "an abort would restore the undo image on the leader's object only, behind the Raft log's back, so "
             "the members would diverge");
  }
  for (const char* cache : kCaches) {
    if (std::string(cache) == "Immutable") continue;  // no writes, so no transaction changes anything
    r.forbid(cache, "TwoPhaseCommit",
             "the cache answers calls from a copy of the object taken outside the cohort's lock: it would skip "
             "transactions and show their uncommitted state");
    r.forbid("TwoPhaseCommit", cache,
             "the cache copies the object's state outside the cohort's lock, so other clients would read a "
             "transaction's uncommitted state (and a lease holder would run the transaction's calls on its own "
             "copy)");
  }
  r.forbid("AtLeastOnceRPC", "TwoPhaseCommit",
           "AtLeastOnceRPC would re-send a commitTransaction that aborted (a system error); the transaction is over "
           "by then, so the retry reports 'no open transaction' instead of the abort");
  for (const char* off : kOffloaders) {
    r.forbid(off, "TwoPhaseCommit",
             "its device/cloud state transfers would carry a transaction's uncommitted state past the cohort's "
             "lock");
    r.forbid("TwoPhaseCommit", off,
             "its device/cloud state transfers would carry a transaction's uncommitted state past the cohort's "
             "lock");
  }
}

}  // namespace

void register_amino_run(DmRegistry& registry) {
  registry.add(dht());
  registry.add(two_phase_commit());
  forbid_around_dht(registry);
  forbid_with_two_phase_commit(registry);
}

}  // namespace amino::dms
