// TwoPhaseCommit: transactions across microservices, coordinated by the client node.
#include <gtest/gtest.h>

#include "tests/dms/library/dht_apps.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

// An account of `balance` on kernel server `ks` (region-N of ks N).
std::string account(int ks, std::int64_t balance, const std::string& config = "{}") {
  return "class: Account\nargs: [" + std::to_string(balance) + "]\nnodeSelector: [{key: region, operator: =, values: [region-" +
         std::to_string(ks) + "]}]\ndmList:\n  - name: TwoPhaseCommit\n    config: " + config + "\n";
}

class Bank : public LibCluster {
 public:
  Bank() { classes().add<Account>("Account"); }

  std::int64_t balance(const Stub& s, const NodeId& from = "client") {
    Reply r = call(from, s, "balance");
    EXPECT_TRUE(r.ok()) << r.status.to_string();
    return r.ok() ? r.value.as_int() : -1;
  }

  // start, withdraw from `a`, deposit to `b`, then `end` ("commitTransaction" or "rollbackTransaction").
  Reply transfer(const Stub& a, const Stub& b, std::int64_t amount, const std::string& end = "commitTransaction") {
    Reply out = Reply::error(Code::kInternal, "did not finish");
    run("client", [&] {
      Reply s = a.invoke("startTransaction", {});
      if (!s.ok()) {
        out = s;
        return;
      }
      Reply w = a.invoke("withdraw", {Value(amount)});
      Reply d = b.invoke("deposit", {Value(amount)});
      if (!w.ok() || !d.ok()) {
        (void)a.invoke("rollbackTransaction", {});
        out = !w.ok() ? w : d;
        return;
      }
      out = a.invoke(end, {});
    });
    return out;
  }
};

TEST(TwoPhaseCommit, ATransferCommitsAtBothCohorts) {
  Bank c;
  Stub a = c.create(account(1, 100)), b = c.create(account(2, 0));
  Reply r = c.transfer(a, b, 30);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(c.balance(a), 70);
  EXPECT_EQ(c.balance(b), 30);
  // Committed state is durable at each cohort: restarted with its storage, it has the transfer.
  c.restart_kernel("ks2", /*keep_storage=*/true);
  c.world().run_for(3 * kSecond);
  EXPECT_EQ(c.balance(b), 30);
}

TEST(TwoPhaseCommit, RollbackUndoesEveryCohort) {
  Bank c;
  Stub a = c.create(account(1, 100)), b = c.create(account(2, 0));
  ASSERT_TRUE(c.transfer(a, b, 30, "rollbackTransaction").ok());
  EXPECT_EQ(c.balance(a), 100);
  EXPECT_EQ(c.balance(b), 0);
}

TEST(TwoPhaseCommit, AnApplicationErrorInsideLeavesTheDecisionToTheClient) {
  Bank c;
  Stub a = c.create(account(1, 10)), b = c.create(account(2, 0));
  Reply r = c.transfer(a, b, 30);  // withdraw throws: the helper rolls back
  EXPECT_EQ(r.status.code, Code::kAppError) << r.status.to_string();
  EXPECT_EQ(c.balance(a), 10);
  EXPECT_EQ(c.balance(b), 0) << "the deposit of a rolled-back transfer stayed";
}

TEST(TwoPhaseCommit, OtherClientsNeverSeeUncommittedStateAndWaitForTheLock) {
  Bank c;
  Stub a = c.create(account(1, 100, "{lockTimeoutMs: 300}"));
  Stub a_on_ks3 = c.acquire_on("ks3", a.id());
  ASSERT_TRUE(c.run("client", [&] {
    ASSERT_TRUE(a.invoke("startTransaction", {}).ok());
    ASSERT_TRUE(a.invoke("withdraw", {Value(40)}).ok());
  }));
  Reply dirty = c.call("ks3", a_on_ks3, "balance");
  EXPECT_EQ(dirty.status.code, Code::kUnavailable) << "read past the lock: " << dirty.value.to_string();
  Reply other = c.call("ks3", a_on_ks3, "deposit", {Value(1)});
  EXPECT_FALSE(other.ok());
  ASSERT_TRUE(c.call("client", a, "commitTransaction").ok());
  EXPECT_EQ(c.balance(a_on_ks3, "ks3"), 60);
}

