// LoadBalancedFrontEnd: a fixed number of independent replicas, calls spread round-robin, overloaded
// replicas refuse and the client moves on.
#include <gtest/gtest.h>

#include <set>

#include "tests/dms/library/scalability_apps.h"

namespace amino::testing {
namespace {

const char* kDm = "LoadBalancedFrontEnd";

TEST(LoadBalancedFrontEnd, MakesItsReplicasOnDistinctNodes) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 3}"));
  const auto nodes = replica_nodes(c, s);
  EXPECT_EQ(nodes.size(), 3u);
  EXPECT_EQ(std::set<NodeId>(nodes.begin(), nodes.end()).size(), 3u) << "two replicas on one node";
}

TEST(LoadBalancedFrontEnd, SpreadsCallsRoundRobin) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 3}"));
  std::vector<NodeId> order;
  for (int i = 0; i < 30; ++i) {
    Reply r = c.call("client", s, "where");
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    order.push_back(r.value.as_string());
  }
  for (const auto& [node, calls] : calls_by_replica(c, s)) EXPECT_EQ(calls, 10u) << node;
  for (std::size_t i = 3; i < order.size(); ++i) EXPECT_EQ(order[i], order[i - 3]) << "not a rotation at call " << i;
}

TEST(LoadBalancedFrontEnd, AnOverloadedReplicaPassesTheCallToTheNext) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 2, maxConcurrent: 1}"));
  std::vector<Reply> naps;
  start_calls(c, "client", s, "nap", {Value(500)}, 1, &naps);  // holds one replica for 500 ms
  c.world().run_for(50 * kMillisecond);
  std::set<NodeId> ran_on;
  for (int i = 0; i < 4; ++i) {
    Reply r = c.call("client", s, "where");
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    ran_on.insert(r.value.as_string());
  }
  EXPECT_EQ(ran_on.size(), 1u) << "the busy replica ran a call it should have refused";
  c.world().run_for(1 * kSecond);
  ASSERT_TRUE(naps[0].ok()) << naps[0].status.to_string();
}

TEST(LoadBalancedFrontEnd, FailsWithOverloadedWhenEveryReplicaIsFull) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 2, maxConcurrent: 1}"));
  std::vector<Reply> naps;
  start_calls(c, "client", s, "nap", {Value(500)}, 2, &naps);  // one at each replica
  c.world().run_for(50 * kMillisecond);
  Reply r = c.call("client", s, "get");
  EXPECT_EQ(r.status.code, Code::kOverloaded) << r.status.to_string();
  EXPECT_NE(r.status.message.find("all 2 replicas"), std::string::npos) << r.status.message;
  c.world().run_for(1 * kSecond);
  for (const auto& n : naps) EXPECT_TRUE(n.ok()) << n.status.to_string();
  EXPECT_TRUE(c.call("client", s, "get").ok()) << "the replicas did not recover after the load";
}

TEST(LoadBalancedFrontEnd, ARateLimitRefusesCallsBeyondIt) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 1, maxCallsPerSecond: 3}"));
  int ok = 0, overloaded = 0;
  for (int i = 0; i < 6; ++i) {
    Reply r = c.call("client", s, "get");
    ok += r.ok();
    overloaded += r.status.code == Code::kOverloaded;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(overloaded, 3);
  c.world().run_for(1 * kSecond);  // the bucket refills
  EXPECT_TRUE(c.call("client", s, "get").ok());
}

TEST(LoadBalancedFrontEnd, ReplicasAreIndependentCopies) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 2}", 10));
  ASSERT_EQ(c.call("client", s, "add", {Value(5)}).value.as_int(), 15);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 4; ++i) seen.insert(c.call("client", s, "get").value.as_int());
  EXPECT_EQ(seen, (std::set<std::int64_t>{10, 15})) << "the documented (absent) consistency changed";
  auto values = values_by_replica(c, s);
  std::multiset<std::int64_t> held;
  for (const auto& [n, v] : values) held.insert(v);
  EXPECT_EQ(held, (std::multiset<std::int64_t>{10, 15}));
}

TEST(LoadBalancedFrontEnd, ReadsMoveOnWhenAReplicasNodeDiesAndTheGroupRebuildsIt) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  LibCluster c(0, o);
  Stub s = c.create(counter_spec(kDm, "{replicas: 3, refreshMs: 0}", 7));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call("client", s, "get").ok());
  const NodeId victim = replica_nodes(c, s)[1];
  c.world().crash(victim);
  for (int i = 0; i < 6; ++i) {
    Reply r = c.call("client", s, "get", {}, 5 * kSecond);
    ASSERT_TRUE(r.ok()) << "read " << i << ": " << r.status.to_string();
    EXPECT_EQ(r.value.as_int(), 7);
  }
  c.world().run_for(3 * kSecond);  // declared dead, replaced
  const auto nodes = replica_nodes(c, s);
  EXPECT_EQ(nodes.size(), 3u);
  EXPECT_EQ(std::count(nodes.begin(), nodes.end(), victim), 0);
}

}  // namespace
}  // namespace amino::testing
