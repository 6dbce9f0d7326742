// DM guarantees under faults injected by the SimGrid backend (one simulation per test process).
// Platform: an OMS, three kernel servers, a cloud server and a client device, CM02 network.
#include <gtest/gtest.h>

#include "dms/all.h"
#include "testbed/sim_cluster.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

class DmSimFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    classes_.add<Counter>("Counter");
    classes_.add<SlowTally>("SlowTally");
    classes_.add<Workpad>("Workpad");
    dms::register_all(dms_);
    testbed::PlatformSpec p;
    p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
    for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-1", {}});
    p.hosts.push_back(testbed::HostSpec{"cloud1", 1e9, "cloud", {{"tier", "cloud"}}});
    p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
    p.hosts.push_back(testbed::HostSpec{"client2", 1e9, "edge", {{"role", "client"}}});
    // A device far from everything (20 ms one-way uplink): placement DMs should bring objects to it.
    p.hosts.push_back(testbed::HostSpec{"phone", 1e8, "mobile", {{"role", "client"}}, 20 * kMillisecond});  // 10x slower CPU
    sim::SimOptions so;
    so.seed = 5;
    so.platform = p;
    so.log_level = LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    co.kernel.call_timeout = 10 * kSecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
    ASSERT_TRUE(cluster_->wait_registered(5 * kSecond));
  }

  Stub create(const std::string& spec, const NodeId& from = "client") {
    Stub s;
    EXPECT_TRUE(cluster_->run_on(from, [&] { s = cluster_->kernel(from).create(spec); }, 10 * kSecond));
    return s;
  }

  Reply call(const NodeId& from, const Stub& s, const std::string& m, ValueList args, Duration limit = 30 * kSecond) {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster_->run_on(from, [&] { r = s.invoke(m, std::move(args)); }, limit);
    return r;
  }

  void start_on_ks1(const Stub& s) {
    Status moved;
    ASSERT_TRUE(cluster_->run_on("oms", [&] { moved = cluster_->oms().migrate(s.id(), "ks1"); }, 10 * kSecond));
    ASSERT_TRUE(moved.ok()) << moved.to_string();
  }

  void partition(std::vector<std::vector<NodeId>> groups) { world_->apply(testbed::PartitionFault{std::move(groups)}); }
  void heal_at(Time t) { world_->schedule(t, testbed::HealFault{}); }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
};

const std::string kOnKs1 = "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n";
// For the placement DMs: the phone is allowed, but the object starts on ks1 (start_on_ks1).
const std::string kKs1OrPhone = "nodeSelector: [{key: name, operator: in, values: [ks1, phone]}]\n";

TEST_F(DmSimFaults, AtLeastOnceRpcRidesOutAPartition) {
  Stub s = create("class: Counter\nargs: [0]\ndmList: [{name: AtLeastOnceRPC, config: {timeoutMs: 8000}}]\n" + kOnKs1);
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2", "phone"}});
  heal_at(world_->now() + 3 * kSecond);
  const Time start = world_->now();
  Reply r = call("client", s, "add", {Value(1)});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_GE(r.value.as_int(), 1);  // at least once: a retry may have run it twice
  EXPECT_GE(world_->now() - start, 3 * kSecond);  // it really waited for the heal
}

TEST_F(DmSimFaults, WithoutAtLeastOnceThePartitionIsAnError) {
  Stub s = create("class: Counter\nargs: [0]\n" + kOnKs1);
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2", "phone"}});
  heal_at(world_->now() + 3 * kSecond);
  Reply r = Reply::error(Code::kInternal, "did not finish");
  cluster_->run_on("client", [&] { r = s.invoke("add", {Value(1)}, 1 * kSecond); }, 30 * kSecond);
  // A typed, retryable system error (the OMS is cut off too, so no replica can even be looked up).
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(is_retryable(r.status.code)) << r.status.to_string();
}

TEST_F(DmSimFaults, LeaseCachingSurvivesACrashedLeaseHolder) {
  Stub s = create("class: Counter\nargs: [10]\ndmList: [{name: LeaseCaching, config: {leaseMs: 2000}}]\n" + kOnKs1);
  // client takes the lease and writes; its write-back happens on renew/release. Then it crashes.
  ASSERT_TRUE(call("client", s, "add", {Value(5)}).ok());
  world_->apply(testbed::CrashFault{"client"});
  // client2 waits for the lease to expire and then sees the last state written back (10, maybe 15
  // if the holder wrote back before crashing) — never an error, never a hang.
  Stub s2;
  ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
  Reply r = call("client2", s2, "get", {});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_TRUE(r.value.as_int() == 10 || r.value.as_int() == 15) << r.value.to_string();
  ASSERT_TRUE(call("client2", s2, "add", {Value(1)}).ok());
}