TEST(TwoPhaseCommit, OneOpenTransactionPerClientNodeAndControlMethodsNeedOne) {
  Bank c;
  Stub a = c.create(account(1, 100)), b = c.create(account(2, 0));
  ASSERT_TRUE(c.run("client", [&] {
    Reply t = a.invoke("startTransaction", {});
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t.value.is<std::string>());
    EXPECT_EQ(b.invoke("startTransaction", {}).status.code, Code::kAborted);
    ASSERT_TRUE(b.invoke("rollbackTransaction", {}).ok());  // any cohort's stub ends the node's transaction
    EXPECT_EQ(a.invoke("commitTransaction", {}).status.code, Code::kBadArguments);
    EXPECT_EQ(a.invoke("rollbackTransaction", {}).status.code, Code::kBadArguments);
  }));
}

TEST(TwoPhaseCommit, ACohortThatLostTheTransactionInACrashVotesNoAndNothingCommits) {
  Bank c;
  Stub a = c.create(account(1, 100)), b = c.create(account(2, 0));
  Reply commit;
  ASSERT_TRUE(c.run("client", [&] {
    ASSERT_TRUE(a.invoke("startTransaction", {}).ok());
    ASSERT_TRUE(a.invoke("withdraw", {Value(30)}).ok());
    ASSERT_TRUE(b.invoke("deposit", {Value(30)}).ok());
  }));
  c.restart_kernel("ks2", /*keep_storage=*/true);  // b's unprepared transaction is gone
  c.world().run_for(3 * kSecond);
  commit = c.call("client", a, "commitTransaction");
  EXPECT_EQ(commit.status.code, Code::kAborted) << commit.status.to_string();
  EXPECT_EQ(c.balance(a), 100);
  EXPECT_EQ(c.balance(b), 0);
}

TEST(TwoPhaseCommit, ALateCallOfATransactionTheCohortAbortedIsRefused) {
  Bank c;
  Stub a = c.create(account(1, 100, "{txnTimeoutMs: 500}")), b = c.create(account(2, 0, "{txnTimeoutMs: 500}"));
  ASSERT_TRUE(c.run("client", [&] {
    ASSERT_TRUE(a.invoke("startTransaction", {}).ok());
    ASSERT_TRUE(a.invoke("withdraw", {Value(30)}).ok());
  }));
  c.world().run_for(2 * kSecond);  // the client idles: a aborts the transaction
  // (From another node: every call from "client" belongs to its open transaction.)
  EXPECT_EQ(c.balance(c.acquire_on("ks3", a.id()), "ks3"), 100) << "an idle transaction kept its lock or its effect";
  ASSERT_TRUE(c.run("client", [&] {
    EXPECT_TRUE(b.invoke("deposit", {Value(30)}).ok());  // b's first call: b knows nothing yet
    Reply again = a.invoke("withdraw", {Value(1)});       // a's second: a aborted it
    EXPECT_EQ(again.status.code, Code::kAborted) << again.status.to_string();
    EXPECT_EQ(a.invoke("commitTransaction", {}).status.code, Code::kAborted);
  }));
  EXPECT_EQ(c.balance(a), 100);
  EXPECT_EQ(c.balance(b), 0);
}

TEST(TwoPhaseCommit, ControlMessagesFromHostileClientsGetTypedErrors) {
  Bank c;
  Stub a = c.create(account(1, 100));
  for (const auto& [m, args] : std::vector<std::pair<std::string, ValueList>>{
           {"2pc.call", {Value(1)}}, {"2pc.call", {Value("t"), Value("x"), Value("withdraw"), Value(ValueList{})}},
           {"2pc.prepare", {}}, {"2pc.commit", {Value(3)}}, {"2pc.abort", {}}}) {
    Reply r;
    ASSERT_TRUE(c.run("client", [&] {
      // Straight to the replica, past the client part, as a hostile client would.
      Invocation inv;
      inv.method = m;
      inv.args = args;
      inv.caller = "client";
      inv.deadline = c.world().now() + kSecond;
      const auto oid = c.oms().stacks_of(a.id()).front();
      ReplicaRef to;
      to.rid = "x";
      to.node = c.host_of(oid);
      to.oid = oid;
      r = c.client().invoke_remote(to, "", inv);
    }));
    EXPECT_EQ(r.status.code, Code::kBadArguments) << m << ": " << r.status.to_string();
  }
  EXPECT_EQ(c.balance(a), 100);
}

}  // namespace
}  // namespace amino::testing
