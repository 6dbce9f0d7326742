// A FaultSchedule (the JSON the simulator reads) driving a real-TCP deployment on loopback: the
// LoopbackCluster applies message-layer faults, crash and restart; faults the sockets backend cannot
// express are rejected before the run. Waits are bounded by run_until limits, never timed: each
// phase waits until the schedule has visibly acted (fault state, node up/down) before calling.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dms/all.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "tests/kernel/test_apps.h"

namespace amino::testbed {
namespace {

constexpr const char* kCounterOnKs1 =
    "class: Counter\nargs: [0]\ndmList:\n  - name: DefaultDM\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n";

PlatformSpec platform() {
  PlatformSpec p;
  p.hosts = {testbed::presets::cloud_server("oms", "cloud"), testbed::presets::cloud_server("ks1", "cloud"),
             testbed::presets::cloud_server("ks2", "cloud"), testbed::presets::phone_wifi("client", "device")};
  return p;
}

struct Fixture {
  ClassRegistry classes;
  std::unique_ptr<LoopbackCluster> cluster;
  Stub counter;

  explicit Fixture(std::string cluster_key = "") {
    classes.add<testing::Counter>("Counter");
    LoopbackClusterOptions o;
    o.cluster_key = std::move(cluster_key);
    o.platform = platform();
    o.oms_host = "oms";
    o.kernel.call_timeout = 500 * kMillisecond;
    o.kernel.control_timeout = 500 * kMillisecond;
    o.oms.heartbeat_timeout = 1 * kSecond;
    cluster = std::make_unique<LoopbackCluster>(classes, dms::builtin(), o);
    EXPECT_TRUE(cluster->wait_registered(10 * kSecond));
    EXPECT_TRUE(cluster->run_on("client", [&] { counter = cluster->kernel("client").create(kCounterOnKs1); }, 10 * kSecond));
  }

  // One call from the client; the returned Reply says how it ended.
  Reply add_one() {
    Reply r;
    EXPECT_TRUE(cluster->run_on("client", [&] {
      try {
        r = counter.invoke("add", {Value(std::int64_t{1})}, 500 * kMillisecond);
      } catch (const SystemError& e) {
        r.status = Status{e.code(), e.what()};
      }
    }, 10 * kSecond));
    return r;
  }

  // Runs the loop until `done` holds (a scheduled fault has acted), at most 10 s.
  bool until(const std::function<bool()>& done) { return cluster->loop().run_until(done, 10 * kSecond); }
};

FaultSchedule schedule(const char* json_text) { return schedule_from_json(nlohmann::json::parse(json_text)); }

TEST(LoopbackCluster, AClusterWithAKeyWorksAndRefusesNodesWithoutIt) {
  const std::string key = "loopback-cluster-key-0123456789";
  Fixture f(key);
  EXPECT_TRUE(f.add_one().ok());
  // A node outside the cluster (no key) cannot reach its OMS.
  sockets::SocketsEnv outsider(f.cluster->loop());
  bool refused = false;
  outsider.set_inbox(Inbox{{}, [&](const NodeId& peer) { refused = peer == f.cluster->address("oms"); }});
  outsider.send(f.cluster->address("oms"), "let me in");
  EXPECT_TRUE(f.until([&] { return refused; }));
}

TEST(LoopbackCluster, KernelServersRegisterUnderTheirHostNames) {
  Fixture f;
  EXPECT_EQ(f.cluster->oms().nodes().size(), 3u);
  std::string where;
  ASSERT_TRUE(f.cluster->run_on("client", [&] { where = f.counter.call<std::string>("where"); }, 10 * kSecond));
  EXPECT_EQ(where, f.cluster->address("ks1"));
}

TEST(LoopbackCluster, PlatformLatencyAndBandwidthAreEmulatedPerPath) {
  Fixture f;
  const auto& state = f.cluster->fault_state();
  const PathModel expected{platform().path_latency("client", "ks1"), platform().path_bandwidth("client", "ks1")};
  EXPECT_GT(expected.latency, 10 * kMillisecond);     // WiFi uplink + cloud uplink
  EXPECT_EQ(expected.bandwidth, 20e6 / 8);            // the phone's WiFi uplink is the bottleneck
  EXPECT_EQ(state.path(f.cluster->address("client"), f.cluster->address("ks1")), expected);
  EXPECT_EQ(state.path(f.cluster->address("ks1"), f.cluster->address("client")), expected);
  EXPECT_EQ(state.path(f.cluster->address("ks1"), f.cluster->address("ks2")).latency, platform().path_latency("ks1", "ks2"));
}

TEST(LoopbackCluster, JsonPartitionScheduleCutsAndHealsRealConnections) {
  Fixture f;
  ASSERT_TRUE(f.add_one().ok());
  const auto s = schedule(R"({"faults": [
      {"at_ns": 0, "type": "partition", "groups": [["client"], ["ks1"]], "mode": "reset"},
      {"at_ns": 400000000, "type": "heal"}]})");
  ASSERT_TRUE(validate_for_sockets(s, platform()).empty());
  for (const auto& sf : s.faults) f.cluster->schedule(sf.at, sf.fault);
  const NodeId client = f.cluster->address("client"), ks1 = f.cluster->address("ks1");
  ASSERT_TRUE(f.until([&] { return f.cluster->fault_state().blocked(client, ks1).has_value(); }));
  const Reply cut = f.add_one();
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(cut.status.code, Code::kUnreachable) << cut.status.to_string();  // reset: fails at once
  ASSERT_TRUE(f.until([&] { return !f.cluster->fault_state().blocked(client, ks1).has_value(); }));
  const Reply healed = f.add_one();
  EXPECT_TRUE(healed.ok()) << healed.status.to_string();
  EXPECT_GE(f.cluster->message_stats().resets, 1u);
}

