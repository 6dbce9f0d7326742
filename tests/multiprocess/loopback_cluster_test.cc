// The real thing: an OMS and three kernel servers as separate processes on loopback. This test
// process is the client: it creates an object with a two-DM chain, calls it, has the OMS migrate
// it and keeps calling through the reference it already holds, then kills a kernel server and
// watches the OMS deliver onFailure to the group.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

#include "dms/all.h"
#include "runtime/kernel.h"
#include "runtime/protocol.h"
#include "runtime/sockets/sockets_env.h"
#include "scenarios/registry.h"
#include "tests/multiprocess/child_process.h"

namespace amino::testing {
namespace {

const std::string kBin = AMINO_BIN_DIR;

class LoopbackCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    oms_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        kBin + "/amino-oms", "--port", "0", "--heartbeat-timeout-ms", "1500"});
    const std::string line = oms_->wait_for_line("listening on", 10000);
    ASSERT_FALSE(line.empty()) << "amino-oms did not start";
    oms_addr_ = line.substr(line.rfind(' ') + 1);
    for (int i = 1; i <= 3; ++i) {
      servers_.push_back(std::make_unique<ChildProcess>(std::vector<std::string>{
          kBin + "/amino-kernel-server", "--oms", oms_addr_, "--region", "region-" + std::to_string(i),
          "--label", "name=ks" + std::to_string(i), "--heartbeat-ms", "300"}));
      const std::string up = servers_.back()->wait_for_line("amino-kernel-server", 10000);
      ASSERT_FALSE(up.empty());
      addr_[i] = up.substr(std::string("amino-kernel-server ").size(), up.find(" (") - std::string("amino-kernel-server ").size());
    }
    scenarios::register_all(classes_);
    env_ = std::make_unique<sockets::SocketsEnv>(loop_, sockets::SocketsEnvOptions{});
    KernelOptions ko;
    ko.oms = oms_addr_;
    ko.client_only = true;
    ko.call_timeout = 5 * kSecond;
    client_ = std::make_unique<Kernel>(*env_, classes_, dms::builtin(), ko);
    client_->start();
  }

  // Runs fn in an execution context of this (client) process; bounded in real time.
  bool run(const std::function<void()>& fn) {
    auto done = std::make_shared<bool>(false);
    env_->spawn("test", [&fn, done] {
      fn();
      *done = true;
    });
    return loop_.run_until([done] { return *done; }, 30 * kSecond);
  }

  std::vector<std::string> events() {
    std::vector<std::string> out;
    run([&] {
      const Value ev = unwrap(client_->oms_call(svc::kEvents, ValueMap{}));
      for (const auto& e : ev.as_list()) out.push_back(e.as_string());
    });
    return out;
  }

  std::unique_ptr<ChildProcess> oms_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
  std::string oms_addr_;
  std::map<int, std::string> addr_;
  ClassRegistry classes_;
  sockets::SocketsLoop loop_;
  std::unique_ptr<sockets::SocketsEnv> env_;
  std::unique_ptr<Kernel> client_;
};

TEST_F(LoopbackCluster, ChainMigrationAndFailureAcrossProcesses) {
  // Wait (bounded) for the three kernel servers to register.
  std::size_t live = 0;
  for (int i = 0; i < 100 && live < 3; ++i) {
    run([&] { live = client_->nodes().size(); });
    if (live < 3) loop_.run_for(100 * kMillisecond);
  }
  ASSERT_EQ(live, 3u);

  Stub counter;
  std::vector<std::int64_t> visits;
  std::string first_host, second_host;
  ASSERT_TRUE(run([&] {
    counter = client_->create(R"(
class: VisitCounter
dmList:
  - name: AtLeastOnceRPC
    config: {timeoutMs: 4000}
  - name: SerializableRPC
nodeSelector: [{key: name, operator: =, values: [ks1]}]
)");
    visits.push_back(counter.call<std::int64_t>("visit"));
    visits.push_back(counter.call<std::int64_t>("visit"));
  }));
  ASSERT_EQ(visits, (std::vector<std::int64_t>{1, 2}));

  // Stop-and-copy migration to ks2, then more calls through the reference we already hold.
  ASSERT_TRUE(run([&] {
    unwrap(client_->oms_call(svc::kMigrate, ValueMap{{"id", counter.id()}, {"node", addr_[2]}}));
    visits.push_back(counter.call<std::int64_t>("visit"));
  }));
  EXPECT_EQ(visits.back(), 3);
  const auto ev = events();
  EXPECT_TRUE(std::any_of(ev.begin(), ev.end(), [&](const std::string& e) {
    return e.find("migrated from " + addr_[1] + " to " + addr_[2]) != std::string::npos;
  }));

  // Kill the kernel server now hosting it: the OMS must declare it dead and tell the group.
  servers_[1]->kill_hard();
  bool seen = false;
  for (int i = 0; i < 60 && !seen; ++i) {
    loop_.run_for(100 * kMillisecond);
    for (const auto& e : events()) {
      if (e.find("onFailure delivered to group") != std::string::npos && e.find(addr_[2]) != std::string::npos) seen = true;
    }
  }
  EXPECT_TRUE(seen) << "no onFailure for the killed kernel server in the OMS events";

  // A call now fails with a typed, retryable error within its deadline (no hang).
  Reply after;
  ASSERT_TRUE(run([&] { after = counter.invoke("visit", {}, 2 * kSecond); }));
  EXPECT_FALSE(after.ok());
  EXPECT_TRUE(is_retryable(after.status.code)) << after.status.to_string();
}

TEST_F(LoopbackCluster, MalformedFramesDoNotHurtTheServer) {
  // Raw garbage at the OMS port: the connection is dropped, the OMS keeps serving.
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    const auto colon = oms_addr_.rfind(':');
    s.connect({boost::asio::ip::make_address(oms_addr_.substr(0, colon)),
               static_cast<unsigned short>(std::stoi(oms_addr_.substr(colon + 1)))});
    // A length prefix of 5 followed by bytes that are no Hello, then more garbage.
    const std::string junk = std::string("\x00\x00\x00\x05", 4) + "\xff\xff\xff\xff\xff-not-a-protobuf";
    boost::asio::write(s, boost::asio::buffer(junk));
  }
  std::size_t live = 0;
  for (int i = 0; i < 100 && live < 3; ++i) {
    run([&] { live = client_->nodes().size(); });
    if (live < 3) loop_.run_for(100 * kMillisecond);
  }
  EXPECT_EQ(live, 3u);
}

}  // namespace
}  // namespace amino::testing