TEST_F(DmSimFaults, WriteThroughCachingServesReadsDuringAPartition) {
  Stub s = create("class: Counter\nargs: [3]\ndmList: [{name: WriteThroughCaching, config: {refreshMs: 100000}}]\n" + kOnKs1);
  ASSERT_TRUE(call("client", s, "add", {Value(4)}).ok());  // write at the server, copy refreshed
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2", "phone"}});
  Reply r = call("client", s, "get", {});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 7);
  Reply w = Reply::ok({});
  cluster_->run_on("client", [&] { w = s.invoke("add", {Value(1)}, 1 * kSecond); }, 10 * kSecond);
  EXPECT_FALSE(w.ok());  // writes need the server
}

TEST_F(DmSimFaults, ExplicitCachingKeepsWorkingOnItsCopyThroughAPartitionAndPushesAfterTheHeal) {
  Stub s = create("class: Workpad\ndmList: [{name: ExplicitCaching}]\n" + kOnKs1);
  ASSERT_TRUE(call("client", s, "pull", {}).ok());
  ASSERT_TRUE(call("client", s, "add", {Value(2)}).ok());
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2", "phone"}});
  Reply more = call("client", s, "add", {Value(3)});  // on the copy: no server needed
  ASSERT_TRUE(more.ok()) << more.status.to_string();
  EXPECT_EQ(more.value.as_int(), 5);
  Reply pushed = Reply::ok({});
  cluster_->run_on("client", [&] { pushed = s.invoke("push", {}, 1 * kSecond); }, 10 * kSecond);
  EXPECT_FALSE(pushed.ok());  // the server is cut off: the copy and its writes are kept
  world_->apply(testbed::HealFault{});
  ASSERT_TRUE(call("client", s, "push", {}).ok());
  Stub s2;
  ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
  Reply seen = call("client2", s2, "total", {});
  ASSERT_TRUE(seen.ok()) << seen.status.to_string();
  EXPECT_EQ(seen.value.as_int(), 5);
}

TEST_F(DmSimFaults, ExplicitCachingLosesOrRefusesAConcurrentWriteAsDocumentedUnderReordering) {
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0, 0, 0.5, 5 * kMillisecond, 0, 0}});
  for (const bool reject : {false, true}) {
    Stub s = create(std::string("class: Workpad\ndmList: [{name: ExplicitCaching, config: {rejectStalePush: ") +
                    (reject ? "true" : "false") + "}}]\n" + kOnKs1);
    Stub s2;
    ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
    ASSERT_TRUE(call("client", s, "pull", {}).ok());
    ASSERT_TRUE(call("client2", s2, "add", {Value(10)}).ok());  // at the server, after the pull
    ASSERT_TRUE(call("client", s, "add", {Value(1)}).ok());     // on the copy
    Reply pushed = call("client", s, "push", {});
    Reply total = call("client2", s2, "total", {});
    ASSERT_TRUE(total.ok()) << total.status.to_string();
    if (reject) {
      EXPECT_EQ(pushed.status.code, Code::kAborted) << pushed.status.to_string();
      EXPECT_EQ(total.value.as_int(), 10);  // nothing lost, the pusher is told
    } else {
      ASSERT_TRUE(pushed.ok()) << pushed.status.to_string();
      EXPECT_EQ(total.value.as_int(), 1);  // the last push wins: client2's write is gone
    }
  }
}

// Reads from `from` after each of `writes` increments by `writer` returned: none may be older.
void expect_no_stale_read(testbed::SimCluster& cluster, const Stub& reader, const NodeId& from, const Stub& writer,
                          const NodeId& writer_node, int writes, int* reads_ok) {
  for (int i = 0; i < writes; ++i) {
    Reply w = Reply::error(Code::kInternal, "did not finish");
    cluster.run_on(writer_node, [&] { w = writer.invoke("add", {Value(1)}, 5 * kSecond); }, 10 * kSecond);
    if (!w.ok()) continue;  // a failed write may or may not have run: later reads show at least the last ok one
    const std::int64_t written = w.value.as_int();
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster.run_on(from, [&] { r = reader.invoke("get", {}, 2 * kSecond); }, 10 * kSecond);
    if (!r.ok()) continue;
    ++*reads_ok;
    EXPECT_GE(r.value.as_int(), written) << "stale read on " << from << " after write " << i;
  }
}

