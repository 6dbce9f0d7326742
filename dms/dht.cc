#include "dms/dht.h"

#include <algorithm>
#include <cstring>

#include "dms/support.h"

namespace amino::dms {

// ---- Keys, hash, ring ------------------------------------------------------------------------------

namespace {

void put_u64(std::string& out, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

void append_key(std::string& out, const Value& v) {
  out.push_back(static_cast<char>(v.kind()));
  switch (v.kind()) {
    case Value::Kind::kNull:
      break;
    case Value::Kind::kBool:
      out.push_back(v.as_bool() ? 1 : 0);
      break;
    case Value::Kind::kInt:
      put_u64(out, static_cast<std::uint64_t>(v.as_int()));
      break;
    case Value::Kind::kDouble: {
      const double d = v.as<double>();
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      break;
    }
    case Value::Kind::kString:
      put_u64(out, v.as_string().size());
      out += v.as_string();
      break;
    case Value::Kind::kBytes:
      put_u64(out, v.as<Bytes>().data.size());
      out += v.as<Bytes>().data;
      break;
    case Value::Kind::kList:
      put_u64(out, v.as_list().size());
      for (const Value& e : v.as_list()) append_key(out, e);
      break;
    case Value::Kind::kMap:
      put_u64(out, v.as_map().size());
      for (const auto& [k, e] : v.as_map()) {
        put_u64(out, k.size());
        out += k;
        append_key(out, e);
      }
      break;
  }
}

}  // namespace

std::string dht_key_bytes(const Value& key) {
  std::string out;
  append_key(out, key);
  return out;
}

std::uint64_t dht_hash(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  // splitmix64 finalizer
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

DhtRing::DhtRing(int shards, int vnodes_per_shard) : shards_(std::max(1, shards)) {
  const int vnodes = std::max(1, vnodes_per_shard);
  points_.reserve(static_cast<std::size_t>(shards_) * static_cast<std::size_t>(vnodes));
  for (int i = 0; i < shards_; ++i) {
    for (int v = 0; v < vnodes; ++v) {
      points_.emplace_back(dht_hash("amino.dht/" + std::to_string(i) + "/" + std::to_string(v)), i);
    }
  }
  std::sort(points_.begin(), points_.end());
}

int DhtRing::shard_of(const Value& key) const {
  const std::uint64_t h = dht_hash(dht_key_bytes(key));
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, 0));
  if (it == points_.end()) it = points_.begin();
  return it->second;
}

namespace {

// Who talks to whom: client -> group (notify_group) {op: shards} -> {shards: [ref or null, ...]},
// one entry per shard index; null while that shard has no live replica.

// ---- Client ---------------------------------------------------------------------------------------

class DhtClient : public ClientDM {
 public:
  void on_create(ClientContext& ctx) override {
    const DmConfig& c = ctx.config();
    ring_ = DhtRing(static_cast<int>(c.at("shards").as_int()), static_cast<int>(c.at("vnodesPerShard").as_int()));
    key_arg_ = static_cast<std::size_t>(c.at("keyArg").as_int());
  }

  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (inv.args.size() <= key_arg_) {
      return Reply::error(Code::kBadArguments, "DHT: " + inv.method + " has no argument #" + std::to_string(key_arg_) +
                                                   " (keyArg) to choose a shard by; it takes " +
                                                   std::to_string(inv.args.size()));
    }
    const int shard = ring_.shard_of(inv.args[key_arg_]);
    ReplicaRef to = shard_ref(ctx, shard, false);
    if (!to.valid()) to = shard_ref(ctx, shard, true);
    if (!to.valid()) {
      return Reply::error(Code::kUnavailable, "DHT: shard " + std::to_string(shard) + " of " + ctx.microservice() +
                                                  " has no live replica (its keys are unavailable)");
    }
    Reply r = ctx.forward(to, inv);
    // The shard may be gone (or moved): re-read the map on the next call.
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) shards_.clear();
    return r;
  }

 private:
  ReplicaRef shard_ref(ClientContext& ctx, int shard, bool refresh) {
    if (refresh || shards_.empty()) {
      // Re-read the map at most every 100 ms: a lost shard must not turn every call into a group call.
      if (!shards_.empty() && ctx.env().now() - read_at_ < 100 * kMillisecond) return {};
      Reply r = ctx.notify_group(ValueMap{{"op", "shards"}});
      read_at_ = ctx.env().now();
      if (!r.ok()) return {};
      const Value* list = r.value.find("shards");
      if (list == nullptr || !list->is<ValueList>() || list->as_list().size() != static_cast<std::size_t>(ring_.shards())) {
        return {};
      }
      shards_.clear();
      for (const Value& v : list->as_list()) shards_.push_back(v.is_null() ? ReplicaRef{} : ReplicaRef::from_value(v));
    }
    return shards_.at(static_cast<std::size_t>(shard));
  }

  DhtRing ring_{1, 1};
  std::size_t key_arg_ = 0;
  std::vector<ReplicaRef> shards_;  // by shard index; empty until read from the group
  Time read_at_ = 0;
};

// ---- Server: calls pass through (the client chose the shard) ----------------------------------------

class DhtServer : public ServerDM {};

