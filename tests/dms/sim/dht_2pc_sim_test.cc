// DHT and TwoPhaseCommit under faults on the SimGrid backend (one simulation per test process).
// TwoPhaseCommit: a bank across two microservices (account a on ks1, b on ks2), transfers
// coordinated by the node "client"; the coordinator crashes at each step of the protocol (timed to
// its probes), or a cohort does, and restarts with its storage. Atomicity: a transfer is at both
// accounts or at neither, the total is conserved, a committed transfer is never lost.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dms/all.h"
#include "testbed/sim_cluster.h"
#include "tests/dms/library/dht_apps.h"

namespace amino::testing {
namespace {

class TwoPcSim : public ::testing::Test {
 protected:
  void SetUp() override {
    classes_.add<Account>("Account");
    classes_.add<Shelf>("Shelf");
    dms::register_all(dms_);
    testbed::PlatformSpec p;
    p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
    for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-1", {}});
    p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
    p.hosts.push_back(testbed::HostSpec{"client2", 1e9, "edge", {{"role", "client"}}});
    sim::SimOptions so;
    so.seed = 11;
    so.platform = p;
    so.log_level = std::getenv("TPC_DEBUG") ? LogLevel::kInfo : LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    co.kernel.call_timeout = 3 * kSecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
    ASSERT_TRUE(cluster_->wait_registered(5 * kSecond));
    a_ = create(account("ks1", 100));
    b_ = create(account("ks2", 0));
  }

  static std::string account(const NodeId& ks, std::int64_t balance) {
    return "class: Account\nargs: [" + std::to_string(balance) + "]\nnodeSelector: [{key: name, operator: =, values: [" + ks +
           "]}]\ndmList: [{name: TwoPhaseCommit, config: {lockTimeoutMs: 500, txnTimeoutMs: 4000, retryMs: 100}}]\n";
  }

  Stub create(const std::string& spec) {
    Stub s;
    EXPECT_TRUE(cluster_->run_on("client", [&] { s = cluster_->kernel("client").create(spec); }, 10 * kSecond));
    return s;
  }

  // A transfer of `amount` from a to b, coordinated by "client"; the commit's reply (a crash of the
  // coordinator leaves it at "did not finish").
  Reply transfer(std::int64_t amount, Duration limit = 20 * kSecond) {
    Reply out = Reply::error(Code::kInternal, "did not finish");
    cluster_->run_on("client", [&] {
      if (!a_.invoke("startTransaction", {}).ok()) return;
      if (!a_.invoke("withdraw", {Value(amount)}).ok() || !b_.invoke("deposit", {Value(amount)}).ok()) {
        out = a_.invoke("rollbackTransaction", {});
        return;
      }
      out = a_.invoke("commitTransaction", {});
    }, limit);
    return out;
  }

  // Crash `node` when the probe fires there, restart it `down` later.
  void crash_on(const std::string& probe, const NodeId& node, Duration down, std::int64_t nth = 1) {
    testbed::ProbeTrigger t;
    t.probe = probe;
    t.nth = nth;
    t.node = node;
    t.faults = {{0, testbed::CrashFault{node, false}}, {down, testbed::RestartFault{node}}};
    cluster_->arm(std::move(t));
  }

  // The restarted coordinator acquires both cohorts again: their client parts recover the log.
  void coordinator_returns() {
    world_->run_until(world_->now() + 2 * kSecond);
    ASSERT_TRUE(cluster_->run_on("client", [&] {
      a_ = cluster_->kernel("client").acquire(a_.id());
      b_ = cluster_->kernel("client").acquire(b_.id());
    }, 10 * kSecond));
  }

  // Both balances, read from client2 (never the coordinator), retried while a cohort is in doubt.
  std::pair<std::int64_t, std::int64_t> balances(Duration patience = 15 * kSecond) {
    std::pair<std::int64_t, std::int64_t> out{-1, -1};
    cluster_->run_on("client2", [&] {
      Stub a = cluster_->kernel("client2").acquire(a_.id()), b = cluster_->kernel("client2").acquire(b_.id());
      Env& env = cluster_->env("client2");
      const Time until = env.now() + patience;
      for (int i = 0; i < 1000 && env.now() < until && (out.first < 0 || out.second < 0); ++i) {
        if (out.first < 0) {
          Reply r = a.invoke("balance", {});
          if (std::getenv("TPC_DEBUG")) fprintf(stderr, "a: %s\n", r.status.to_string().c_str());
          if (r.ok()) out.first = r.value.as_int();
        }
        if (out.second < 0) {
          Reply r = b.invoke("balance", {});
          if (r.ok()) out.second = r.value.as_int();
        }
        if (out.first < 0 || out.second < 0) env.sleep_for(100 * kMillisecond);
      }
    }, patience + 10 * kSecond);
    if (std::getenv("TPC_DEBUG")) fprintf(stderr, "balances at %lld\n", (long long)world_->now());
    return out;
  }

  // Whether a read of a from client2 is refused now (a cohort in doubt holds its lock).
  bool a_is_locked() {
    Reply r;
    cluster_->run_on("client2", [&] { r = cluster_->kernel("client2").acquire(a_.id()).invoke("balance", {}); }, 5 * kSecond);
    return r.status.code == Code::kUnavailable;
  }