TEST_F(DmSimFaults, ConsistentCachingNeverReadsStaleUnderLossAndReordering) {
  Stub s = create("class: Counter\nargs: [0]\ndmList: [{name: ConsistentCaching, config: {leaseMs: 600, ackTimeoutMs: 150}}]\n" + kOnKs1);
  Stub s2;
  ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
  ASSERT_TRUE(call("client", s, "get", {}).ok());  // copies on client and client2
  ASSERT_TRUE(call("client2", s2, "get", {}).ok());
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.1, 0, 0.5, 20 * kMillisecond, 0, 0}});
  int reads_ok = 0;
  expect_no_stale_read(*cluster_, s, "client", s2, "client2", 15, &reads_ok);
  expect_no_stale_read(*cluster_, s2, "client2", s, "client", 15, &reads_ok);
  EXPECT_GE(reads_ok, 10);  // the check ran on real reads
  world_->apply(testbed::ClearMessageFaultsFault{});
  world_->run_for(2 * kSecond);  // evicted copies rejoin
  Reply w = call("client2", s2, "add", {Value(1)});
  ASSERT_TRUE(w.ok()) << w.status.to_string();
  Reply r = call("client", s, "where", {});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_string(), "client");  // reads are local again
  EXPECT_EQ(call("client", s, "get", {}).value.as_int(), w.value.as_int());
}

TEST_F(DmSimFaults, ConsistentCachingEvictsACutOffClientAndKeepsTakingWrites) {
  Stub s = create("class: Counter\nargs: [0]\ndmList: [{name: ConsistentCaching, config: {leaseMs: 800, ackTimeoutMs: 200}}]\n" + kOnKs1);
  Stub s2;
  ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
  ASSERT_TRUE(call("client", s, "get", {}).ok());
  ASSERT_TRUE(call("client2", s2, "get", {}).ok());
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2", "phone"}});
  const Time start = world_->now();
  Reply w = call("client2", s2, "add", {Value(7)});
  ASSERT_TRUE(w.ok()) << w.status.to_string();
  EXPECT_LE(world_->now() - start, 1500 * kMillisecond);  // ackTimeoutMs + leaseMs, plus the round trips
  // The cut-off client's copy stopped answering when its lease ran out: no read shows 0 now.
  Reply stale = Reply::ok({});
  cluster_->run_on("client", [&] { stale = s.invoke("get", {}, 1 * kSecond); }, 10 * kSecond);
  EXPECT_TRUE(!stale.ok() || stale.value.as_int() == 7) << stale.value.to_string();
  world_->apply(testbed::HealFault{});
  world_->run_for(2 * kSecond);
  EXPECT_EQ(call("client", s, "get", {}).value.as_int(), 7);
}

TEST_F(DmSimFaults, ConsistentCachingCopiesStopAnsweringWhileThePrimaryIsPausedAndResumeAfter) {
  Stub s = create("class: Counter\nargs: [4]\ndmList: [{name: ConsistentCaching, config: {leaseMs: 500}}]\n" + kOnKs1);
  Stub s2;
  ASSERT_TRUE(cluster_->run_on("client2", [&] { s2 = cluster_->kernel("client2").acquire(s.id()); }, 5 * kSecond));
  ASSERT_EQ(call("client", s, "get", {}).value.as_int(), 4);
  world_->apply(testbed::PauseFault{"ks1"});
  world_->run_for(1 * kSecond);  // past the copy's lease: it could not renew
  Reply r = Reply::ok({});
  cluster_->run_on("client", [&] { r = s.invoke("get", {}, 500 * kMillisecond); }, 10 * kSecond);
  EXPECT_FALSE(r.ok()) << "a copy answered with its lease run out: " << r.value.to_string();
  world_->apply(testbed::ResumeFault{"ks1"});
  world_->run_for(2 * kSecond);  // the OMS had declared ks1 dead (1 s of silence); its return re-admits the primary
  Reply w = call("client2", s2, "add", {Value(1)});
  ASSERT_TRUE(w.ok()) << w.status.to_string();
  world_->run_for(1 * kSecond);  // the copy renews (and catches up) on its own
  EXPECT_EQ(call("client", s, "get", {}).value.as_int(), 5);
  EXPECT_EQ(call("client", s, "where", {}).value.as_string(), "client");
}

