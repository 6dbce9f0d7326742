// DHT and TwoPhaseCommit under faults on the SimGrid backend (one simulation per test process).
// TwoPhaseCommit: a bank across two microservices (account a on ks1, b on ks2), transfers
// coordinated by the node "client"; the coordinator crashes at each step of the protocol (timed to
// its probes), or a cohort does, and restarts with its storage. Atomicity: a transfer is at both
// accounts or at neither, the total is conserved, a committed transfer is never lost.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <set>

#include "dms/all.h"
#include "testbed/check/transactions.h"
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

// Concurrent transfers among three accounts from two coordinators, under crashes of coordinators
// and cohorts timed to random 2PC probes (seeded). Each transfer also appends its id to a log
// list at both accounts and reads one of them first, so the end state shows, per transfer, whether
// it happened at both cohorts, at neither, or (an atomicity violation) at one; the recorded
// list-append history is kept for the transactional checker.
class TwoPcStress : public TwoPcSim, public ::testing::WithParamInterface<int> {
 protected:
  struct Txn {
    int id = 0;
    int from = 0, to = 0;
    std::int64_t amount = 0;
    enum { kUnknown, kCommitted, kAborted } outcome = kUnknown;
  };

  static std::string key(int account) { return std::string(1, static_cast<char>('a' + account)); }
  static check::Json micro_ops(const Txn& t, const check::Json& read) {
    return check::Json::array({check::Json::array({"r", key(t.from), read}), check::Json::array({"append", key(t.from), t.id}),
                               check::Json::array({"append", key(t.to), t.id})});
  }

  void run_client(const NodeId& node, int process, int base, int count, std::uint64_t seed) {
    auto rng = std::make_shared<Rng>(seed);
    cluster_->env(node).spawn("bank-client", [this, node, process, base, count, rng] {
      Kernel& k = cluster_->kernel(node);
      Stub acc[3] = {k.acquire(a_.id()), k.acquire(b_.id()), k.acquire(c_.id())};
      Env& env = cluster_->env(node);
      for (int i = 0; i < count; ++i) {
        Txn t;
        t.id = base + i;
        t.from = static_cast<int>(rng->uniform_int(0, 2));
        t.to = (t.from + static_cast<int>(rng->uniform_int(1, 2))) % 3;
        t.amount = rng->uniform_int(1, 20);
        txns_.push_back(t);
        const std::size_t me = txns_.size() - 1;
        const int op = history_.invoke(process, "txn", std::nullopt, micro_ops(t, nullptr), env.now());
        Reply s = acc[t.from].invoke("startTransaction", {});
        if (!s.ok()) {
          history_.complete(op, check::EventType::kFail, micro_ops(t, nullptr), env.now());
          continue;
        }
        Reply r = acc[t.from].invoke("read", {Value("log")});
        Reply w = r.ok() ? acc[t.from].invoke("withdraw", {Value(t.amount)}) : r;
        Reply l1 = w.ok() ? acc[t.from].invoke("append", {Value("log"), Value(t.id)}) : w;
        Reply d = l1.ok() ? acc[t.to].invoke("deposit", {Value(t.amount)}) : l1;
        Reply l2 = d.ok() ? acc[t.to].invoke("append", {Value("log"), Value(t.id)}) : d;
        if (!l2.ok()) {
          if (acc[t.from].invoke("rollbackTransaction", {}).ok()) txns_[me].outcome = Txn::kAborted;
        } else {
          Reply c = acc[t.from].invoke("commitTransaction", {});
          if (c.ok()) txns_[me].outcome = Txn::kCommitted;
          if (c.status.code == Code::kAborted) txns_[me].outcome = Txn::kAborted;
        }
        switch (txns_[me].outcome) {
          case Txn::kCommitted: {
            check::Json read = check::Json::array();
            for (const Value& v : r.value.as_list()) read.push_back(v.as_int());
            history_.complete(op, check::EventType::kOk, micro_ops(t, read), env.now());
            break;
          }
          case Txn::kAborted: history_.complete(op, check::EventType::kFail, micro_ops(t, nullptr), env.now()); break;
          case Txn::kUnknown: history_.complete(op, check::EventType::kInfo, micro_ops(t, nullptr), env.now()); break;
        }
        env.sleep_for(rng->uniform_int(50, 300) * kMillisecond);
      }
    });
  }

  // Crashes timed to 2PC probes on coordinators and cohorts, restarted 0.2-1.5 s later.
  void arm_faults(std::uint64_t seed) {
    Rng rng(seed * 7919 + 1);
    const char* coordinator_probes[] = {"2pc.logged", "2pc.prepare", "2pc.decided.commit", "2pc.deliver.commit", "2pc.acked"};
    const char* cohort_probes[] = {"2pc.prepared", "2pc.committed", "2pc.aborted"};
    for (int i = 0; i < 3; ++i) {
      testbed::ProbeTrigger t;
      const bool coordinator = rng.uniform_int(0, 1) == 0;
      if (coordinator) {
        t.probe = coordinator_probes[rng.uniform_int(0, 4)];
        t.node = rng.uniform_int(0, 1) == 0 ? "client" : "client2";
      } else {
        t.probe = cohort_probes[rng.uniform_int(0, 2)];
        t.node = "ks" + std::to_string(rng.uniform_int(1, 3));
      }
      t.nth = rng.uniform_int(1, 4);
      t.from = rng.uniform_int(0, 2500) * kMillisecond;
      t.faults = {{0, testbed::CrashFault{*t.node, false}},
                  {rng.uniform_int(200, 1500) * kMillisecond, testbed::RestartFault{*t.node}}};
      cluster_->arm(std::move(t));
    }
  }

