// A replicated OMS with real processes on loopback: three amino-oms processes (--peers, each its own
// --storage-dir), a kernel server and a client given all three. The leader is killed with SIGKILL;
// creates go on at the new leader and every object created before answers. Then every OMS process
// is killed and restarted from its storage directory: the objects are still known.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "dms/all.h"
#include "runtime/protocol.h"
#include "scenarios/registry.h"
#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

class ReplicatedOmsProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      ports_.push_back(free_port());
      addrs_.push_back("127.0.0.1:" + std::to_string(ports_.back()));
    }
    for (int i = 0; i < 3; ++i) start_oms(i);
    ks_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBin + "/amino-kernel-server", "--oms", peers(), "--label", "name=ks1", "--heartbeat-ms",
                                 "300", "--storage-dir", (dir_.path() / "ks1").string()});
    ASSERT_NE(ks_->wait_for_line("amino-kernel-server ", 10000), "");
    scenarios::register_all(classes_);
    sockets::SocketsEnvOptions eo;
    eo.min_log_level = LogLevel::kError;
    env_ = std::make_unique<sockets::SocketsEnv>(loop_, eo);
    KernelOptions ko;
    ko.oms = addrs_[0];
    ko.oms_replicas = addrs_;
    ko.client_only = true;
    ko.call_timeout = ko.control_timeout = 5 * kSecond;
    ko.oms_attempt_timeout = kSecond;
    ko.oms_attempts = 40;  // loaded machines elect slowly: bounded, but generous
    client_ = std::make_unique<Kernel>(*env_, classes_, dms::builtin(), ko);
    client_->start();
    ASSERT_TRUE(wait_until([&] { return live_nodes() == 1; }, 30 * kSecond));
  }

  std::string peers() const { return addrs_[0] + "," + addrs_[1] + "," + addrs_[2]; }

  void start_oms(int i) {
    oms_[i] = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBin + "/amino-oms", "--port", std::to_string(ports_[i]), "--heartbeat-timeout-ms",
                                 "1500", "--peers", peers(), "--storage-dir",
                                 (dir_.path() / ("oms" + std::to_string(i))).string()});
    ASSERT_NE(oms_[i]->wait_for_line("listening on", 10000), "");
  }

  bool run(const std::function<void()>& fn) {
    auto done = std::make_shared<bool>(false);
    env_->spawn("test", [&fn, done] {
      fn();
      *done = true;
    });
    return loop_.run_until([done] { return *done; }, 60 * kSecond);
  }
  bool wait_until(const std::function<bool()>& pred, Duration limit) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(limit);
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      loop_.run_for(100 * kMillisecond);
    }
    return true;
  }
  std::size_t live_nodes() {
    std::size_t n = 0;
    run([&] {
      try {
        n = client_->nodes().size();
      } catch (const std::exception&) {
      }
    });
    return n;
  }
  // The OMS replica that answers events (the leader: followers redirect), by index; -1 if none.
  int leader() {
    int out = -1;
    run([&] {
      for (int i = 0; i < 3 && out < 0; ++i) {
        if (!oms_[i]) continue;
        Reply r = client_->rpc().call_value(addrs_[i], svc::kEvents, ValueMap{}, kSecond);
        if (r.ok()) out = i;
      }
    });
    return out;
  }
  Reply create(const std::string& name) {
    Reply r = Reply::error(Code::kInternal, "did not run");
    run([&] {
      try {
        r = Reply::ok(client_->create("class: Counter\nname: " + name + "\n").id());
      } catch (const SystemError& e) {
        r = Reply::error(e.code(), e.what());
      }
    });
    return r;
  }
  Reply add(const std::string& name) {
    Reply r = Reply::error(Code::kInternal, "did not run");
    run([&] {
      try {
        r = client_->acquire(name).invoke("add", {Value("k"), Value(1)}, 5 * kSecond);
      } catch (const SystemError& e) {
        r = Reply::error(e.code(), e.what());
      }
    });
    return r;
  }

  ScratchDir dir_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::string> addrs_;
  std::unique_ptr<ChildProcess> oms_[3];
  std::unique_ptr<ChildProcess> ks_;
  ClassRegistry classes_;
  sockets::SocketsLoop loop_;
  std::unique_ptr<sockets::SocketsEnv> env_;
  std::unique_ptr<Kernel> client_;
};

TEST_F(ReplicatedOmsProcesses, Kill9OfTheLeaderCreatesContinue) {
  ASSERT_TRUE(create("a").ok());
  ASSERT_TRUE(add("a").ok());
  const int first = leader();
  ASSERT_GE(first, 0);
  oms_[first]->kill_hard();
  oms_[first].reset();
  const Reply b = create("b");
  ASSERT_TRUE(b.ok()) << b.status.to_string();
  const int second = leader();
  ASSERT_GE(second, 0);
  EXPECT_NE(second, first);
  Reply a = add("a");
  ASSERT_TRUE(a.ok()) << a.status.to_string();
  EXPECT_EQ(a.value.as_int(), 2);
  EXPECT_TRUE(add("b").ok());
  EXPECT_EQ(live_nodes(), 1u);
  // The killed replica comes back from its storage directory and the group goes on.
  start_oms(first);
  EXPECT_TRUE(create("c").ok());
}

TEST_F(ReplicatedOmsProcesses, EveryReplicaKilledAndRestartedFromStorageKeepsEveryObject) {
  ASSERT_TRUE(create("a").ok());
  ASSERT_TRUE(add("a").ok());
  for (int i = 0; i < 3; ++i) {
    oms_[i]->kill_hard();
    oms_[i].reset();
  }
  for (int i = 0; i < 3; ++i) start_oms(i);
  Reply a = Reply::error(Code::kInternal, "never answered");
  ASSERT_TRUE(wait_until([&] { return (a = add("a")).ok(); }, 30 * kSecond)) << a.status.to_string();
  EXPECT_EQ(a.value.as_int(), 2);
  EXPECT_TRUE(create("b").ok());
}

}  // namespace
}  // namespace amino::testing