// ---- Group ----------------------------------------------------------------------------------------

class DhtGroup : public GroupDM {
 public:
  // The first replica is shard 0; the others are copies of it made before any call can reach the
  // group (the microservice's create returns after this), so each starts from the initial state.
  // replicate() with no node spreads them over distinct nodes while there are enough.
  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    const auto n = static_cast<std::size_t>(ctx.config().at("shards").as_int());
    shard_rids_.assign(n, std::string());
    shard_rids_[0] = first.rid;
    for (std::size_t i = 1; i < n; ++i) {
      ReplicaRef made = ctx.replicate(first, {});
      if (!made.valid()) {
        ctx.env().log(LogLevel::kError, "DHT: could not create shard " + std::to_string(i) + " of group " +
                                            ctx.group_id() + ": its keys will be unavailable");
        continue;
      }
      shard_rids_[i] = made.rid;
    }
  }

  // Anyone asking for "a replica" (not the DHT client) gets shard 0.
  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId&) override { return live(ctx, 0); }

  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    for (std::size_t i = 0; i < shard_rids_.size(); ++i) {
      if (shard_rids_[i] == dead.rid) {
        ctx.env().log(LogLevel::kError, "DHT: shard " + std::to_string(i) + " of group " + ctx.group_id() +
                                            " lost its last replica (" + dead.rid + "); its keys are unavailable");
      }
    }
  }

  // A shard that was only suspected keeps its keys: it is re-admitted (it is still in the map).
  bool on_rejoin(GroupContext&, const ReplicaRef& back) override {
    return std::find(shard_rids_.begin(), shard_rids_.end(), back.rid) != shard_rids_.end();
  }

  Value on_notification(GroupContext& ctx, const Value& msg) override {
    if (op_of(msg) != "shards") return ValueMap{{"error", "DHT: unknown request " + op_of(msg)}};
    ValueList out;
    for (std::size_t i = 0; i < shard_rids_.size(); ++i) {
      ReplicaRef r = live(ctx, i);
      out.push_back(r.valid() ? r.to_value() : Value());
    }
    return ValueMap{{"shards", std::move(out)}};
  }

 private:
  ReplicaRef live(GroupContext& ctx, std::size_t shard) const {
    if (shard >= shard_rids_.size() || shard_rids_[shard].empty()) return {};
    for (const auto& r : ctx.replicas()) {
      if (r.rid == shard_rids_[shard]) return r;
    }
    return {};
  }

  std::vector<std::string> shard_rids_;  // by shard index; empty: never created
};

}  // namespace

DmDescriptor dht() {
  using K = Value::Kind;
  DmDescriptor d;
  d.name = "DHT";
  d.category = "";
  d.summary = "state sharded over replicas by consistent hashing (virtual nodes) of a declared key argument";
  d.paper = "Amino.Run DHTPolicy";
  d.source = "dms/dht.h";
  d.guarantee =
      "Every call is routed to the one shard that owns its key, argument #keyArg of the call: the key's canonical "
      "Value encoding (kind tag + content; never the object's printed form) is hashed with FNV-1a 64 and the "
      "splitmix64 finalizer, which are identical in every process, build and platform, and placed on a ring of "
      "shards x vnodesPerShard points that depends only on the config. Each shard is a replica of the DHT group, "
      "created from the object's initial state at creation, and holds only the keys routed to it. All calls on "
      "one key reach one shard, so per key the DHT is as consistent as the shard's inner chain: DHT over "
      "ConsensusRSM (replicated shards) is linearizable per key. Calls without argument #keyArg are refused "
      "with kBadArguments.";
  d.tolerates =
      "Whatever the inner chain of each shard tolerates: over ConsensusRSM, the crash of a minority of each "
      "shard's replicas, message loss and partitions. Alone (unreplicated shards) nothing: a shard whose node "
      "is lost is not rebuilt, because a fresh copy would start from the initial state and silently lose the "
      "shard's keys; calls for its keys fail with kUnavailable, the other shards keep working. A shard that was "
      "only suspected (its node came back with it) is re-admitted with its keys.";
  d.caveats =
      "The shard map is fixed at creation: shards are neither added nor removed, so no key ever moves. Keys of "
      "different Value kinds are different keys (1 and 1.0 land on different shards). A method that spans keys "
      "(a scan, a total) sees one shard only if it has a key argument, and is refused otherwise: give it a key "
      "or keep such state out of the sharded object. Shards are spread over distinct nodes while there are "
      "enough nodes matching the spec's selector.";
  d.config = {
      ConfigKey{"shards", K::kInt, Value(3), "number of shards (fixed at creation)", Value(1), Value(64)},
      ConfigKey{"vnodesPerShard", K::kInt, Value(64), "points of each shard on the hash ring (more: more even spread)",
                Value(1), Value(1024)},
      ConfigKey{"keyArg", K::kInt, Value(0), "index of the argument of each call that is its key (0 = first)",
                Value(0), Value(63)},
  };
  d.make_client = [] { return std::make_unique<DhtClient>(); };
  d.make_server = [] { return std::make_unique<DhtServer>(); };
  d.make_group = [] { return std::make_unique<DhtGroup>(); };
  return d;
}

}  // namespace amino::dms
