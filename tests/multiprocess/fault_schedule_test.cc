// One JSON fault schedule driving real processes: an OMS and two kernel servers as child processes
// and this test process as the client each load the same schedule, name table and epoch
// (--fault-schedule, --name, --peer, --fault-epoch-unix-ms) and apply it to their own message
// layer; the crash entry ends the kernel-server process it names. Every wait is bounded and every
// check is "eventually": no wall-clock assertion.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "dms/all.h"
#include "runtime/kernel.h"
#include "testbed/faulty_env.h"
#include "testbed/process_faults.h"
#include "runtime/sockets/sockets_env.h"
#include "scenarios/registry.h"
#include "tests/multiprocess/child_process.h"

namespace amino::testing {
namespace {

const std::string kBin = AMINO_BIN_DIR;

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(ProcessFaultSchedule, PartitionHealAndCrashFromOneScheduleAcrossProcesses) {
  // The client (this process) binds first, so every process can be told every address.
  sockets::SocketsLoop loop;
  sockets::SocketsEnv env(loop, sockets::SocketsEnvOptions{});
  std::map<std::string, std::string> addr{{"client", env.self()}};
  for (const char* name : {"oms", "ks1", "ks2"}) addr[name] = "127.0.0.1:" + std::to_string(free_port());

  const auto dir = std::filesystem::temp_directory_path() / ("amino-mp-faults-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto schedule_file = dir / "schedule.json";
  std::ofstream(schedule_file) << R"({"faults": [
      {"at_ns": 0,          "type": "partition", "groups": [["client"], ["ks1"]], "mode": "reset"},
      {"at_ns": 2000000000, "type": "heal"},
      {"at_ns": 3000000000, "type": "crash", "node": "ks2"}]})";
  const auto epoch = std::chrono::system_clock::now() + std::chrono::seconds(3);
  const auto epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(epoch.time_since_epoch()).count();

  auto fault_args = [&](const std::string& self) {
    std::vector<std::string> a{"--name", self, "--fault-schedule", schedule_file.string(),
                               "--fault-epoch-unix-ms", std::to_string(epoch_ms)};
    for (const auto& [name, address] : addr) {
      if (name != self) a.insert(a.end(), {"--peer", name + "=" + address});
    }
    return a;
  };
  auto port_of = [&](const std::string& name) { return addr[name].substr(addr[name].rfind(':') + 1); };
  std::vector<std::string> oms_argv{kBin + "/amino-oms", "--port", port_of("oms"), "--heartbeat-timeout-ms", "1000"};
  for (auto& a : fault_args("oms")) oms_argv.push_back(a);
  ChildProcess oms(oms_argv);
  ASSERT_FALSE(oms.wait_for_line("listening on", 10000).empty());
  std::map<std::string, std::unique_ptr<ChildProcess>> servers;
  for (const char* name : {"ks1", "ks2"}) {
    std::vector<std::string> argv{kBin + "/amino-kernel-server", "--oms", addr["oms"], "--port", port_of(name),
                                  "--label", std::string("name=") + name, "--heartbeat-ms", "200",
                                  "--storage-dir", (dir / name).string()};
    for (auto& a : fault_args(name)) argv.push_back(a);
    servers[name] = std::make_unique<ChildProcess>(argv);
    ASSERT_FALSE(servers[name]->wait_for_line("amino-kernel-server", 10000).empty()) << name;
  }

  // This process takes part like the others: its message layer obeys the same schedule.
  auto state = std::make_shared<testbed::FaultState>();
  testbed::FaultyEnv faulty(env, state, Rng(3));
  testbed::ProcessFaultOptions po;
  po.self_name = "client";
  po.addresses = addr;
  po.epoch = epoch;
  testbed::ProcessFaultDriver driver(loop, *state, testbed::load_schedule_file(schedule_file), po);
  driver.start();
  ClassRegistry classes;
  scenarios::register_all(classes);
  KernelOptions ko;
  ko.oms = addr["oms"];
  ko.client_only = true;
  Kernel client(faulty, classes, dms::builtin(), ko);
  client.start();
  auto run = [&](const std::function<void()>& fn) {
    auto done = std::make_shared<bool>(false);
    faulty.spawn("test", [&fn, done] {
      fn();
      *done = true;
    });
    return loop.run_until([done] { return *done; }, 30 * kSecond);
  };

