// LoadBalancedMasterSlave: writes at the master replicated to every slave before they return,
// reads spread over all replicas, a slave promoted with every acknowledged write when the master's
// node fails.
#include <gtest/gtest.h>

#include <set>

#include "tests/dms/library/scalability_apps.h"

namespace amino::testing {
namespace {

const char* kDm = "LoadBalancedMasterSlave";

LibCluster make_cluster() {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  return LibCluster(0, o);
}

TEST(LoadBalancedMasterSlave, EveryReplicaHoldsAWriteBeforeItReturns) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 3}"));
  const auto nodes = replica_nodes(c, s);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(std::set<NodeId>(nodes.begin(), nodes.end()).size(), 3u);
  for (int i = 1; i <= 5; ++i) {
    Reply w = c.call("client", s, "add", {Value(1)});
    ASSERT_TRUE(w.ok()) << w.status.to_string();
    EXPECT_EQ(w.value.as_int(), i);
    for (const auto& [node, v] : values_by_replica(c, s)) EXPECT_EQ(v, i) << "replica on " << node << " after write " << i;
  }
}

TEST(LoadBalancedMasterSlave, WritesRunOnlyAtTheMasterAndReadsAreSpreadOverAllReplicas) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 3}", 4));
  const NodeId master = c.host(s);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  for (int i = 0; i < 30; ++i) {
    Reply r = c.call("client", s, "get");
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value.as_int(), 10) << "a read missed an acknowledged write";
  }
  const auto calls = calls_by_replica(c, s);
  for (const auto& [node, k] : calls) {
    if (node == master) {
      EXPECT_EQ(k, 13u) << "the master ran the writes and its share of reads";
    } else {
      EXPECT_EQ(k, 10u) << node << " did not get its share of reads";
    }
  }
}

TEST(LoadBalancedMasterSlave, AppErrorsPassThroughAndReplicasStayEqual) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 2}", 1));
  EXPECT_EQ(c.call("client", s, "add", {Value(-1)}).status.code, Code::kAppError);
  EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 2);
  for (const auto& [node, v] : values_by_replica(c, s)) EXPECT_EQ(v, 2) << node;
}

TEST(LoadBalancedMasterSlave, AFailedMastersSlaveTakesOverWithEveryAcknowledgedWrite) {
  LibCluster c = make_cluster();
  Stub s = c.create(counter_spec(kDm, "{replicas: 3}"));
  std::int64_t acked = 0;
  for (int i = 0; i < 5; ++i) {
    Reply w = c.call("client", s, "add", {Value(3)});
    ASSERT_TRUE(w.ok()) << w.status.to_string();
    acked = w.value.as_int();
  }
  const NodeId old_master = c.host(s);
  c.world().crash(old_master);
  // A write sent to the dead master before the OMS declared it dead times out: its outcome is
  // unknown to the client, so it is not retried (here it never ran).
  Reply lost = c.call("client", s, "add", {Value(1)}, 500 * kMillisecond);
  EXPECT_EQ(lost.status.code, Code::kTimeout) << lost.status.to_string();
  c.world().run_for(1 * kSecond);  // past the heartbeat timeout: the group fails over
  for (int i = 0; i < 3; ++i) {
    Reply w = c.call("client", s, "add", {Value(1)}, 10 * kSecond);
    ASSERT_TRUE(w.ok()) << "write after the crash: " << w.status.to_string();
    EXPECT_EQ(w.value.as_int(), acked + 1) << "an acknowledged write was lost, or one ran twice";
    acked = w.value.as_int();
  }
  EXPECT_NE(c.host(s), old_master);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c.call("client", s, "get").value.as_int(), acked);
  c.world().run_for(2 * kSecond);  // the group tops up
  const auto values = values_by_replica(c, s);
  EXPECT_EQ(values.size(), 2u) << "two live nodes allowed: master and one slave";
  for (const auto& [node, v] : values) EXPECT_EQ(v, acked) << node;
}

TEST(LoadBalancedMasterSlave, ASlavesCrashDelaysOneWriteAndTheGroupReplacesIt) {
  LibCluster c = make_cluster();
  Stub s = c.create(counter_spec(kDm, "{replicas: 2, ackTimeoutMs: 200}"));
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  const NodeId master = c.host(s);
  NodeId slave;
  for (const auto& n : replica_nodes(c, s)) {
    if (n != master) slave = n;
  }
  c.world().crash(slave);
  const Time start = c.world().now();
  Reply w = c.call("client", s, "add", {Value(1)});
  ASSERT_TRUE(w.ok()) << w.status.to_string();
  EXPECT_EQ(w.value.as_int(), 2);
  EXPECT_GE(c.world().now() - start, 200 * kMillisecond) << "the write did not wait for the slave";
  c.world().run_for(2 * kSecond);
  const auto values = values_by_replica(c, s);
  EXPECT_EQ(values.size(), 2u) << "the lost slave was not replaced";
  EXPECT_EQ(values.count(slave), 0u);
  for (const auto& [node, v] : values) EXPECT_EQ(v, 2) << node;
  const Time again = c.world().now();
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  EXPECT_LT(c.world().now() - again, 200 * kMillisecond) << "a later write still waited for the lost slave";
}