  void expect_atomic(std::pair<std::int64_t, std::int64_t> got, bool committed) {
    EXPECT_EQ(got.first + got.second, 100) << "money created or lost: " << got.first << " + " << got.second;
    if (committed) {
      EXPECT_TRUE(got.first == 70 && got.second == 30) << "a committed transfer was lost: " << got.first << ", " << got.second;
    } else {
      EXPECT_TRUE(got.first == 100 && got.second == 0) << "an undecided transfer was not aborted: " << got.first << ", " << got.second;
    }
  }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
  Stub a_, b_;
};

TEST_F(TwoPcSim, WithoutFaultsATransferCommits) {
  Reply r = transfer(30);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  expect_atomic(balances(), true);
}

// Coordinator crashes: before any cohort prepared, between the two prepares, after the decision was
// logged (no cohort told), after one cohort acknowledged the commit.
TEST_F(TwoPcSim, CoordinatorCrashAfterLoggingTheCohortsAborts) {
  crash_on("2pc.logged", "client", 500 * kMillisecond);
  EXPECT_FALSE(transfer(30, 5 * kSecond).ok());
  coordinator_returns();
  expect_atomic(balances(), false);
}

TEST_F(TwoPcSim, CoordinatorCrashBetweenPreparesAbortsAndReleasesThePreparedCohort) {
  crash_on("2pc.prepare", "client", 500 * kMillisecond, /*nth=*/2);  // a prepared, b not asked
  EXPECT_FALSE(transfer(30, 5 * kSecond).ok());
  world_->run_until(world_->now() + 6 * kSecond);  // past txnTimeoutMs: b gave up its part, a cannot
  EXPECT_TRUE(a_is_locked()) << "a prepared cohort must stay in doubt until the coordinator decides";
  coordinator_returns();
  expect_atomic(balances(), false);
  EXPECT_FALSE(a_is_locked());
}

TEST_F(TwoPcSim, CoordinatorCrashRightAfterTheDecisionIsLoggedCommitsOnRecovery) {
  crash_on("2pc.decided.commit", "client", 500 * kMillisecond);
  EXPECT_FALSE(transfer(30, 5 * kSecond).ok());  // the client never heard
  EXPECT_TRUE(a_is_locked()) << "in doubt: both prepared, no decision delivered";
  coordinator_returns();
  expect_atomic(balances(), true);
}

TEST_F(TwoPcSim, CoordinatorCrashDuringCommitDeliveryCommitsTheRestOnRecovery) {
  crash_on("2pc.acked", "client", 500 * kMillisecond);  // a has the commit, b not yet
  EXPECT_FALSE(transfer(30, 5 * kSecond).ok());
  coordinator_returns();
  expect_atomic(balances(), true);
}

// Cohort crashes: right after it prepared (its vote may be lost), and after the decision was logged
// before it heard it.
TEST_F(TwoPcSim, CohortCrashRightAfterPreparingEndsAtomically) {
  crash_on("2pc.prepared", "ks2", 800 * kMillisecond);
  Reply r = transfer(30);
  const auto got = balances();
  expect_atomic(got, r.ok());
}

TEST_F(TwoPcSim, CohortCrashAfterTheDecisionCommitsWhenItReturns) {
  testbed::ProbeTrigger t;
  t.probe = "2pc.decided.commit";
  t.node = "client";
  t.faults = {{0, testbed::CrashFault{"ks2", false}}, {800 * kMillisecond, testbed::RestartFault{"ks2"}}};
  cluster_->arm(std::move(t));
  Reply r = transfer(30);
  ASSERT_TRUE(r.ok()) << r.status.to_string();  // the decision is durable: committed
  expect_atomic(balances(), true);
}

TEST_F(TwoPcSim, CohortCrashMidTransactionAborts) {
  Reply out = Reply::error(Code::kInternal, "did not finish");
  cluster_->run_on("client", [&] {
    ASSERT_TRUE(a_.invoke("startTransaction", {}).ok());
    ASSERT_TRUE(a_.invoke("withdraw", {Value(30)}).ok());
    ASSERT_TRUE(b_.invoke("deposit", {Value(30)}).ok());
  }, 10 * kSecond);
  world_->apply(testbed::CrashFault{"ks2", false});
  world_->schedule(world_->now() + 500 * kMillisecond, testbed::RestartFault{"ks2"});
  world_->run_until(world_->now() + 2 * kSecond);
  cluster_->run_on("client", [&] { out = a_.invoke("commitTransaction", {}); }, 10 * kSecond);
  EXPECT_EQ(out.status.code, Code::kAborted) << out.status.to_string();
  expect_atomic(balances(), false);
}

// DHT over ConsensusRSM: a shard's Raft leader crashes; every key keeps its value.
TEST_F(TwoPcSim, DhtOverConsensusKeepsEveryKeyThroughACrash) {
  Stub s = create(
      "class: Shelf\nargs: [{}]\nnodeSelector: [{key: name, operator: in, values: [ks1, ks2, ks3]}]\n"
      "dmList: [{name: DHT, config: {shards: 2}}, {name: ConsensusRSM, config: {replicas: 3}}]\n");
  Reply r;
  ASSERT_TRUE(cluster_->run_on("client", [&] {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.invoke("append", {Value("k" + std::to_string(i)), Value("a")}).ok());
  }, 30 * kSecond));
  world_->apply(testbed::CrashFault{"ks1", false});
  ASSERT_TRUE(cluster_->run_on("client", [&] {
    for (int i = 0; i < 20; ++i) {
      r = s.invoke("append", {Value("k" + std::to_string(i)), Value("b")});
      ASSERT_TRUE(r.ok()) << r.status.to_string();
      EXPECT_EQ(r.value.as_string(), "ab");
    }
  }, 60 * kSecond));
}

}  // namespace
}  // namespace amino::testing
