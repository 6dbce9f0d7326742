// Stop-and-copy migration of a whole chain; callers holding old references recover transparently.
#include <gtest/gtest.h>

#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

const char* kOnKs1 = R"(
class: Counter
args: [40]
dmList:
  - name: TraceA
  - name: TraceB
nodeSelector: [{key: region, operator: =, values: [region-1]}]
)";

TEST(Migration, MovesTheChainAndKeepsState) {
  InProcCluster c;
  Stub s;
  ASSERT_TRUE(c.run("client", [&] {
    s = c.client().create(kOnKs1);
    EXPECT_EQ(s.call<std::int64_t>("add", 2), 42);
  }));
  const std::uint64_t oid = c.oms().stacks_of(s.id()).at(0);
  ASSERT_EQ(c.host_of(oid), "ks1");
  trace_log().clear();

  Status moved;
  ASSERT_TRUE(c.run("oms", [&] { moved = c.oms().migrate(s.id(), "ks2"); }));
  ASSERT_TRUE(moved.ok()) << moved.to_string();
  EXPECT_EQ(c.host_of(oid), "ks2");
  EXPECT_EQ(c.oms().location(oid), "ks2");
  // The chain was rebuilt at the destination (on_create) and torn down at the source.
  auto& log = trace_log();
  EXPECT_NE(std::find(log.begin(), log.end(), "TraceB.server.on_create@ks2"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "TraceA.server.on_create@ks2"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "TraceA.server.on_destroy@ks1"), log.end());

  // The old stub still points at ks1: the kernel repairs the location through the OMS.
  std::int64_t after = 0;
  std::string where;
  ASSERT_TRUE(c.run("client", [&] {
    after = s.call<std::int64_t>("add", 1);
    where = s.call<std::string>("where");
  }));
  EXPECT_EQ(after, 43);
  EXPECT_EQ(where, "ks2");
}

TEST(Migration, CallsDuringMigrationWaitAndSucceed) {
  InProcCluster c;
  Stub s;
  ASSERT_TRUE(c.run("client", [&] { s = c.client().create(kOnKs1); }));
  // A slow call is in flight while the OMS migrates: quiesce waits for it to drain; calls that
  // arrive meanwhile see kMigrating and retry until the object is up at the destination.
  Reply slow, during;
  bool slow_done = false, during_done = false;
  c.world().node("client").spawn("slow", [&] {
    slow = s.invoke("slow_get", {Value(5e8)});
    slow_done = true;
  });
  c.world().run_for(50 * kMillisecond);
  Status moved;
  bool move_done = false;
  c.world().node("oms").spawn("move", [&] {
    moved = c.oms().migrate(s.id(), "ks3");
    move_done = true;
  });
  c.world().run_for(10 * kMillisecond);
  c.world().node("client").spawn("during", [&] {
    during = s.invoke("add", {Value(1)});
    during_done = true;
  });
  ASSERT_TRUE(c.world().run_until([&] { return slow_done && move_done && during_done; }, c.world().now() + 10 * kSecond));
  EXPECT_TRUE(slow.ok()) << slow.status.to_string();
  EXPECT_TRUE(moved.ok()) << moved.to_string();
  ASSERT_TRUE(during.ok()) << during.status.to_string();
  EXPECT_EQ(during.value.as_int(), 41);
  EXPECT_EQ(c.host_of(c.oms().stacks_of(s.id()).at(0)), "ks3");
}

TEST(Migration, ToADeadOrUnknownNodeIsRefused) {
  InProcCluster c;
  Stub s;
  ASSERT_TRUE(c.run("client", [&] { s = c.client().create(kOnKs1); }));
  Status moved;
  ASSERT_TRUE(c.run("oms", [&] { moved = c.oms().migrate(s.id(), "ks9"); }));
  EXPECT_EQ(moved.code, Code::kPlacement);
  std::int64_t v = 0;
  ASSERT_TRUE(c.run("client", [&] { v = s.call<std::int64_t>("get"); }));
  EXPECT_EQ(v, 40);
}

// Two replicas of one group on one server would fail together: the OMS keeps a migration from
// undoing the spreading its placement did (the mixed OMS nemesis met a ConsensusRSM losing its
// majority to one crash after such a move).
TEST(Migration, OntoAServerHostingASiblingReplicaIsRefused) {
  InProcCluster c;
  Stub s;
  ASSERT_TRUE(c.run("client", [&] { s = c.client().create("class: Counter\nargs: [7]\ndmList: [{name: TraceA, config: {replicas: 2}}]\n"); }));
  const std::vector<std::uint64_t> oids = c.oms().stacks_of(s.id());
  ASSERT_EQ(oids.size(), 2u);
  const NodeId first = c.host_of(oids[0]);
  const NodeId sibling = c.host_of(oids[1]);
  ASSERT_NE(first, sibling);
  Status moved;
  ASSERT_TRUE(c.run("oms", [&] { moved = c.oms().migrate(s.id(), sibling); }));
  EXPECT_EQ(moved.code, Code::kPlacement) << moved.to_string();
  EXPECT_NE(moved.message.find("already hosts replica"), std::string::npos) << moved.to_string();
  EXPECT_EQ(c.host_of(oids[0]), first);
  // A server hosting none of its replicas still takes it.
  NodeId free;
  for (const char* n : {"ks1", "ks2", "ks3"}) {
    if (n != first && n != sibling) free = n;
  }
  ASSERT_FALSE(free.empty());
  ASSERT_TRUE(c.run("oms", [&] { moved = c.oms().migrate(s.id(), free); }));
  EXPECT_TRUE(moved.ok()) << moved.to_string();
  EXPECT_EQ(c.host_of(oids[0]), free);
}

}  // namespace
}  // namespace amino::testing
