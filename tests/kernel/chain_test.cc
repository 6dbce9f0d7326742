// DM chains: Amino.Run's order semantics (reference §1.2, §1.3, §2.2) and every upcall delivered.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

const char* kTwoDmSpec = R"(
class: Counter
args: [0]
dmList:
  - name: TraceA
  - name: TraceB
)";

std::vector<std::string> matching(const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : trace_log()) {
    if (e.find(needle) != std::string::npos) out.push_back(e);
  }
  return out;
}

std::size_t index_of(const std::string& entry) {
  auto it = std::find(trace_log().begin(), trace_log().end(), entry);
  return it == trace_log().end() ? SIZE_MAX : static_cast<std::size_t>(it - trace_log().begin());
}

TEST(Chain, ClientRunsOuterFirstServerRunsInnerFirst) {
  InProcCluster c;
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kTwoDmSpec);
    trace_log().clear();
    EXPECT_EQ(s.call<std::int64_t>("add", 2), 2);
  }));
  EXPECT_EQ(matching("on_rpc"),
            (std::vector<std::string>{"TraceA.client.on_rpc add", "TraceB.client.on_rpc add",
                                      "TraceB.server.on_rpc add", "TraceA.server.on_rpc add"}));
}

TEST(Chain, GroupOnCreateRunsInnermostFirst) {
  InProcCluster c;
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] { c.client().create(kTwoDmSpec); }));
  const auto b = index_of("TraceB.group.on_create");
  const auto a = index_of("TraceA.group.on_create");
  ASSERT_NE(a, SIZE_MAX);
  ASSERT_NE(b, SIZE_MAX);
  EXPECT_LT(b, a);
  // Server parts start innermost first too, before any group on_create.
  EXPECT_LT(index_of(matching("TraceB.server.on_create")[0]), index_of(matching("TraceA.server.on_create")[0]));
  EXPECT_LT(index_of(matching("TraceA.server.on_create")[0]), b);
}

TEST(Chain, OuterReplicationBuildsAFreshInnerChainPerReplica) {
  InProcCluster c;
  trace_log().clear();
  std::string ms;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(R"(
class: Counter
args: [0]
dmList:
  - name: TraceA
    config: {replicas: 2}
  - name: TraceB
    config: {replicas: 2}
)");
    ms = s.id();
    EXPECT_EQ(s.call<std::int64_t>("add", 1), 1);
  }));
  // 2 logical outer replicas, each realized by an inner group of 2 physical replicas.
  EXPECT_EQ(c.oms().stacks_of(ms).size(), 4u);
  EXPECT_EQ(matching("TraceB.group.on_create").size(), 2u);  // one fresh inner group per outer replica
  EXPECT_EQ(matching("TraceA.group.on_create").size(), 1u);
  EXPECT_EQ(c.oms().replicas(c.oms().root_group(ms)).size(), 2u);
}

TEST(Chain, MembershipChangeReachesServersWhenTheGroupGrows) {
  InProcCluster c;
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] { c.client().create("class: Counter\nargs: [0]\ndmList: [{name: TraceA, config: {replicas: 3}}]\n"); }));
  c.world().run_for(10 * kMillisecond);
  EXPECT_FALSE(matching("TraceA.server.on_membership_change 3").empty());
}

TEST(Chain, NotificationsFlowBetweenServerAndGroup) {
  InProcCluster c;
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create("class: Counter\nargs: [0]\ndmList: [{name: TraceA}]\n");
    (void)s.invoke("where", {});  // the server notifies its group, which notifies the servers
  }));
  EXPECT_FALSE(matching("TraceA.group.on_notification \"from-server\"").empty());
  EXPECT_FALSE(matching("TraceA.server.on_notification \"from-group\"").empty());
  EXPECT_FALSE(matching("TraceA.group.on_ref_request").empty());
}

TEST(Chain, DestroyRunsOnDeleteOuterGroupsLast) {
  InProcCluster c;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kTwoDmSpec);
    trace_log().clear();
    c.client().remove(s.id());
  }));
  EXPECT_EQ(matching("server.on_destroy").size(), 2u);
  const auto a = index_of("TraceA.group.on_destroy");
  const auto b = index_of("TraceB.group.on_destroy");
  ASSERT_NE(a, SIZE_MAX);
  ASSERT_NE(b, SIZE_MAX);
  EXPECT_LT(b, a);
}

