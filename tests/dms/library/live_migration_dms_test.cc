// The migrating DMs' liveMigration key: DynamicMigration and KeepOnDevice move their object by
// pre-copy live migration when it is set (ExplicitMigration: tests/kernel/live_migration_test.cc),
// with no call lost or doubled, and by stop-and-copy without it.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& dm, const std::string& config) {
  return "class: Counter\nargs: [0]\ndmList:\n  - name: " + dm + "\n    config: " + config + "\n";
}

int live_moves(LibCluster& c) {
  int n = 0;
  for (const auto& e : c.oms().events()) n += e.find(" migrated live from ") != std::string::npos ? 1 : 0;
  return n;
}

TEST(LiveMigrationDms, DynamicMigrationMovesLiveWhenConfigured) {
  LibCluster c;
  Stub s = c.create(spec("DynamicMigration", "{periodMs: 1000, minDwellMs: 3000, liveMigration: true, maxPrecopyRounds: 3}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());  // the operator's move: stop-and-copy
  EXPECT_EQ(live_moves(c), 0);
  int ok = 0;
  c.start_caller("client", s, "add", {Value(1)}, 50 * kMillisecond, c.world().now() + 30 * kSecond, &ok);
  EXPECT_EQ(c.watch_moves(s, 30 * kSecond), std::vector<NodeId>{"client"});
  EXPECT_EQ(live_moves(c), 1);
  c.world().run_for(kSecond);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), ok);  // no call lost or doubled by the move
}

TEST(LiveMigrationDms, KeepOnDeviceMovesLiveWhenConfigured) {
  LibCluster c;
  Stub s = c.create(spec("KeepOnDevice", "{periodMs: 1000, stablePeriods: 2, minDwellMs: 5000, liveMigration: true}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  int ok = 0;
  c.start_caller("client", s, "add", {Value(1)}, 50 * kMillisecond, c.world().now() + 8 * kSecond, &ok);
  EXPECT_EQ(c.watch_moves(s, 8 * kSecond), std::vector<NodeId>{"client"});
  EXPECT_EQ(live_moves(c), 1);
  c.world().run_for(kSecond);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), ok);
}

TEST(LiveMigrationDms, WithoutTheKeyTheyMoveByStopAndCopy) {
  LibCluster c;
  Stub s = c.create(spec("KeepOnDevice", "{periodMs: 1000, stablePeriods: 2, minDwellMs: 5000}"));
  ASSERT_TRUE(c.migrate(s, "ks1").ok());
  int ok = 0;
  c.start_caller("client", s, "add", {Value(1)}, 50 * kMillisecond, c.world().now() + 8 * kSecond, &ok);
  EXPECT_EQ(c.watch_moves(s, 8 * kSecond), std::vector<NodeId>{"client"});
  EXPECT_EQ(live_moves(c), 0);
}

TEST(LiveMigrationDms, OutOfRangeKeysAreSpecErrors) {
  LibCluster c;
  EXPECT_THROW(c.create(spec("ExplicitMigration", "{maxPrecopyRounds: 0}")), std::runtime_error);
  EXPECT_THROW(c.create(spec("DynamicMigration", "{deltaThresholdBytes: -1}")), std::runtime_error);
  EXPECT_THROW(c.create(spec("KeepOnDevice", "{liveMigration: 3}")), std::runtime_error);
}

}  // namespace
}  // namespace amino::testing