TEST_F(DmSimFaults, ConsistentCachingStopsAnsweringWhenThePrimaryIsLost) {
  Stub s = create("class: Counter\nargs: [4]\ndmList: [{name: ConsistentCaching, config: {leaseMs: 500}}]\n" + kOnKs1);
  ASSERT_EQ(call("client", s, "get", {}).value.as_int(), 4);
  world_->apply(testbed::CrashFault{"ks1"});
  world_->run_for(1 * kSecond);  // past the copy's lease
  Reply r = Reply::ok({});
  cluster_->run_on("client", [&] { r = s.invoke("get", {}, 1 * kSecond); }, 10 * kSecond);
  EXPECT_FALSE(r.ok()) << "a copy answered without its primary: " << r.value.to_string();
}

TEST_F(DmSimFaults, SerializableRpcUnderDuplicationAndReordering) {
  Stub s = create("class: SlowTally\ndmList: [{name: SerializableRPC}]\n" + kOnKs1);
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0, 0.3, 0.5, 5 * kMillisecond, 0, 0}});
  auto done = std::make_shared<int>(0);
  for (int i = 0; i < 5; ++i) {
    world_->env("client").spawn("caller", [s, done] {
      (void)s.invoke("slow_add", {Value(1), Value(1e6)});
      ++*done;
    });
  }
  world_->run_for(20 * kSecond);
  ASSERT_EQ(*done, 5);
  world_->apply(testbed::ClearMessageFaultsFault{});
  Reply overlap = call("client", s, "max_overlap", {});
  ASSERT_TRUE(overlap.ok());
  EXPECT_EQ(overlap.value.as_int(), 1);  // never two calls inside the method at once
}

// Calls `method` `n` times from `from`, each `gap` apart (simulated time); returns the outcomes.
std::vector<Reply> calls(testbed::SimCluster& cluster, const NodeId& from, const Stub& s, const std::string& method,
                         ValueList args, int n, Duration gap, Duration timeout = 2 * kSecond) {
  std::vector<Reply> out;
  cluster.run_on(from, [&] {
    for (int i = 0; i < n; ++i) {
      out.push_back(s.invoke(method, args, timeout));
      cluster.kernel(from).env().sleep_for(gap);
    }
  }, n * (gap + timeout + kSecond));
  return out;
}

// Where the object runs, asked through a stub that `from`'s kernel acquires.
std::string where(testbed::SimCluster& cluster, const Stub& s, const NodeId& from = "client") {
  Reply r = Reply::error(Code::kInternal, "did not finish");
  // 20 s: under message loss a lost control-plane request (e.g. to the OMS) costs its 5 s deadline.
  cluster.run_on(from, [&] { r = cluster.kernel(from).acquire(s.id()).invoke("where", {}, 20 * kSecond); }, 30 * kSecond);
  return r.ok() ? r.value.as_string() : r.status.to_string();
}

TEST_F(DmSimFaults, ImmutableServesReadsAfterItsServerCrashed) {
  Stub s = create("class: Counter\nargs: [7]\ndmList: [{name: Immutable}]\n" + kOnKs1);
  ASSERT_EQ(call("client", s, "get", {}).value.as_int(), 7);  // fetches the state once
  world_->apply(testbed::CrashFault{"ks1"});
  Reply r = call("client", s, "get", {});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 7);
  EXPECT_EQ(call("client", s, "add", {Value(1)}).status.code, Code::kAborted);
}

TEST_F(DmSimFaults, KeepInCloudPlacesAndKeepsTheObjectOnTheCloudUnderLoss) {
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.05, 0, 0, 0, 0, 0}});
  Stub s = create("class: Workpad\ndmList: [{name: AtLeastOnceRPC}, {name: KeepInCloud}]\n");
  EXPECT_EQ(where(*cluster_, s), "cloud1");
}

TEST_F(DmSimFaults, ExplicitMigrationMovesTheObjectUnderDuplicationAndReordering) {
  // The selector admits ks1..ks3; migrateTo must respect it.
  Stub s = create("class: Workpad\ndmList: [{name: ExplicitMigration}]\n"
                  "nodeSelector: [{key: name, operator: in, values: [ks1, ks2, ks3]}]\n");
  ASSERT_TRUE(call("client", s, "add", {Value(5)}).ok());
  const std::string target = where(*cluster_, s) == "ks2" ? "ks3" : "ks2";
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0, 0.2, 0.3, 5 * kMillisecond, 0, 0}});
  Reply moved = call("client", s, "migrateTo", {Value(target)});
  ASSERT_TRUE(moved.ok()) << moved.status.to_string();
  EXPECT_EQ(where(*cluster_, s), target);
  EXPECT_EQ(call("client", s, "migrateTo", {Value("cloud1")}).status.code, Code::kPlacement);  // outside the selector
  Reply total = call("client", s, "total", {});
  ASSERT_TRUE(total.ok()) << total.status.to_string();
  EXPECT_EQ(total.value.as_int(), 5);
}

