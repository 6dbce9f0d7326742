// A false failure suspicion never leaves a live object unavailable (issue 9, part 2). The OMS pauses
// past the heartbeat timeout, a kernel server pauses and comes back in the middle of the OMS's
// onFailure handling, heartbeats are cut one way: afterwards every object answers, no acknowledged
// write is lost, and the OMS's events say what was decided (withdrawn, re-admitted or discarded).
#include <gtest/gtest.h>

#include <algorithm>

#include "dms/all.h"
#include "testbed/sim_cluster.h"
#include "tests/kernel/test_apps.h"

namespace amino::testing {
namespace {

class FalseSuspicion : public ::testing::Test {
 protected:
  void SetUp() override {
    classes_.add<Counter>("Counter");
    dms::register_all(dms_);
    testbed::PlatformSpec p;
    p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
    for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-1", {}});
    // A spare server far away: replacing a replica there takes a while (a slow onFailure).
    p.hosts.push_back(testbed::HostSpec{"spare", 1e9, "region-2", {}, 400 * kMillisecond});
    p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
    sim::SimOptions so;
    so.seed = 11;
    so.platform = p;
    so.log_level = LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    co.kernel.call_timeout = 5 * kSecond;
    co.kernel.heartbeat_period = 200 * kMillisecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    co.client_only = {"client"};
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
    ASSERT_TRUE(cluster_->wait_registered(5 * kSecond));
  }

  Stub create(const std::string& spec) {
    Stub s;
    EXPECT_TRUE(cluster_->run_on("client", [&] { s = cluster_->kernel("client").create(spec); }, 20 * kSecond));
    return s;
  }

  // Calls until one succeeds (bounded): the object must become available again.
  // (The context outlives a run_on that timed out, so what it writes is shared, not on our stack.)
  Reply call_until_ok(const Stub& s, const std::string& m, ValueList args) {
    auto r = std::make_shared<Reply>(Reply::error(Code::kInternal, "did not run"));
    cluster_->run_on("client", [this, r, s, m, args] {
      for (int i = 0; i < 40; ++i) {
        *r = s.invoke(m, args, 2 * kSecond);
        if (r->ok() || r->status.code == Code::kAppError) return;
        cluster_->kernel("client").env().sleep_for(500 * kMillisecond);
      }
    }, 120 * kSecond);
    return *r;
  }

  // Runs the simulation until an OMS event contains `needle` (bounded).
  bool run_until_event(const std::string& needle) {
    auto seen = std::make_shared<bool>(false);
    cluster_->run_on("client", [this, seen, needle] {
      for (int i = 0; i < 400 && !(*seen = has_event(needle)); ++i) cluster_->kernel("client").env().sleep_for(25 * kMillisecond);
    }, 30 * kSecond);
    return *seen;
  }

