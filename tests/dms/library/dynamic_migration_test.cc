// DynamicMigration: moves where its callers measure the lowest latency, without flapping.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config, const std::string& selector = "") {
  return "class: Counter\nargs: [0]\ndmList:\n  - name: DynamicMigration\n    config: " + config + "\n" + selector;
}

TEST(DynamicMigration, MovesToItsOnlyCallerAndStays) {
  LibCluster c;
  Stub s = c.create(spec("{periodMs: 1000, minDwellMs: 3000}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  Time until = c.world().now() + 30 * kSecond;
  int ok = 0;
  c.start_caller("client", s, "add", {Value(1)}, 50 * kMillisecond, until, &ok);
  const std::vector<NodeId> moves = c.watch_moves(s, 30 * kSecond);
  EXPECT_EQ(moves, std::vector<NodeId>{"client"});
  c.world().run_for(kSecond);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), ok);  // no call lost or doubled by the moves
}

TEST(DynamicMigration, TwoEqualCallersDoNotMakeItFlap) {
  LibCluster c;
  Stub s = c.create(spec("{periodMs: 1000, minDwellMs: 2000, minGain: 0.1}"));
  ASSERT_TRUE(c.migrate(s, "ks3").ok());
  Stub from_ks2 = c.acquire_on("ks2", s.id());
  Time until = c.world().now() + 40 * kSecond;
  int ok_a = 0, ok_b = 0;
  c.start_caller("client", s, "get", {}, 50 * kMillisecond, until, &ok_a);
  c.start_caller("ks2", from_ks2, "get", {}, 50 * kMillisecond, until, &ok_b);
  const std::vector<NodeId> moves = c.watch_moves(s, 40 * kSecond);
  // Moving next to either caller halves the remote traffic; after that no node is better.
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_TRUE(moves[0] == "client" || moves[0] == "ks2") << moves[0];
}

TEST(DynamicMigration, RespectsTheNodeSelector) {
  LibCluster c;
  Stub s = c.create(spec("{periodMs: 500, minDwellMs: 0, minGain: 0.01}",
                         "nodeSelector: [{key: role, operator: notin, values: [client]}]\n"));
  Time until = c.world().now() + 10 * kSecond;
  int ok = 0;
  c.start_caller("client", s, "get", {}, 20 * kMillisecond, until, &ok);
  // Every kernel server but the client is equally far from it: no move can gain anything.
  EXPECT_TRUE(c.watch_moves(s, 10 * kSecond).empty());
  EXPECT_GT(ok, 200);
}

}  // namespace
}  // namespace amino::testing
