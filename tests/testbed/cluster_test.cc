// testbed::Cluster on every backend: the same steps — a call, a scheduled partition and heal, a
// crash and a scheduled restart — must have the same effect on InProcCluster, LoopbackCluster and
// SimCluster. Each test case runs in its own process (gtest_discover_tests), as SimGrid requires.
// Waits are bounded by the cluster's run limits, never timed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dms/all.h"
#include "testbed/inproc_cluster.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"
#include "tests/kernel/test_apps.h"

namespace amino::testbed {
namespace {

constexpr const char* kCounterOnKs1 =
    "class: Counter\nargs: [0]\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n";

PlatformSpec platform() {
  PlatformSpec p;
  p.hosts = {presets::cloud_server("oms"), presets::cloud_server("client"), presets::cloud_server("ks1")};
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

std::unique_ptr<Cluster> make(const std::string& backend) {
  KernelOptions ko;
  ko.call_timeout = 300 * kMillisecond;
  ko.control_timeout = 300 * kMillisecond;
  if (backend == "inproc") {
    InProcClusterOptions o;
    o.platform = platform();
    o.oms_host = "oms";
    o.kernel = ko;
    return std::make_unique<InProcCluster>(classes(), dms::builtin(), o);
  }
  if (backend == "sockets") {
    LoopbackClusterOptions o;
    o.platform = platform();
    o.oms_host = "oms";
    o.kernel = ko;
    return std::make_unique<LoopbackCluster>(classes(), dms::builtin(), o);
  }
  sim::SimOptions so;
  so.platform = platform();
  SimClusterOptions o;
  o.oms_host = "oms";
  o.kernel = ko;
  return std::make_unique<SimCluster>(so, classes(), dms::builtin(), o);
}

// "ok <value>" or the error code's name.
std::string call(Cluster& c, Stub& s, const char* method, std::vector<Value> args = {}) {
  std::string out = "DID NOT FINISH";
  c.run_on("client", [&] {
    try {
      Reply r = s.invoke(method, std::move(args), 300 * kMillisecond);
      out = r.ok() ? "ok " + r.value.to_string() : std::string(is_retryable(r.status.code) ? "retryable" : "fatal");
    } catch (const SystemError& e) {
      out = is_retryable(e.code()) ? "retryable" : "fatal";
    }
  }, 10 * kSecond);
  return out;
}

class ClusterOnEveryBackend : public ::testing::TestWithParam<std::string> {};

TEST_P(ClusterOnEveryBackend, ScheduledPartitionAndHealCrashAndRestart) {
  std::unique_ptr<Cluster> c = make(GetParam());
  ASSERT_TRUE(c->wait_registered(10 * kSecond));
  Stub s;
  ASSERT_TRUE(c->run_on("client", [&] { s = c->kernel("client").create(kCounterOnKs1); }, 10 * kSecond));
  EXPECT_EQ(call(*c, s, "add", {Value(std::int64_t{2})}), "ok 2");

  c->schedule(0, PartitionFault{{{"client"}, {"oms", "ks1"}}, BlockMode::kDrop});
  c->run_for(20 * kMillisecond);
  EXPECT_EQ(call(*c, s, "get"), "retryable");
  c->schedule(0, HealFault{});
  c->run_for(20 * kMillisecond);
  EXPECT_EQ(call(*c, s, "get"), "ok 2");

  Kernel* before = &c->kernel("ks1");
  c->crash("ks1");
  EXPECT_EQ(call(*c, s, "get"), "retryable");
  c->schedule(10 * kMillisecond, RestartFault{"ks1"});
  const Time t = c->now();
  c->run_until(t + 100 * kMillisecond);
  EXPECT_GE(c->now(), t + 100 * kMillisecond);
  EXPECT_NE(&c->kernel("ks1"), before);  // a fresh incarnation booted
}

TEST_P(ClusterOnEveryBackend, InvalidFaultsAreRejectedBeforeTheRun) {
  std::unique_ptr<Cluster> c = make(GetParam());
  EXPECT_THROW(c->schedule(0, CrashFault{"nowhere"}), std::invalid_argument);
  if (GetParam() != "simgrid") {  // clocks are simulated only
    EXPECT_THROW(c->schedule(0, ClockFault{"ks1", kSecond, 0}), std::invalid_argument);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterOnEveryBackend, ::testing::Values("inproc", "sockets", "simgrid"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace amino::testbed
