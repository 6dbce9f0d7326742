// A replicated OMS on the in-process and the sockets clusters (InProcClusterOptions::oms_replicas,
// LoopbackClusterOptions::oms_replicas), as SimCluster has it: three OMS replicas, two kernel
// servers and a client. The serving replica is crashed: creates go on at a new leader, every object
// created before answers, and the crashed replica restarts from its storage and the group goes on.
// Waits are bounded by the clusters' run limits, never timed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dms/all.h"
#include "testbed/inproc_cluster.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "tests/kernel/test_apps.h"

namespace amino::testbed {
namespace {

const std::vector<NodeId> kReplicas = {"oms1", "oms2", "oms3"};

PlatformSpec platform() {
  PlatformSpec p;
  for (const auto& r : kReplicas) p.hosts.push_back(presets::cloud_server(r));
  for (const char* h : {"ks1", "ks2", "client"}) p.hosts.push_back(presets::cloud_server(h));
  return p;
}

const ClassRegistry& classes() {
  static const ClassRegistry c = [] {
    ClassRegistry r;
    r.add<testing::Counter>("Counter");
    return r;
  }();
  return c;
}

template <typename Options>
Options options() {
  Options o;
  o.platform = platform();
  o.oms_replicas = kReplicas;
  o.kernel.heartbeat_period = 200 * kMillisecond;
  o.kernel.oms_attempt_timeout = 500 * kMillisecond;
  o.kernel.oms_attempts = 40;  // sockets on a loaded machine elect slowly: bounded, but generous
  o.oms.heartbeat_timeout = 2 * kSecond;
  return o;
}

class ReplicatedOmsCluster : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "inproc") {
      auto c = std::make_unique<InProcCluster>(classes(), dms::builtin(), options<InProcClusterOptions>());
      leader_ = [p = c.get()] { return p->oms_leader(); };
      cluster_ = std::move(c);
    } else {
      auto c = std::make_unique<LoopbackCluster>(classes(), dms::builtin(), options<LoopbackClusterOptions>());
      leader_ = [p = c.get()] { return p->oms_leader(); };
      cluster_ = std::move(c);
    }
    ASSERT_TRUE(cluster_->wait_registered(30 * kSecond));
  }

  Reply create(const std::string& name) {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster_->run_on("client", [&] {
      try {
        r = Reply::ok(cluster_->kernel("client").create("class: Counter\nname: " + name + "\nargs: [0]\n").id());
      } catch (const SystemError& e) {
        r = Reply::error(e.code(), e.what());
      }
    }, 60 * kSecond);
    return r;
  }
  Reply add(const std::string& name) {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster_->run_on("client", [&] {
      try {
        r = cluster_->kernel("client").acquire(name).invoke("add", {Value(1)}, 5 * kSecond);
      } catch (const SystemError& e) {
        r = Reply::error(e.code(), e.what());
      }
    }, 60 * kSecond);
    return r;
  }

  std::unique_ptr<Cluster> cluster_;
  std::function<NodeId()> leader_;
};

TEST_P(ReplicatedOmsCluster, LeaderCrashCreatesGoOnAndEveryObjectAnswers) {
  const NodeId first = leader_();
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(create("a").ok());
  ASSERT_TRUE(add("a").ok());
  cluster_->crash(first);
  const Reply b = create("b");
  ASSERT_TRUE(b.ok()) << b.status.to_string();
  const NodeId second = leader_();
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second, first);
  const Reply a = add("a");
  ASSERT_TRUE(a.ok()) << a.status.to_string();
  EXPECT_EQ(a.value.as_int(), 2);  // the object and its registration survived the failover
  EXPECT_TRUE(add("b").ok());
  EXPECT_EQ(cluster_->oms().nodes().size(), 3u);  // ks1, ks2 and the client's kernel server
  // The crashed replica restarts from its storage and the group goes on.
  cluster_->schedule(0, RestartFault{first});
  cluster_->run_for(100 * kMillisecond);
  EXPECT_TRUE(create("c").ok());
  EXPECT_TRUE(add("c").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, ReplicatedOmsCluster, ::testing::Values("inproc", "sockets"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace amino::testbed