TEST(Chain, FailureDetectionDeliversOnFailureToTheGroup) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  InProcCluster c(o);
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] {
    c.client().create("class: Counter\nargs: [0]\ndmList: [{name: TraceA}]\nnodeSelector: [{key: region, operator: =, values: [region-3]}]\n");
  }));
  c.world().crash("ks3");
  c.world().run_for(3 * kSecond);
  EXPECT_EQ(matching("TraceA.group.on_failure@ks3").size(), 1u);
  EXPECT_TRUE(c.oms().nodes(NodeSelector{{{Requirement{"node", Requirement::Op::kEquals, {"ks3"}}}}}).empty());
}

TEST(Chain, HighLatencyIsReportedToTheGroup) {
  ClusterOptions o;
  o.kernel.high_latency_threshold = 50 * kMicrosecond;  // every in-process round trip is 200 us
  InProcCluster c(o);
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create("class: Counter\nargs: [0]\ndmList: [{name: TraceA}]\nnodeSelector: [{key: role, operator: notin, values: [client]}]\n");
    s.call<std::int64_t>("get");
  }));
  c.world().run_for(10 * kMillisecond);
  EXPECT_EQ(matching("TraceA.group.on_high_latency from client").size(), 1u);
}

TEST(Chain, LowMemoryReachesServersAndGroup) {
  ClusterOptions o;
  o.kernel.memory_limit_bytes = 1;
  InProcCluster c(o);
  trace_log().clear();
  ASSERT_TRUE(c.run("client", [&] { c.client().create("class: Counter\nargs: [0]\ndmList: [{name: TraceA}]\n"); }));
  c.world().run_for(2 * kSecond);
  EXPECT_FALSE(matching("TraceA.server.on_low_memory").empty());
  EXPECT_FALSE(matching("TraceA.group.on_low_memory").empty());
}

const char* kDurableOnKs1 = "class: Counter\nargs: [5]\ndmList: [{name: TraceDurable}]\n"
                            "nodeSelector: [{key: region, operator: =, values: [region-1]}]\n";

TEST(Chain, DurableReplicasComeBackAfterARestartWithStorage) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  InProcCluster c(o);
  std::string ms;
  ASSERT_TRUE(c.run("client", [&] { ms = c.client().create(kDurableOnKs1).id(); }));
  const std::string gid = c.oms().root_group(ms);
  c.world().crash("ks1");
  c.world().run_for(3 * kSecond);
  ASSERT_TRUE(c.oms().replicas(gid).empty());  // declared dead

  trace_log().clear();
  c.restart_kernel("ks1", /*keep_storage=*/true);
  c.world().run_for(2 * kSecond);
  EXPECT_EQ(c.oms().replicas(gid).size(), 1u);  // revived by its heartbeat
  EXPECT_NE(std::find(trace_log().begin(), trace_log().end(), "TraceDurable.server.on_create@ks1"), trace_log().end());
  Reply r;
  ASSERT_TRUE(c.run("client", [&] { r = c.client().acquire(ms).invoke("where", {}); }));
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_string(), "ks1");
}

TEST(Chain, AQuickRestartWithoutStateStillDeliversOnFailure) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 5 * kSecond;  // the node is back long before it would be declared dead
  InProcCluster c(o);
  std::string ms;
  ASSERT_TRUE(c.run("client", [&] {
    ms = c.client().create("class: Counter\nargs: [5]\ndmList: [{name: TraceA}]\n"
                           "nodeSelector: [{key: region, operator: =, values: [region-1]}]\n").id();
  }));
  trace_log().clear();
  c.restart_kernel("ks1", /*keep_storage=*/false);
  c.world().run_for(2 * kSecond);
  EXPECT_NE(std::find(trace_log().begin(), trace_log().end(), "TraceA.group.on_failure@ks1"), trace_log().end());
  EXPECT_TRUE(c.oms().replicas(c.oms().root_group(ms)).empty());
}

TEST(Chain, NonDurableReplicasStayLostAfterARestartWithoutStorage) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  InProcCluster c(o);
  std::string ms;
  ASSERT_TRUE(c.run("client", [&] { ms = c.client().create(kDurableOnKs1).id(); }));
  c.world().crash("ks1");
  c.world().run_for(3 * kSecond);
  c.restart_kernel("ks1", /*keep_storage=*/false);
  c.world().run_for(2 * kSecond);
  EXPECT_TRUE(c.oms().replicas(c.oms().root_group(ms)).empty());
  EXPECT_TRUE(c.kernel("ks1").local_objects().empty());
}

}  // namespace
}  // namespace amino::testing