  bool has_event(const std::string& needle) {
    const auto& ev = cluster_->oms().events();
    return std::any_of(ev.begin(), ev.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  }

  std::string events() {
    std::string out;
    for (const auto& e : cluster_->oms().events()) out += e + "\n";
    return out;
  }

  void idle(Duration d) {
    cluster_->run_on("client", [&] { cluster_->kernel("client").env().sleep_for(d); }, d + kSecond);
  }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
};

const std::string kOnKs1 = "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n";
const std::string kRsmOnKs = "dmList: [{name: ConsensusRSM, config: {replicas: 3}}]\n"
                             "nodeSelector: [{key: name, operator: in, values: [ks1, ks2, ks3, spare]}]\n";

TEST_F(FalseSuspicion, OmsPausedPastTheHeartbeatTimeoutBlamesNoOne) {
  Stub plain = create("class: Counter\nargs: [0]\n" + kOnKs1);
  ASSERT_TRUE(call_until_ok(plain, "add", {Value(1)}).ok());
  world_->apply(testbed::PauseFault{"oms"});
  idle(3 * kSecond);  // three heartbeat timeouts of silence, all of it the OMS's own
  world_->apply(testbed::ResumeFault{"oms"});
  idle(2 * kSecond);
  EXPECT_FALSE(has_event("declared dead")) << events();
  EXPECT_TRUE(has_event("OMS was unresponsive")) << events();
  Reply r = call_until_ok(plain, "add", {Value(1)});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 2);
}

// The race of the issue: a server comes back while the OMS is still delivering the onFailure
// upcalls of its declared death (one of them blocks replacing an RSM replica far away). The plain
// object on it must end up a live member again, and the RSM replica that was replaced meanwhile
// must be discarded, not doubled.
TEST_F(FalseSuspicion, ServerBackDuringOnFailureIsReconciledByEachGroup) {
  // The spare is down while the RSM is placed, so its replicas are on ks1..ks3 (a Raft leader 400 ms
  // away would not keep up with the clients' attempt timeouts); it is the only place for a new one.
  world_->apply(testbed::CrashFault{"spare"});
  ASSERT_TRUE(run_until_event("spare missed its heartbeats")) << events();
  Stub rsm = create("class: Counter\nargs: [0]\n" + kRsmOnKs);  // created first: its onFailure runs first
  Stub plain = create("class: Counter\nargs: [0]\n" + kOnKs1);
  world_->apply(testbed::RestartFault{"spare"});
  std::int64_t acked = 0;
  for (int i = 0; i < 5; ++i) acked += call_until_ok(rsm, "add", {Value(1)}).ok() ? 1 : 0;
  ASSERT_TRUE(call_until_ok(plain, "add", {Value(1)}).ok());
  ASSERT_TRUE(run_until_event("kernel server spare registered") || has_event("spare is back")) << events();

  world_->apply(testbed::PauseFault{"ks1"});
  ASSERT_TRUE(run_until_event("ks1 missed its heartbeats")) << events();
  world_->apply(testbed::ResumeFault{"ks1"});  // back at once, while onFailure is being handled
  ASSERT_TRUE(run_until_event("kernel server ks1 is back")) << events();
  idle(5 * kSecond);

  Reply r = call_until_ok(plain, "add", {Value(1)});
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << events();
  EXPECT_EQ(r.value.as_int(), 2);
  EXPECT_TRUE(has_event("re-admitted") || has_event("suspicion withdrawn")) << events();
  for (int i = 0; i < 3; ++i) acked += call_until_ok(rsm, "add", {Value(1)}).ok() ? 1 : 0;
  Reply total = call_until_ok(rsm, "get", {});
  ASSERT_TRUE(total.ok()) << total.status.to_string() << "\n" << events();
  EXPECT_EQ(total.value.as_int(), acked);  // nothing acknowledged was lost, nothing applied twice
  EXPECT_EQ(cluster_->oms().replicas(cluster_->oms().root_group(rsm.id())).size(), 3u)
      << "the group is at its configured size, not over it\n" << events();
  // ks1's RSM replica was replaced on the spare while ks1 was suspected, so it was discarded.
  EXPECT_TRUE(has_event("created on spare")) << events();
  EXPECT_TRUE(has_event("discarded by group")) << events();
}

TEST_F(FalseSuspicion, OneWayHeartbeatPartitionHealsIntoAvailability) {
  Stub plain = create("class: Counter\nargs: [0]\n" + kOnKs1);
  Stub rsm = create("class: Counter\nargs: [0]\n" + kRsmOnKs);
  std::int64_t acked = 0;
  for (int i = 0; i < 3; ++i) acked += call_until_ok(rsm, "add", {Value(1)}).ok() ? 1 : 0;
  // ks1 hears everyone and everyone but the OMS hears ks1.
  world_->apply(testbed::OneWayPartitionFault{{"ks1"}, {"oms"}});
  ASSERT_TRUE(run_until_event("ks1 missed its heartbeats")) << events();
  for (int i = 0; i < 3; ++i) acked += call_until_ok(rsm, "add", {Value(1)}).ok() ? 1 : 0;
  idle(2 * kSecond);
  world_->apply(testbed::HealFault{});
  ASSERT_TRUE(run_until_event("kernel server ks1 is back")) << events();
  Reply r = call_until_ok(plain, "add", {Value(5)});
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << events();
  EXPECT_EQ(r.value.as_int(), 5);
  EXPECT_TRUE(has_event("re-admitted by group")) << events();
  Reply total = call_until_ok(rsm, "get", {});
  ASSERT_TRUE(total.ok()) << total.status.to_string();
  EXPECT_EQ(total.value.as_int(), acked);
}

}  // namespace
}  // namespace amino::testing
