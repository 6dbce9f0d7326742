// A replicated OMS with real processes on loopback: three amino-oms processes (--peers, each its own
// --storage-dir), a kernel server and a client given all three. The leader is killed with SIGKILL;
// creates go on at the new leader and every object created before answers. Then every OMS process
// is killed and restarted from its storage directory: the objects are still known. And with two
// kernel servers: OMS replicas paused (SIGSTOP/SIGCONT) and killed (SIGKILL, restarted from storage)
// during creates, a kernel server's failure and a migration by amino-ctl --oms A,B,C; afterwards
// every acknowledged create answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <map>
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
    std::vector<std::pair<std::string, std::uint16_t>> replicas;
    for (int i = 0; i < 3; ++i) {
      const std::uint16_t port = free_port();
      replicas.emplace_back("127.0.0.1:" + std::to_string(port), port);
    }
    // In the order the replicas sort in: the first one founds the group (OmsReplica::start).
    std::sort(replicas.begin(), replicas.end());
    for (const auto& [addr, port] : replicas) {
      addrs_.push_back(addr);
      ports_.push_back(port);
    }
    for (int i = 0; i < oms_started_first(); ++i) start_oms(i);
    for (int i = 0; i < kernel_servers(); ++i) {
      ks_ports_.push_back(free_port());
      ks_addrs_.push_back("127.0.0.1:" + std::to_string(ks_ports_.back()));
      start_ks(i);
    }
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
    if (oms_started_first() < 3) return;
    ASSERT_TRUE(wait_until([&] { return live_nodes() == static_cast<std::size_t>(kernel_servers()); }, 30 * kSecond));
  }

  virtual int kernel_servers() const { return 1; }
  virtual int oms_started_first() const { return 3; }

  void start_ks(int i) {
    const std::string name = "ks" + std::to_string(i + 1);
    ks_[i] = std::make_unique<ChildProcess>(std::vector<std::string>{
        kBin + "/amino-kernel-server", "--oms", peers(), "--port", std::to_string(ks_ports_[i]), "--label", "name=" + name,
        "--heartbeat-ms", "300", "--storage-dir", (dir_.path() / name).string()});
    ASSERT_NE(ks_[i]->wait_for_line("amino-kernel-server ", 10000), "");
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
  Reply create(const std::string& name, const std::string& extra = "") {
    Reply r = Reply::error(Code::kInternal, "did not run");
    run([&] {
      try {
        r = Reply::ok(client_->create("class: Counter\nname: " + name + "\n" + extra).id());
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
  std::vector<std::uint16_t> ks_ports_;
  std::vector<std::string> ks_addrs_;
  std::unique_ptr<ChildProcess> ks_[2];
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

// The first replica (the founder) starts alone; the others come later.
class ReplicatedOmsFounding : public ReplicatedOmsProcesses {
 protected:
  int oms_started_first() const override { return 1; }
};

// A founder alone is a minority of its configured group: it must acknowledge nothing (what only its
// disk held would be lost with it), and once a majority is up, losing the founder must not stop the
// others (they are members from the start, not replicas it had yet to add).
TEST_F(ReplicatedOmsFounding, AFounderAloneServesNothingAndTheGroupOutlivesIt) {
  ASSERT_TRUE(wait_until([&] { return leader() >= 0; }, 3 * kSecond) == false);
  start_oms(1);
  ASSERT_TRUE(wait_until([&] { return live_nodes() == 1u; }, 30 * kSecond));
  ASSERT_TRUE(create("a").ok());
  ASSERT_TRUE(add("a").ok());
  oms_[0]->kill_hard();
  oms_[0].reset();
  start_oms(2);
  const Reply b = create("b");
  ASSERT_TRUE(b.ok()) << b.status.to_string();
  Reply a = add("a");
  ASSERT_TRUE(a.ok()) << a.status.to_string();
  EXPECT_EQ(a.value.as_int(), 2);
  EXPECT_TRUE(add("b").ok());
}

// Two kernel servers; objects live on ks1 unless migrated (a plain object dies with its host).
class ReplicatedOmsProcessesUnderFaults : public ReplicatedOmsProcesses {
 protected:
  int kernel_servers() const override { return 2; }

  // Creates `n` Counters on ks1 named prefix0.., keeping the acknowledged ones; failures (a create
  // racing a failover) are allowed, lost acknowledged ones are not.
  void create_some(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string name = prefix + std::to_string(i);
      const Reply r = create(name, "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
      if (!r.ok()) continue;
      acked_.push_back(name);
      ids_[name] = r.value.as_string();
    }
  }
  int follower_of(int leader) const { return (leader + 1) % 3; }
  CtlResult ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kBin + "/amino-ctl", "--oms", peers()};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p(argv);
    CtlResult r;
    r.out = p.read_all(60000);
    r.exit_code = p.wait_exit(60000);
    return r;
  }

  std::vector<std::string> acked_;
  std::map<std::string, std::string> ids_;  // name -> id (a migration names the id)
};

// A kernel server's address first in an OMS list answers "unknown service": it is no OMS replica,
// nothing ran there, and the client goes on to the replicas.
TEST_F(ReplicatedOmsProcessesUnderFaults, AKernelServerInTheOmsListIsPassedOver) {
  ChildProcess p({kBin + "/amino-ctl", "--oms", ks_addrs_[0] + "," + peers(), "nodes"});
  const std::string out = p.read_all(60000);
  EXPECT_EQ(p.wait_exit(60000), 0) << out;
  EXPECT_NE(out.find(ks_addrs_[1]), std::string::npos) << out;
}

TEST_F(ReplicatedOmsProcessesUnderFaults, PausesKillsKernelServerFailureAndMigrationLoseNoAcknowledgedCreate) {
  create_some("a", 3);
  ASSERT_EQ(acked_.size(), 3u);  // a healthy group acknowledges every create
  ASSERT_TRUE(add("a0").ok());

  // The leader paused (SIGSTOP) while creates go on, then resumed: it steps down and catches up.
  int l = leader();
  ASSERT_GE(l, 0);
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGSTOP), 0);
  create_some("p", 2);
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGCONT), 0);

  // A follower killed (SIGKILL) during creates, restarted from its storage directory.
  l = leader();
  ASSERT_GE(l, 0);
  const int f = follower_of(l);
  oms_[f]->kill_hard();
  oms_[f].reset();
  create_some("f", 2);
  start_oms(f);

  // A kernel server killed while the leader is paused: the next leader declares it dead; it comes
  // back from its storage directory and registers again.
  l = leader();
  ASSERT_GE(l, 0);
  ks_[1]->kill_hard();
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGSTOP), 0);
  create_some("k", 2);
  ASSERT_TRUE(wait_until([&] { return live_nodes() == 1; }, 30 * kSecond));
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGCONT), 0);
  start_ks(1);
  ASSERT_TRUE(wait_until([&] { return live_nodes() == 2; }, 30 * kSecond));

  // A migration by amino-ctl (given every replica) while the leader is paused, then the leader
  // killed during creates and restarted from storage.
  l = leader();
  ASSERT_GE(l, 0);
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGSTOP), 0);
  const CtlResult moved = ctl({"migrate", ids_.at("a0"), ks_addrs_[1]});
  ASSERT_EQ(::kill(oms_[l]->pid(), SIGCONT), 0);
  EXPECT_EQ(moved.exit_code, 0) << moved.out;
  oms_[l]->kill_hard();
  oms_[l].reset();
  create_some("l", 3);
  start_oms(l);

  // Every acknowledged create answers; the migrated counter kept its state.
  for (const auto& name : acked_) {
    Reply r = Reply::error(Code::kInternal, "never answered");
    EXPECT_TRUE(wait_until([&] { return (r = add(name)).ok(); }, 30 * kSecond)) << name << ": " << r.status.to_string();
    if (name == "a0" && r.ok()) EXPECT_EQ(r.value.as_int(), 2);
  }
  EXPECT_EQ(live_nodes(), 2u);
  EXPECT_TRUE(create("after").ok());
}

