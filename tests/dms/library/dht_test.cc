// DHT: consistent hashing of a declared key argument over shards, each a replica of the group.
#include <gtest/gtest.h>

#include <set>

#include "dms/dht.h"
#include "tests/dms/library/dht_apps.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config, const std::string& inner = "", const std::string& args = "[{}]") {
  // Shards on kernel servers, never on "client" (the caller, crashed by no test).
  return "class: Shelf\nargs: " + args + "\nnodeSelector: [{key: region, operator: in, values: [region-1, region-2, region-3, cloud]}]\n" +
         "dmList:\n  - name: DHT\n    config: " + config + "\n" + inner;
}

class DhtCluster : public LibCluster {
 public:
  explicit DhtCluster(int cloud = 0) : LibCluster(cloud) { classes().add<Shelf>("Shelf"); }

  // The state (the "values" map) of every physical replica of `s`, by node.
  std::vector<std::pair<NodeId, ValueMap>> shard_states(const Stub& s) {
    std::vector<std::pair<NodeId, ValueMap>> out;
    for (auto oid : oms().stacks_of(s.id())) {
      const NodeId n = host_of(oid);
      out.emplace_back(n, kernel(n).object(oid)->object().snapshot().at("values").as_map());
    }
    return out;
  }
};

// Expected values computed independently (Python, FNV-1a 64 + splitmix64 over the documented bytes).
TEST(DhtHash, IsTheDocumentedFunctionOfTheKeysCanonicalBytes) {
  EXPECT_EQ(dms::dht_hash(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(dms::dht_hash(dms::dht_key_bytes(Value("a"))), 0x634c709c8212a739ULL);
  EXPECT_EQ(dms::dht_hash(dms::dht_key_bytes(Value(1))), 0x7878e9529d15e750ULL);
  EXPECT_EQ(dms::dht_hash(dms::dht_key_bytes(Value("1"))), 0x24e74a912cfffaeULL);
  // Not the printed form: 1, "1" and 1.0 are different keys.
  EXPECT_NE(dms::dht_key_bytes(Value(1)), dms::dht_key_bytes(Value("1")));
  EXPECT_NE(dms::dht_key_bytes(Value(1)), dms::dht_key_bytes(Value(1.0)));
  EXPECT_NE(dms::dht_key_bytes(Value(ValueList{Value("ab")})), dms::dht_key_bytes(Value(ValueList{Value("a"), Value("b")})));
}

TEST(DhtRing, OwnersAreFixedByTheConfigAlone) {
  const dms::DhtRing ring(3, 64);
  const std::vector<int> by_string = {2, 1, 0, 1, 1, 0, 2, 1, 1, 1, 0, 1};  // keys "k0".."k11" (Python)
  const std::vector<int> by_int = {2, 0, 1, 0, 1, 2, 2, 1, 0, 2, 1, 2};     // keys 0..11
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(ring.shard_of(Value("k" + std::to_string(i))), by_string[i]) << i;
    EXPECT_EQ(ring.shard_of(Value(i)), by_int[i]) << i;
  }
}

TEST(DhtRing, SpreadsKeysEvenlyAndAddingAShardMovesKeysOnlyToIt) {
  const dms::DhtRing three(3, 64), four(4, 64);
  std::vector<int> count(3, 0);
  int moved = 0;
  for (int i = 0; i < 3000; ++i) {
    const Value key("user-" + std::to_string(i));
    const int a = three.shard_of(key), b = four.shard_of(key);
    ++count[static_cast<std::size_t>(a)];
    if (a != b) {
      ++moved;
      EXPECT_EQ(b, 3) << "a key moved between old shards";
    }
  }
  for (int c : count) EXPECT_TRUE(c > 700 && c < 1300) << c;  // 1000 each, give or take
  EXPECT_TRUE(moved > 450 && moved < 1100) << moved;           // about a quarter
}

TEST(Dht, EachShardHoldsOnlyItsOwnKeysAndStartsFromTheInitialState) {
  DhtCluster c;
  Stub s = c.create(spec("{shards: 3}", "", "[{seed: planted}]"));
  const dms::DhtRing ring(3, 64);
  ASSERT_EQ(c.oms().stacks_of(s.id()).size(), 3u);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(c.call("client", s, "put", {Value("k" + std::to_string(i)), Value("v" + std::to_string(i))}).ok());
  }
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(c.call("client", s, "get", {Value("k" + std::to_string(i))}).value.as_string(), "v" + std::to_string(i));
  }
  std::set<NodeId> nodes;
  std::set<std::string> seen;
  std::set<int> owners;
  for (const auto& [node, values] : c.shard_states(s)) {
    nodes.insert(node);
    EXPECT_EQ(values.at("seed").as_string(), "planted") << "a shard did not start from the initial state";
    int owner = -1;
    for (const auto& [k, v] : values) {
      if (k == "seed") continue;
      EXPECT_TRUE(seen.insert(k).second) << k << " is on two shards";
      const int o = ring.shard_of(Value(k));
      if (owner < 0) owner = o;
      EXPECT_EQ(o, owner) << k << " is on the shard of other keys";
    }
    EXPECT_TRUE(owner < 0 || owners.insert(owner).second);
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(nodes.size(), 3u) << "shards not spread over distinct nodes";
}