// The master's node dies silently; just after, a slave's node restarts (its replica lost): the
// group's replacement copies from the master, whose death the OMS does not know yet. Once it does,
// that copy must fail at once (Rpc::fail_pending), not wait out the OMS's 5 s control timeout
// holding the group's view-change lock: the failover's own replacement comes right after it
// (mixed nemesis seed 9, which then lost the last replica to the next crash).
struct SilentMasterDeath {
  LibCluster c;
  Stub s;
  NodeId master, lost, survivor;  // the master's node, the restarted slave's, the other slave's
  Time start = 0;

  SilentMasterDeath() : c(make_cluster()) {
    s = c.create(counter_spec(kDm, "{replicas: 3, ackTimeoutMs: 200}"));
    EXPECT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
    master = c.host(s);
    for (const auto& n : replica_nodes(c, s)) {
      if (n == master) continue;
      (lost.empty() ? lost : survivor) = n;
    }
    start = c.world().now();
    c.world().crash(master);
    c.restart_kernel(lost, false);  // its report tells the OMS at once; the replacement begins
    c.world().run_for(200 * kMillisecond);
  }
};

TEST(LoadBalancedMasterSlave, AReplacementCopyingFromASilentlyDeadMasterDoesNotHoldUpTheFailoversReplacement) {
  SilentMasterDeath t;
  ASSERT_FALSE(t.survivor.empty());
  // The OMS declares the master dead within its heartbeat timeout (1 s) and a check period.
  t.c.world().run_until(t.start + 2 * kSecond);
  const auto values = values_by_replica(t.c, t.s);
  EXPECT_EQ(values.size(), 2u) << "the failover's replacement waited for the copy from the dead master";
  EXPECT_EQ(values.count(t.survivor), 1u);
  for (const auto& [node, v] : values) EXPECT_EQ(v, 1) << node;
  // So the next crash, one at a time, finds a slave to promote.
  t.c.world().crash(t.survivor);
  t.c.world().run_for(1500 * kMillisecond);
  // From a caller that never knew a master (the client's would still name the first one, dead).
  Reply r = t.c.call(t.lost, t.c.acquire_on(t.lost, t.s.id()), "add", {Value(1)}, 10 * kSecond);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 2);
}

TEST(LoadBalancedMasterSlave, AReplacementCopyingFromAMasterWhoseNodeRestartedFailsAtItsReport) {
  SilentMasterDeath t;
  // The master's node is back before the heartbeat timeout: its report (a new incarnation) ends
  // the calls to the previous one, and the failover and replacements follow at once.
  t.c.restart_kernel(t.master, false);
  t.c.world().run_until(t.start + 800 * kMillisecond);
  const auto values = values_by_replica(t.c, t.s);
  EXPECT_EQ(values.size(), 3u) << "the replacements waited for the copy from the previous incarnation";
  for (const auto& [node, v] : values) EXPECT_EQ(v, 1) << node;
}

TEST(LoadBalancedMasterSlave, ACutOffSlaveLeavesTheViewAndWritesGoOn) {
  LibCluster c = make_cluster();
  Stub s = c.create(counter_spec(kDm, "{replicas: 3, ackTimeoutMs: 200}"));
  const NodeId master = c.host(s);
  NodeId cut;
  for (const auto& n : replica_nodes(c, s)) {
    if (n != master) cut = n;
  }
  c.world().cut(master, cut);  // the master cannot reach it; the OMS still can
  for (int i = 1; i <= 3; ++i) {
    Reply w = c.call("client", s, "add", {Value(1)});
    ASSERT_TRUE(w.ok()) << w.status.to_string();
    EXPECT_EQ(w.value.as_int(), i);
  }
  c.world().run_for(1 * kSecond);  // the group discarded it; new slaves can only go to its node, and fail to join
  for (const auto& [node, v] : values_by_replica(c, s)) EXPECT_EQ(v, 3) << node;
  const Time again = c.world().now();
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  EXPECT_LT(c.world().now() - again, 200 * kMillisecond) << "a later write still waited for the cut-off slave";
}

TEST(LoadBalancedMasterSlave, ASingleReplicaWorksAlone) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{replicas: 1}", 2));
  EXPECT_EQ(c.call("client", s, "add", {Value(2)}).value.as_int(), 4);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 4);
  EXPECT_EQ(replica_count(c, s), 1u);
}

}  // namespace
}  // namespace amino::testing
