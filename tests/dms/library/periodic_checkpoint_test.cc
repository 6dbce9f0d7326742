// PeriodicCheckpoint: a checkpoint every N mutating calls and/or every T ms, restored after a restart.
#include <gtest/gtest.h>

#include "tests/dms/library/checkpoint_apps.h"

namespace amino::testing {
namespace {

TEST(PeriodicCheckpoint, EveryNthMutatingCallIsCheckpointed) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: 3}}]");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 3);  // the checkpoint after the 3rd call; the 4th and 5th are lost
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 6);  // counting restarts after a restore
}

TEST(PeriodicCheckpoint, ReadOnlyCallsDoNotCount) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: 2}}]");
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call("client", s, "total").ok());
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 0);
}

TEST(PeriodicCheckpoint, EveryMsCheckpointsAChangedObject) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: 0, everyMs: 500}}]");
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  c.world().run_for(1 * kSecond);  // the timer saw the change and checkpointed 4
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  c.crash_and_restart("ks1");  // at once: before the next tick
  EXPECT_EQ(c.total(s), 4);
}

TEST(PeriodicCheckpoint, BothOffCheckpointsOnlyTheConstruction) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: 0, everyMs: 0}}]", 7);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  c.world().run_for(2 * kSecond);
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 7);
}

TEST(PeriodicCheckpoint, ADueCheckpointWaitsForTheCallsInsideTheObject) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: 1}}]");
  int done = 0;
  // Two overlapping slow adds: the first to finish must not checkpoint while the other is inside
  // (half-way: its increment not yet written); the last to leave checkpoints both.
  for (int i = 0; i < 2; ++i) {
    c.world().node("client").spawn("slow", [&, i] {
      EXPECT_TRUE(s.invoke("slow_add", {Value(10), Value(i == 0 ? 1e9 : 5e8)}).ok());
      ++done;
    });
    c.world().run_for(100 * kMillisecond);
  }
  c.world().run_until([&] { return done == 2; }, c.world().now() + 10 * kSecond);
  const std::int64_t live = c.total(s);
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), live);
}

TEST(PeriodicCheckpoint, ConfigOutOfRangeIsRejectedAtSpecLoad) {
  CheckpointCluster c;
  EXPECT_THROW(c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: -1}}]"), std::runtime_error);
  EXPECT_THROW(c.ledger("[{name: PeriodicCheckpoint, config: {everyMs: -5}}]"), std::runtime_error);
  EXPECT_THROW(c.ledger("[{name: PeriodicCheckpoint, config: {everyCalls: many}}]"), std::runtime_error);
}

}  // namespace
}  // namespace amino::testing
