// KeepOnDevice: follows the most active caller, with hysteresis.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config) {
  return "class: Counter\nargs: [0]\ndmList:\n  - name: KeepOnDevice\n    config: " + config + "\n";
}

TEST(KeepOnDevice, FollowsTheMostActiveCaller) {
  LibCluster c;
  Stub s = c.create(spec("{periodMs: 1000, stablePeriods: 2, minDwellMs: 5000}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  Stub from_ks2 = c.acquire_on("ks2", s.id());
  int ok_client = 0, ok_ks2 = 0;
  c.start_caller("client", s, "get", {}, 50 * kMillisecond, c.world().now() + 8 * kSecond, &ok_client);
  c.start_caller("ks2", from_ks2, "get", {}, 400 * kMillisecond, c.world().now() + 8 * kSecond, &ok_ks2);
  std::vector<NodeId> moves = c.watch_moves(s, 8 * kSecond);
  EXPECT_EQ(moves, std::vector<NodeId>{"client"});
  EXPECT_GT(ok_client, 100);

  // Now ks2 becomes the busy one: after the dwell time the object follows it.
  c.start_caller("ks2", from_ks2, "get", {}, 20 * kMillisecond, c.world().now() + 12 * kSecond, &ok_ks2);
  moves = c.watch_moves(s, 12 * kSecond);
  EXPECT_EQ(moves, std::vector<NodeId>{"ks2"});
  EXPECT_EQ(c.host(s), "ks2");
}

// Two callers take turns being busy, each for 1.5 s: a leader never holds for 3 periods.
std::vector<NodeId> alternating_bursts(LibCluster& c, const Stub& s) {
  Stub from_ks2 = c.acquire_on("ks2", s.id());
  std::vector<NodeId> moves;
  int ok = 0;
  for (int round = 0; round < 10; ++round) {
    const bool client_turn = round % 2 == 0;
    Time until = c.world().now() + 1500 * kMillisecond;
    c.start_caller(client_turn ? "client" : "ks2", client_turn ? s : from_ks2, "get", {}, 20 * kMillisecond, until, &ok);
    for (const NodeId& m : c.watch_moves(s, 1500 * kMillisecond)) moves.push_back(m);
  }
  return moves;
}

TEST(KeepOnDevice, AlternatingCallersDoNotMakeItFlap) {
  LibCluster c;
  Stub s = c.create(spec("{}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  EXPECT_TRUE(alternating_bursts(c, s).empty());
}

TEST(KeepOnDevice, WithoutHysteresisTheSameWorkloadFlaps) {
  LibCluster c;
  Stub s = c.create(spec("{stablePeriods: 1, minDwellMs: 0}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  EXPECT_GE(alternating_bursts(c, s).size(), 4u);
}

TEST(KeepOnDevice, RespectsTheNodeSelector) {
  LibCluster c;
  Stub s = c.create(spec("{periodMs: 500, stablePeriods: 1, minDwellMs: 0}") +
                    "nodeSelector: [{key: role, operator: notin, values: [client]}]\n");
  const NodeId start = c.host(s);
  Time until = c.world().now() + 5 * kSecond;
  int ok = 0;
  c.start_caller("client", s, "get", {}, 20 * kMillisecond, until, &ok);
  EXPECT_TRUE(c.watch_moves(s, 5 * kSecond).empty());
  EXPECT_EQ(c.host(s), start);
  EXPECT_GT(ok, 100);
}

}  // namespace
}  // namespace amino::testing