TEST_F(DmSimFaults, DynamicMigrationMovesTowardAFarCallerOnce) {
  // A stub belongs to the kernel that acquired it: the phone's calls go through the phone's stub.
  Stub s = create("class: Workpad\ndmList: [{name: DynamicMigration, config: {periodMs: 1000, reportEvery: 5, minDwellMs: 3000}}]\n" + kKs1OrPhone, "phone");
  start_on_ks1(s);
  const auto before = calls(*cluster_, "phone", s, "total", {}, 60, 100 * kMillisecond);
  const auto after = calls(*cluster_, "phone", s, "total", {}, 20, 100 * kMillisecond);
  ASSERT_TRUE(after.back().ok()) << after.back().status.to_string();
  EXPECT_EQ(where(*cluster_, s), "phone");  // 20 ms uplink: co-location removes ~40 ms per call
  (void)before;
}

TEST_F(DmSimFaults, KeepOnDeviceFollowsTheMostActiveCaller) {
  Stub s = create("class: Workpad\ndmList: [{name: KeepOnDevice, config: {periodMs: 500, stablePeriods: 2, minDwellMs: 1000}}]\n" + kKs1OrPhone, "phone");
  start_on_ks1(s);
  const auto r = calls(*cluster_, "phone", s, "add", {Value(1)}, 80, 50 * kMillisecond);
  ASSERT_TRUE(r.back().ok()) << r.back().status.to_string();
  EXPECT_EQ(where(*cluster_, s), "phone");
  Reply total = call("phone", s, "total", {});
  ASSERT_TRUE(total.ok()) << total.status.to_string();
  EXPECT_EQ(total.value.as_int(), 80);  // no call lost across the move
}

TEST_F(DmSimFaults, CodeOffloadingFallsBackToTheDeviceWhenTheCloudIsCutOff) {
  Stub s = create("class: Workpad\ndmList: [{name: ExplicitCodeOffloading, config: {offloadMethods: [crunch]}}]\n", "phone");
  ASSERT_EQ(calls(*cluster_, "phone", s, "crunch", {Value(1e6)}, 1, 0).at(0).value.as_string(), "cloud1");
  partition({{"cloud1"}, {"ks1", "ks2", "ks3", "oms", "client", "client2", "phone"}});
  const auto cut = calls(*cluster_, "phone", s, "crunch", {Value(1e6)}, 3, 100 * kMillisecond);
  for (const auto& r : cut) {
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value.as_string(), "phone");
  }
  Reply total = Reply::error(Code::kInternal, "");
  cluster_->run_on("phone", [&] { total = s.invoke("total", {}, 5 * kSecond); }, 10 * kSecond);
  ASSERT_TRUE(total.ok()) << total.status.to_string();
  EXPECT_EQ(total.value.as_int(), 4);  // the cloud's effect came back with its reply; none lost
}

TEST_F(DmSimFaults, KeepInPlaceKeepsTheObjectOnItsCreatorUnderLoss) {
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.05, 0, 0, 0, 0, 0}});
  Stub s = create("class: Workpad\ndmList: [{name: AtLeastOnceRPC}, {name: KeepInPlace}]\n", "phone");
  EXPECT_EQ(where(*cluster_, s, "phone"), "phone");
}

TEST_F(DmSimFaults, CodeOffloadingPicksTheFasterSideAndSurvivesLosingTheCloud) {
  // 5e7 operations: 0.5 s on the phone's CPU, 50 ms on the cloud plus a 40 ms round trip.
  Stub s = create("class: Workpad\ndmList: [{name: CodeOffloading}]\n", "phone");
  int on_cloud = 0;
  for (const auto& r : calls(*cluster_, "phone", s, "crunch", {Value(5e7)}, 20, 0, 10 * kSecond)) {
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    on_cloud += r.value.as_string() == "cloud1" ? 1 : 0;
  }
  EXPECT_GE(on_cloud, 15);
  world_->apply(testbed::CrashFault{"cloud1"});
  for (const auto& r : calls(*cluster_, "phone", s, "crunch", {Value(5e7)}, 3, 0, 10 * kSecond)) {
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value.as_string(), "phone");
  }
  Reply total = call("phone", s, "total", {});
  ASSERT_TRUE(total.ok()) << total.status.to_string();
  EXPECT_EQ(total.value.as_int(), 23);  // every acknowledged call counted once on the device
}

}  // namespace
}  // namespace amino::testing