  Stub c_;
  std::vector<Txn> txns_;
  check::History history_;  // list-append transactions on keys a, b, c (the accounts' logs)
};

TEST_P(TwoPcStress, TransfersAreAtomicAndConserveMoneyUnderCrashes) {
  const int seed = GetParam();
  c_ = create(account("ks3", 100));
  // a and b start at 100 and 0 (fixture): give b 100 as well.
  ASSERT_TRUE(cluster_->run_on("client", [&] { ASSERT_TRUE(b_.invoke("deposit", {Value(100)}).ok()); }, 10 * kSecond));
  arm_faults(static_cast<std::uint64_t>(seed));
  run_client("client", 1, 1000, 12, static_cast<std::uint64_t>(seed) * 2 + 1);
  run_client("client2", 2, 2000, 12, static_cast<std::uint64_t>(seed) * 2 + 2);
  world_->run_until(world_->now() + 30 * kSecond);
  // Restarted coordinators acquire the cohorts again: recovery of what they logged.
  for (const NodeId n : {"client", "client2"}) {
    ASSERT_TRUE(cluster_->run_on(n, [&] {
      for (const Stub* s : {&a_, &b_, &c_}) (void)cluster_->kernel(n).acquire(s->id());
    }, 10 * kSecond));
  }
  world_->run_until(world_->now() + 10 * kSecond);
  // The end state, read from a node that coordinated nothing.
  std::int64_t total = 0;
  std::vector<std::set<std::int64_t>> logs(3);
  std::vector<std::int64_t> balance(3, -1);
  ASSERT_TRUE(cluster_->run_on("ks3", [&] {
    const Stub* accounts[] = {&a_, &b_, &c_};
    for (int i = 0; i < 3; ++i) {
      Stub s = cluster_->kernel("ks3").acquire(accounts[i]->id());
      for (int attempt = 0; attempt < 50; ++attempt) {
        Reply bal = s.invoke("balance", {}), log = s.invoke("read", {Value("log")});
        if (bal.ok() && log.ok()) {
          balance[static_cast<std::size_t>(i)] = bal.value.as_int();
          check::Json read = check::Json::array();
          for (const Value& v : log.value.as_list()) read.push_back(v.as_int());
          const Time now = cluster_->env("ks3").now();
          const int op = history_.invoke(3, "txn", std::nullopt, check::Json::array({check::Json::array({"r", key(i), nullptr})}), now);
          history_.complete(op, check::EventType::kOk, check::Json::array({check::Json::array({"r", key(i), read})}), now);
          for (const Value& v : log.value.as_list()) logs[static_cast<std::size_t>(i)].insert(v.as_int());
          break;
        }
        cluster_->env("ks3").sleep_for(200 * kMillisecond);
      }
    }
  }, 60 * kSecond));
  int committed = 0, aborted = 0, unknown = 0;
  std::vector<std::int64_t> expect = {100, 100, 100};
  for (const Txn& t : txns_) {
    const bool at_from = logs[static_cast<std::size_t>(t.from)].count(t.id) != 0;
    const bool at_to = logs[static_cast<std::size_t>(t.to)].count(t.id) != 0;
    EXPECT_EQ(at_from, at_to) << "transfer " << t.id << " happened at one cohort only (seed " << seed << ")";
    if (t.outcome == Txn::kCommitted) {
      ++committed;
      EXPECT_TRUE(at_from && at_to) << "committed transfer " << t.id << " was lost (seed " << seed << ")";
    } else if (t.outcome == Txn::kAborted) {
      ++aborted;
      EXPECT_FALSE(at_from || at_to) << "aborted transfer " << t.id << " took effect (seed " << seed << ")";
    } else {
      ++unknown;
    }
    if (at_from && at_to) {
      expect[static_cast<std::size_t>(t.from)] -= t.amount;
      expect[static_cast<std::size_t>(t.to)] += t.amount;
    }
  }
  for (int i = 0; i < 3; ++i) {
    total += balance[static_cast<std::size_t>(i)];
    EXPECT_EQ(balance[static_cast<std::size_t>(i)], expect[static_cast<std::size_t>(i)]) << "account " << i << " (seed " << seed << ")";
  }
  EXPECT_EQ(total, 300) << "seed " << seed;
  // Elle-style: the list-append history across the cohorts is strict serializable (strict 2PL).
  check::TxnCheckOptions o;
  o.consistency = "strict-serializable";
  const check::TxnCheckResult elle = check::check_transactions(history_, o);
  EXPECT_TRUE(elle.valid) << "seed " << seed << ": " << elle.summary();
  EXPECT_GE(elle.ok, 6u);
  EXPECT_GE(committed, 3) << "seed " << seed << ": too few transfers committed to mean anything";
  EXPECT_GE(committed + aborted, 6) << "seed " << seed << ": too few transfers decided to mean anything";
  EXPECT_GE(world_->firings().size(), 1u) << "seed " << seed << ": no crash happened";
  RecordProperty("firings", static_cast<int>(world_->firings().size()));
  RecordProperty("committed", committed);
  RecordProperty("aborted", aborted);
  RecordProperty("unknown", unknown);
}

INSTANTIATE_TEST_SUITE_P(Seeds, TwoPcStress, ::testing::Range(1, 9));

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
