// Same binary + scenario + seed -> the same trace hash, for the whole runtime (OMS, kernel servers,
// a two-DM chain with replication, migration, a crash and message faults) on the SimGrid backend.
// Each run is a fresh forked process: SimGrid's Engine cannot be reused.
#include <gtest/gtest.h>

#include "sim/isolate.h"
#include "testbed/sim_cluster.h"
#include "tests/conformance/conformance.h"

namespace amino::conformance {
namespace {

std::string run_scenario(std::uint64_t seed) {
  ClassRegistry classes;
  register_classes(classes);
  DmRegistry dms;
  register_dms(dms);
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
  for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-" + std::to_string(i), {}});
  p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {}});
  sim::SimOptions so;
  so.seed = seed;
  so.platform = p;
  so.log_level = LogLevel::kError;
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  co.oms.heartbeat_timeout = 1 * kSecond;
  testbed::SimCluster cluster(so, classes, dms, co);
  sim::SimWorld& world = cluster.world();
  cluster.wait_registered(5 * kSecond);
  // Loss and jitter make the RNG matter; the OMS's placement choices use it too.
  world.apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.05, 0.02, 0.2, 2 * kMillisecond, 0, kMillisecond}});
  Stub s;
  std::string ms;
  cluster.run_on("client", [&] {
    s = cluster.kernel("client").create("class: Counter\nargs: [0]\ndmList: [{name: TraceA, config: {replicas: 2}}, {name: TraceB}]\n");
    ms = s.id();
    for (int i = 0; i < 20; ++i) (void)s.invoke("add", {Value(i)}, 500 * kMillisecond);
  }, 60 * kSecond);
  cluster.run_on("oms", [&] { (void)cluster.oms().migrate(ms, "ks3"); }, 30 * kSecond);
  world.apply(testbed::CrashFault{"ks1"});
  cluster.run_on("client", [&] {
    for (int i = 0; i < 20; ++i) (void)s.invoke("get", {}, 500 * kMillisecond);
  }, 60 * kSecond);
  world.run_for(3 * kSecond);
  return std::to_string(world.trace_hash()) + " events=" + std::to_string(world.trace().size());
}

std::string isolated(std::uint64_t seed) {
  sim::IsolatedResult r = sim::run_isolated([seed] { return run_scenario(seed); });
  EXPECT_TRUE(r.ok) << "exit " << r.exit_code << " signal " << r.signal << ": " << r.output;
  return r.output;
}

TEST(KernelDeterminism, SameSeedSameTraceHashInFreshProcesses) {
  const std::string first = isolated(3);
  EXPECT_EQ(isolated(3), first);
  EXPECT_EQ(isolated(3), first);
}

TEST(KernelDeterminism, DifferentSeedsGiveDifferentTraces) {
  EXPECT_NE(isolated(3), isolated(4));
}

}  // namespace
}  // namespace amino::conformance
