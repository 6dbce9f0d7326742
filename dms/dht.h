// DHT — Amino.Run's DHTPolicy: the object's state sharded over `shards` replicas by consistent
//   hashing (virtual nodes) of a declared key argument of each call.
// Guarantee: every call goes to the shard that owns its key (argument #keyArg): the key's canonical
//   Value encoding (dht_key_bytes: kind tag + content, never an object's printed form) hashed with
//   FNV-1a 64 + the splitmix64 finalizer (dht_hash: identical across processes, builds and
//   platforms), placed on a ring of shards × vnodesPerShard points that depends only on the config.
//   Each shard is a replica of the DHT group started from the object's initial state, holding only
//   the keys routed to it; one key's calls always reach one shard, so per key the DHT is exactly as
//   consistent as the shard's inner chain: over ConsensusRSM (replicated shards) each key is
//   linearizable. A call without argument #keyArg is refused with kBadArguments (no broadcast:
//   combining several shards' answers is the application's business, not a DM's).
// Tolerates: what the inner chain of each shard tolerates (DHT over ConsensusRSM: a minority of each
//   shard's replicas). A shard whose every replica is lost is not rebuilt (a fresh copy would start
//   empty and silently lose its keys): calls for its keys fail with kUnavailable from then on, the
//   other shards keep working. The shard map is fixed at creation: no shard is added or removed,
//   so no key ever moves (nothing to lose in a resharding).
// Config: shards, vnodesPerShard, keyArg.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (dht() in dht.cc), the one source: `amino-ctl dms DHT` and
//   docs/dm-catalogue.md show it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor dht();

// The canonical bytes of a key: a kind tag, then ints as 8 bytes little-endian, doubles as their
// IEEE-754 bits, strings/bytes as 8-byte length + bytes, lists as count + elements, maps as count +
// (key, value) in key order. Values of different kinds are different keys (1 and 1.0 differ).
std::string dht_key_bytes(const Value& key);
// FNV-1a 64 of `bytes`, then the splitmix64 finalizer (FNV alone clusters similar short inputs).
std::uint64_t dht_hash(const std::string& bytes);

// The ring: shards × vnodes points, point v of shard i at dht_hash("amino.dht/<i>/<v>").
class DhtRing {
 public:
  DhtRing(int shards, int vnodes_per_shard);
  // The shard owning `key`: the first point clockwise from its hash (wrapping around).
  int shard_of(const Value& key) const;
  int shards() const { return shards_; }

 private:
  int shards_;
  std::vector<std::pair<std::uint64_t, int>> points_;  // sorted by (hash, shard)
};

}  // namespace amino::dms