// A malformed entry of an OMS list is a usage error at start (exit 2 naming it): before, amino-ctl
// took it and, among replicas, tried it for the whole failover window as "unreachable".
TEST(ReplicatedOmsFlags, MalformedOmsListsAreUsageErrors) {
  for (const std::string bad : {"127.0.0.1:1,oms2", "127.0.0.1:1,127.0.0.1:99999", "127.0.0.1:0", ":7400",
                                "127.0.0.1:1,,127.0.0.1:2"}) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {kBin + "/amino-ctl", "--oms", bad, "nodes"},
             {kBin + "/amino-kernel-server", "--oms", bad, "--port", "0"},
             {kBin + "/amino-oms", "--port", "0", "--peers", bad}}) {
      ChildProcess p(argv, ChildOptions{true, {}});
      EXPECT_EQ(p.wait_exit(10000), 2) << argv[0] << " " << bad;
      const std::string out = p.drain();
      EXPECT_NE(out.find(bad), std::string::npos) << argv[0] << ": " << out;
    }
  }
}

// Without --seed each process draws its own seed (it logs it): with one fixed default, replicas that
// lost their leader together drew the same election timeouts and split their votes round after round.
TEST(ReplicatedOmsFlags, ReplicasWithoutSeedDrawDifferentSeeds) {
  ScratchDir dir;
  const std::uint16_t a = free_port(), b = free_port();
  const std::string peers = "127.0.0.1:" + std::to_string(a) + ",127.0.0.1:" + std::to_string(b);
  auto seed_of = [&](std::uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> argv{kBin + "/amino-oms", "--port", std::to_string(port), "--peers", peers,
                                  "--storage-dir", (dir.path() / std::to_string(port)).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess p(argv, ChildOptions{true, {}});
    const std::string line = p.wait_for_line(" seed ", 10000);
    const auto at = line.find(" seed ");
    return at == std::string::npos ? std::string() : line.substr(at + 6, line.find(' ', at + 6) - at - 6);
  };
  const std::string first = seed_of(a, {}), second = seed_of(b, {});
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_EQ(seed_of(a, {"--seed", "42"}), "42");
}

}  // namespace
}  // namespace amino::testing
