// ExplicitCheckpoint: application-driven checkpoints, rollback, restore after a kernel restart.
#include <gtest/gtest.h>

#include "tests/dms/library/checkpoint_apps.h"

namespace amino::testing {
namespace {

const std::string kDm = "[{name: ExplicitCheckpoint}]";

TEST(ExplicitCheckpoint, ARestartedKernelServerRestoresTheLastCheckpoint) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm);
  ASSERT_EQ(c.host(s), "ks1");
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  Reply cp = c.call("client", s, "checkpoint");
  ASSERT_TRUE(cp.ok()) << cp.status.to_string();
  EXPECT_EQ(cp.value.as_int(), 2);  // the construction was checkpoint 1
  ASSERT_TRUE(c.call("client", s, "add", {Value(3)}).ok());
  EXPECT_EQ(c.total(s), 8);
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 5);  // the write after the checkpoint is lost, as the application chose
  EXPECT_EQ(c.call("client", s, "entries").value.as_int(), 1);
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());  // and it keeps working
  EXPECT_EQ(c.total(s), 6);
}

TEST(ExplicitCheckpoint, BeforeAnyCheckpointARestartRestoresTheConstructedState) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm, 10);
  ASSERT_TRUE(c.call("client", s, "add", {Value(4)}).ok());
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 10);
}

TEST(ExplicitCheckpoint, RollbackReturnsToTheLastCheckpoint) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm);
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  ASSERT_TRUE(c.call("client", s, "checkpoint").ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(3)}).ok());
  Reply r = c.call("client", s, "rollback");
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(c.total(s), 5);
  // A rollback is not a checkpoint: after more writes and a restart, the checkpoint is still 5.
  ASSERT_TRUE(c.call("client", s, "add", {Value(7)}).ok());
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 5);
}

TEST(ExplicitCheckpoint, TheMethodNamesComeFromTheConfig) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: ExplicitCheckpoint, config: {checkpointMethod: save, rollbackMethod: undo}}]");
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "save").ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "undo").ok());
  EXPECT_EQ(c.total(s), 2);
  // The default names are now ordinary methods: the object's body runs (and throws).
  EXPECT_EQ(c.call("client", s, "checkpoint").status.code, Code::kAppError);
}

TEST(ExplicitCheckpoint, ACheckpointWaitsForACallInsideTheObject) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm);
  Reply slow, cp;
  int done = 0;
  // slow_add holds the object for 1 s (its state is half-updated meanwhile); the checkpoint comes
  // in during it and must not save the half.
  c.world().node("client").spawn("slow", [&] {
    slow = s.invoke("slow_add", {Value(4), Value(1e9)});
    ++done;
  });
  c.world().run_for(100 * kMillisecond);
  c.world().node("client").spawn("cp", [&] {
    cp = s.invoke("checkpoint", {});
    ++done;
  });
  c.world().run_until([&] { return done == 2; }, c.world().now() + 10 * kSecond);
  ASSERT_TRUE(slow.ok()) << slow.status.to_string();
  ASSERT_TRUE(cp.ok()) << cp.status.to_string();
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 4);
  EXPECT_EQ(c.call("client", s, "entries").value.as_int(), 1);
}

TEST(ExplicitCheckpoint, ACheckpointGivesUpAfterQuiesceTimeout) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: ExplicitCheckpoint, config: {quiesceTimeoutMs: 100}}]");
  Reply cp;
  bool done = false;
  c.world().node("client").spawn("slow", [&] { (void)s.invoke("slow_add", {Value(4), Value(2e9)}); });
  c.world().run_for(100 * kMillisecond);
  c.world().node("client").spawn("cp", [&] {
    cp = s.invoke("checkpoint", {});
    done = true;
  });
  c.world().run_until([&] { return done; }, c.world().now() + 10 * kSecond);
  EXPECT_EQ(cp.status.code, Code::kUnavailable) << cp.status.to_string();
}

TEST(ExplicitCheckpoint, MigrationCarriesTheLastCheckpoint) {
  CheckpointCluster c;
  Stub s = c.create("class: Ledger\nargs: [0]\ndmList: [{name: ExplicitCheckpoint}]\n"
                    "nodeSelector: [{key: region, operator: in, values: [region-1, region-2]}]\n");
  const NodeId from = c.host(s);
  const NodeId to = from == "ks1" ? "ks2" : "ks1";
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  ASSERT_TRUE(c.call("client", s, "checkpoint").ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(3)}).ok());
  Status m = c.migrate(s, to);
  ASSERT_TRUE(m.ok()) << m.to_string();
  ASSERT_EQ(c.host(s), to);
  EXPECT_EQ(c.total(s), 8);  // the live state moved
  c.crash_and_restart(to);
  EXPECT_EQ(c.total(s), 5);  // and the checkpoint with it
}

TEST(ExplicitCheckpoint, IsRejectedWithConsensusRsm) {
  CheckpointCluster c;
  EXPECT_THROW(c.ledger("[{name: ExplicitCheckpoint}, {name: ConsensusRSM}]"), std::runtime_error);
  EXPECT_THROW(c.ledger("[{name: ConsensusRSM}, {name: ExplicitCheckpoint}]"), std::runtime_error);
  EXPECT_THROW(c.ledger("[{name: ExplicitCheckpoint}, {name: PeriodicCheckpoint}]"), std::runtime_error);
}

}  // namespace
}  // namespace amino::testing
