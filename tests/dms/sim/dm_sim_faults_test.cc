// DM guarantees under faults injected by the SimGrid backend (one simulation per test process).
// Platform: an OMS, three kernel servers, a cloud server and a client device, CM02 network.
#include <gtest/gtest.h>

#include "dms/all.h"
#include "sim/sim_cluster.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

class DmSimFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    classes_.add<Counter>("Counter");
    classes_.add<SlowTally>("SlowTally");
    dms::register_all(dms_);
    sim::PlatformSpec p;
    p.hosts.push_back(sim::HostSpec{"oms", 1e9, "control", {}});
    for (int i = 1; i <= 3; ++i) p.hosts.push_back(sim::HostSpec{"ks" + std::to_string(i), 1e9, "region-1", {}});
    p.hosts.push_back(sim::HostSpec{"cloud1", 1e9, "cloud", {{"tier", "cloud"}}});
    p.hosts.push_back(sim::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
    p.hosts.push_back(sim::HostSpec{"client2", 1e9, "edge", {{"role", "client"}}});
    sim::SimOptions so;
    so.seed = 5;
    so.platform = p;
    so.log_level = LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    sim::SimClusterOptions co;
    co.oms_host = "oms";
    co.kernel.call_timeout = 10 * kSecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    cluster_ = std::make_unique<sim::SimCluster>(*world_, classes_, dms_, co);
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

  void partition(std::vector<std::vector<NodeId>> groups) { world_->apply(sim::PartitionFault{std::move(groups)}); }
  void heal_at(Time t) { world_->schedule(t, sim::HealFault{}); }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<sim::SimCluster> cluster_;
};

const std::string kOnKs1 = "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n";

TEST_F(DmSimFaults, AtLeastOnceRpcRidesOutAPartition) {
  Stub s = create("class: Counter\nargs: [0]\ndmList: [{name: AtLeastOnceRPC, config: {timeoutMs: 8000}}]\n" + kOnKs1);
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2"}});
  heal_at(world_->now() + 3 * kSecond);
  const Time start = world_->now();
  Reply r = call("client", s, "add", {Value(1)});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_GE(r.value.as_int(), 1);  // at least once: a retry may have run it twice
  EXPECT_GE(world_->now() - start, 3 * kSecond);  // it really waited for the heal
}

TEST_F(DmSimFaults, WithoutAtLeastOnceThePartitionIsAnError) {
  Stub s = create("class: Counter\nargs: [0]\n" + kOnKs1);
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2"}});
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
  world_->apply(sim::CrashFault{"client"});
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
  partition({{"client"}, {"ks1", "ks2", "ks3", "cloud1", "oms", "client2"}});
  Reply r = call("client", s, "get", {});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 7);
  Reply w = Reply::ok({});
  cluster_->run_on("client", [&] { w = s.invoke("add", {Value(1)}, 1 * kSecond); }, 10 * kSecond);
  EXPECT_FALSE(w.ok());  // writes need the server
}

TEST_F(DmSimFaults, SerializableRpcUnderDuplicationAndReordering) {
  Stub s = create("class: SlowTally\ndmList: [{name: SerializableRPC}]\n" + kOnKs1);
  world_->apply(sim::MessageFaultsFault{"*", "*", netfault::LinkFaults{0, 0.3, 0.5, 5 * kMillisecond, 0, 0}});
  auto done = std::make_shared<int>(0);
  for (int i = 0; i < 5; ++i) {
    world_->env("client").spawn("caller", [s, done] {
      (void)s.invoke("slow_add", {Value(1), Value(1e6)});
      ++*done;
    });
  }
  world_->run_for(20 * kSecond);
  ASSERT_EQ(*done, 5);
  world_->apply(sim::ClearMessageFaultsFault{});
  Reply overlap = call("client", s, "max_overlap", {});
  ASSERT_TRUE(overlap.ok());
  EXPECT_EQ(overlap.value.as_int(), 1);  // never two calls inside the method at once
}

}  // namespace
}  // namespace amino::testing