  std::size_t live = 0;  // both kernel servers registered (bounded wait)
  for (int i = 0; i < 100 && live < 2; ++i) {
    ASSERT_TRUE(run([&] { live = client.nodes().size(); }));
    if (live < 2) loop.run_for(100 * kMillisecond);
  }
  ASSERT_EQ(live, 2u);
  Stub counter;
  ASSERT_TRUE(run([&] {
    counter = client.create("class: VisitCounter\ndmList:\n  - name: DefaultDM\n"
                            "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
  }));
  // Each check polls with short calls until the schedule has visibly acted (bounded).
  auto until_outcome = [&](const std::function<bool(const Reply&)>& wanted) {
    for (int i = 0; i < 200; ++i) {
      Reply r;
      if (!run([&] { r = counter.invoke("visit", {}, 300 * kMillisecond); })) return false;
      if (wanted(r)) return true;
      loop.run_for(50 * kMillisecond);
    }
    return false;
  };
  EXPECT_TRUE(until_outcome([](const Reply& r) { return r.status.code == Code::kUnreachable; }))
      << "the partition (reset mode) never failed a call fast";
  EXPECT_TRUE(until_outcome([](const Reply& r) { return r.ok(); })) << "calls did not recover after the heal";

  ASSERT_FALSE(servers["ks2"]->wait_for_line("crashing now (fault schedule)", 15000).empty());
  EXPECT_EQ(servers["ks2"]->wait_exit(5000), 137);
  bool dropped = false;
  for (int i = 0; i < 100 && !dropped; ++i) {
    ASSERT_TRUE(run([&] { live = client.nodes().size(); }));
    dropped = live == 1;
    if (!dropped) loop.run_for(100 * kMillisecond);
  }
  EXPECT_TRUE(dropped) << "the OMS still lists the crashed kernel server";
  std::filesystem::remove_all(dir);
}

TEST(ProcessFaultSchedule, AProcessRejectsFaultsItCannotApplyToItself) {
  testbed::ProcessFaultOptions po;
  po.self_name = "ks1";
  po.addresses = {{"ks1", "127.0.0.1:1"}, {"ks2", "127.0.0.1:2"}};
  const auto s = testbed::schedule_from_json(nlohmann::json::parse(R"({"faults": [
      {"at_ns": 0, "type": "restart", "node": "ks2"},
      {"at_ns": 1, "type": "pause", "node": "ks1"},
      {"at_ns": 2, "type": "clock", "node": "ks1", "offset_ns": 1, "drift": 0},
      {"at_ns": 3, "type": "partition", "groups": [["ks1"], ["nowhere"]]}]})"));
  const auto problems = testbed::validate_process_schedule(s, po);
  for (const char* expected : {"restart {", "pause {", "clock {", "unknown node 'nowhere'"}) {
    EXPECT_TRUE(std::any_of(problems.begin(), problems.end(),
                            [&](const std::string& p) { return p.find(expected) != std::string::npos; }))
        << "no problem mentions " << expected;
  }
  // And the program says so at start-up, before serving (exit code 1, reason on stderr).
  const auto file = std::filesystem::temp_directory_path() / ("amino-bad-schedule-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"faults": [{"at_ns": 0, "type": "pause", "node": "me"}]})";
  ChildProcess ks({kBin + "/amino-kernel-server", "--oms", "127.0.0.1:1", "--name", "me", "--fault-schedule", file.string()});
  EXPECT_EQ(ks.wait_exit(10000), 1);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace amino::testing
