#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testbed/partitions.h"

namespace amino::testbed {
namespace {

std::set<DirectedPair> as_set(const std::vector<DirectedPair>& v) { return {v.begin(), v.end()}; }

TEST(Partitions, FullCutsAcrossGroupsOnly) {
  const auto cut = as_set(full_partition({{"a", "b"}, {"c"}}));
  EXPECT_EQ(cut, (std::set<DirectedPair>{{"a", "c"}, {"c", "a"}, {"b", "c"}, {"c", "b"}}));
  EXPECT_THROW(full_partition({{"a", "b"}, {"b"}}), std::invalid_argument);
}

TEST(Partitions, OneWayCutsOneDirection) {
  const auto cut = as_set(one_way_partition({"a"}, {"b", "c"}));
  EXPECT_EQ(cut, (std::set<DirectedPair>{{"a", "b"}, {"a", "c"}}));
}

TEST(Partitions, BridgeKeepsMiddleNodeConnected) {
  const auto cut = as_set(bridge_partition({"n1", "n2", "n3", "n4", "n5"}));
  for (const auto& [from, to] : cut) {
    EXPECT_NE(from, "n3");
    EXPECT_NE(to, "n3");
  }
  EXPECT_TRUE(cut.count({"n1", "n4"}) && cut.count({"n5", "n2"}));
  EXPECT_FALSE(cut.count({"n1", "n2"}) || cut.count({"n4", "n5"}));
  EXPECT_EQ(cut.size(), 8u);
}

TEST(Partitions, MajoritiesRingGivesEachNodeADistinctMajority) {
  const std::vector<NodeId> nodes = {"n1", "n2", "n3", "n4", "n5"};
  const auto cut = as_set(majorities_ring_partition(nodes));
  std::set<std::set<NodeId>> views;
  for (const auto& me : nodes) {
    std::set<NodeId> sees;
    for (const auto& other : nodes) {
      if (!cut.count({other, me})) sees.insert(other);
    }
    EXPECT_GE(sees.size(), 3u) << me;
    views.insert(sees);
  }
  EXPECT_EQ(views.size(), nodes.size());  // no two nodes share a majority
}

TEST(FaultState, LookupPrefersPairThenDestinationThenDefault) {
  FaultState s;
  LinkFaults d, dest, pair;
  d.drop = 0.1;
  dest.drop = 0.2;
  pair.drop = 0.3;
  s.set_default(d);
  s.set_for_destination("b", dest);
  s.set_for_pair("a", "b", pair);
  EXPECT_EQ(s.faults_for("a", "b").drop, 0.3);
  EXPECT_EQ(s.faults_for("c", "b").drop, 0.2);
  EXPECT_EQ(s.faults_for("a", "c").drop, 0.1);
  const auto v = s.version();
  s.block("a", "b", BlockMode::kReset);
  EXPECT_GT(s.version(), v);
  EXPECT_EQ(s.blocked("a", "b"), BlockMode::kReset);
  EXPECT_FALSE(s.blocked("b", "a").has_value());
  s.heal();
  EXPECT_FALSE(s.blocked("a", "b").has_value());
}

TEST(FaultState, LinkFaultsCheck) {
  LinkFaults f;
  EXPECT_EQ(f.check(), "");
  f.drop = 1.5;
  EXPECT_NE(f.check(), "");
  f = {};
  f.reorder = 0.5;
  EXPECT_NE(f.check(), "");  // needs a window
  f.reorder_window = kMillisecond;
  EXPECT_EQ(f.check(), "");
}

}  // namespace
}  // namespace amino::testbed