TEST(Dht, TheKeyIsTheDeclaredArgument) {
  DhtCluster c;
  Stub s = c.create(spec("{shards: 4, keyArg: 1}"));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.call("client", s, "label", {Value(i), Value("k" + std::to_string(i))}).ok());
  const dms::DhtRing ring(4, 64);
  for (const auto& [node, values] : c.shard_states(s)) {
    std::set<int> owners;
    for (const auto& [k, v] : values) owners.insert(ring.shard_of(Value(k)));
    EXPECT_LE(owners.size(), 1u) << "keys routed by another argument than keyArg";
  }
}

TEST(Dht, ACallWithoutAKeyArgumentIsRefusedWithATypedError) {
  DhtCluster c;
  Stub s = c.create(spec("{shards: 2}"));
  Reply r = c.call("client", s, "keys");
  EXPECT_EQ(r.status.code, Code::kBadArguments) << r.status.to_string();
  EXPECT_NE(r.status.message.find("keyArg"), std::string::npos);
  Stub by_second = c.create(spec("{shards: 2, keyArg: 1}"));
  EXPECT_EQ(c.call("client", by_second, "get", {Value("k")}).status.code, Code::kBadArguments);
}

TEST(Dht, ALostUnreplicatedShardMakesOnlyItsKeysUnavailable) {
  DhtCluster c;
  Stub s = c.create(spec("{shards: 3}"));
  const dms::DhtRing ring(3, 64);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(c.call("client", s, "put", {Value("k" + std::to_string(i)), Value("v")}).ok());
  // Crash the node of the shard owning "k0".
  NodeId victim;
  for (const auto& [node, values] : c.shard_states(s)) {
    if (values.count("k0") != 0) victim = node;
  }
  ASSERT_FALSE(victim.empty());
  c.world().crash(victim);
  c.world().run_for(10 * kSecond);  // the OMS declares it dead; the group keeps the shard's slot
  int unavailable = 0, fine = 0;
  for (int i = 0; i < 12; ++i) {
    const Value key("k" + std::to_string(i));
    Reply r = c.call("client", s, "get", {key}, 2 * kSecond);
    if (ring.shard_of(key) == ring.shard_of(Value("k0"))) {
      EXPECT_FALSE(r.ok()) << "a key of the lost shard answered (from a fresh, empty shard?)";
      unavailable += r.status.code == Code::kUnavailable;
    } else {
      ASSERT_TRUE(r.ok()) << r.status.to_string();
      EXPECT_EQ(r.value.as_string(), "v");
      ++fine;
    }
  }
  EXPECT_GT(unavailable, 0);
  EXPECT_GT(fine, 0);
}

TEST(Dht, OverConsensusRsmEveryShardIsARaftGroupAndSurvivesACrash) {
  DhtCluster c(/*cloud=*/2);
  Stub s = c.create(spec("{shards: 2}", "  - name: ConsensusRSM\n    config: {replicas: 3}\n"));
  EXPECT_EQ(c.oms().stacks_of(s.id()).size(), 6u) << "2 shards x 3 replicas";
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.call("client", s, "append", {Value("k" + std::to_string(i)), Value("a")}).ok());
  c.world().crash("ks1");
  for (int i = 0; i < 10; ++i) {
    Reply r = c.call("client", s, "append", {Value("k" + std::to_string(i)), Value("b")});
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value.as_string(), "ab");
  }
}

}  // namespace
}  // namespace amino::testing