TEST(LoopbackCluster, JsonMessageLossDropsFramesOnTheWire) {
  Fixture f;
  f.cluster->apply(fault_from_json(nlohmann::json::parse(
      R"({"type": "message_faults", "from": "client", "to": "ks1", "faults": {"drop": 1.0}})")));
  const Reply lost = f.add_one();
  EXPECT_EQ(lost.status.code, Code::kTimeout) << lost.status.to_string();
  EXPECT_GE(f.cluster->message_stats().dropped, 1u);
  f.cluster->apply(ClearMessageFaultsFault{});
  EXPECT_TRUE(f.add_one().ok());
}

TEST(LoopbackCluster, CrashKillsTheNodeAndRestartBringsItBack) {
  Fixture f;
  ASSERT_TRUE(f.add_one().ok());
  f.cluster->schedule(0, CrashFault{"ks1", false});
  ASSERT_TRUE(f.until([&] { return !f.cluster->up("ks1"); }));
  const Reply down = f.add_one();
  EXPECT_FALSE(down.ok());
  EXPECT_TRUE(down.status.code == Code::kUnreachable || down.status.code == Code::kTimeout) << down.status.to_string();
  // The OMS notices the silence (heartbeat timeout 1 s) and drops ks1 from its live nodes.
  ASSERT_TRUE(f.until([&] { return f.cluster->oms().nodes().size() == 2; }));
  f.cluster->apply(RestartFault{"ks1"});
  EXPECT_TRUE(f.cluster->up("ks1"));
  ASSERT_TRUE(f.until([&] { return f.cluster->oms().nodes().size() == 3; }));
  EXPECT_TRUE(f.cluster->errors().empty());
}

TEST(LoopbackCluster, FaultsTheSocketsBackendCannotExpressAreRejectedBeforeTheRun) {
  const auto s = schedule(R"({"faults": [
      {"at_ns": 0, "type": "pause", "node": "ks1"},
      {"at_ns": 1, "type": "clock", "node": "ks1", "offset_ns": 5, "drift": 0},
      {"at_ns": 2, "type": "torn_write", "node": "ks1"},
      {"at_ns": 3, "type": "link", "link": "ks1/uplink", "latency_ns": 5}]})");
  const auto errors = validate_for_sockets(s, platform());
  ASSERT_EQ(errors.size(), 4u);
  for (const auto& e : errors) EXPECT_NE(e.find("not on the sockets backend"), std::string::npos) << e;
  Fixture f;
  EXPECT_THROW(f.cluster->apply(PauseFault{"ks1"}), std::invalid_argument);
  EXPECT_THROW(f.cluster->apply(CrashFault{"nowhere", false}), std::invalid_argument);
  EXPECT_THROW(f.cluster->apply(RestartFault{"ks1"}), std::invalid_argument);  // it is up
}

}  // namespace
}  // namespace amino::testbed
