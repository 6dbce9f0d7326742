// LockingTransactions: multi-call transactions under a leased lock on the object, with rollback.
#include <gtest/gtest.h>

#include "tests/dms/library/transactions_apps.h"

namespace amino::testing {
namespace {

TEST(LockingTransactions, BeginCallsCommitPublishesEveryWriteAtOnce) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("y"), Value(2)}).ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1}) << "a transaction reads its own writes";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{1});
  EXPECT_EQ(c.list("ks2", other, "y"), Ints{2});
}

TEST(LockingTransactions, RollbackRestoresTheStateAtBegin) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "write", {Value("r"), Value(5)}).ok());
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
  Reply r = c.call("client", s, "get", {Value("r")});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_TRUE(r.value.is_null()) << r.value.to_string();
}

TEST(LockingTransactions, AnotherEndpointWaitsForTheCommitThenRuns) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  auto waited = std::make_shared<Reply>(Reply::error(Code::kInternal, "not finished"));
  auto done = std::make_shared<bool>(false);
  c.world().node("ks2").spawn("other", [other, waited, done] {
    *waited = other.invoke("append", {Value("x"), Value(2)});
    *done = true;
  });
  c.world().run_for(1 * kSecond);
  EXPECT_FALSE(*done) << "a call of another endpoint ran while a transaction held the object";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(3)}).ok());
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  c.world().run_until([done] { return *done; }, c.world().now() + 5 * kSecond);
  ASSERT_TRUE(*done);
  ASSERT_TRUE(waited->ok()) << waited->status.to_string();
  EXPECT_EQ(c.list("ks2", other, "x"), (Ints{1, 3, 2})) << "the waiting call ran after the whole transaction";
}

TEST(LockingTransactions, AWaitOutlastingLockTimeoutIsUnavailableAndNotRun) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{lockTimeoutMs: 200}");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  Reply r = c.call("ks2", other, "append", {Value("x"), Value(9)});
  EXPECT_EQ(r.status.code, Code::kUnavailable) << r.status.to_string();
  EXPECT_EQ(c.call("ks2", other, "startTransaction").status.code, Code::kUnavailable);
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{});
  ASSERT_TRUE(c.call("ks2", other, "startTransaction").ok()) << "the lock is free after the commit";
  ASSERT_TRUE(c.call("ks2", other, "rollbackTransaction").ok());
}

TEST(LockingTransactions, ASilentOwnerLosesItsLeaseItsWritesAndItsTransaction) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{leaseMs: 300}");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  c.world().run_for(1 * kSecond);  // the owner says nothing for longer than its lease
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{}) << "the expired transaction's write is rolled back";
  Reply late = c.call("client", s, "append", {Value("x"), Value(2)});
  EXPECT_EQ(late.status.code, Code::kAborted) << late.status.to_string();
  EXPECT_EQ(c.call("client", s, "append", {Value("x"), Value(3)}).status.code, Code::kAborted)
      << "the transaction's later calls fail too, without running";
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kAborted);
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kBadArguments) << "the transaction is over";
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{}) << "the late calls did not run outside the transaction";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(4)}).ok()) << "after it, calls run on their own";
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{4});
}

TEST(LockingTransactions, ACallWithAnUnknownOutcomeDoomsTheTransaction) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{leaseMs: 300}");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  c.world().cut("client", "ks1");
  Reply lost = c.call("client", s, "append", {Value("x"), Value(2)}, 200 * kMillisecond);
  EXPECT_TRUE(is_retryable(lost.status.code)) << lost.status.to_string();
  c.world().heal("client", "ks1");
  EXPECT_EQ(c.call("client", s, "append", {Value("x"), Value(3)}).status.code, Code::kAborted);
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kAborted);
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{}) << "nothing of the doomed transaction stays";
}

// Regression (SimGrid sweep seeds 24, 38, 61): a client that retries from its begin after a call
// came back kAborted, without ending the aborted transaction, was refused every later begin
// ("already open") and could never commit again; a plain call on that endpoint failed too.
TEST(LockingTransactions, ABeginAfterAnAbortedTransactionEndsItAndOpensANewOne) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{leaseMs: 300}");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  c.world().run_for(1 * kSecond);  // the lease runs out
  ASSERT_EQ(c.call("client", s, "append", {Value("x"), Value(2)}).status.code, Code::kAborted);
  Reply begin = c.call("client", s, "startTransaction");
  ASSERT_TRUE(begin.ok()) << "a doomed transaction blocks the endpoint's next begin: " << begin.status.to_string();
  EXPECT_EQ(c.call("client", s, "startTransaction").status.code, Code::kBadArguments)
      << "the new transaction is not doomed: nesting is still refused";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(3)}).ok());
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{3}) << "only the new transaction's write is committed";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(4)}).ok()) << "calls outside transactions run again";
}

// The same when the doom came from a call of unknown outcome: the server still holds the old
// transaction (and the lock) until its lease runs out, and refuses this endpoint a second one, so
// the begin rolls the old one back there first.
TEST(LockingTransactions, ABeginAfterACallWithAnUnknownOutcomeRollsTheOldTransactionBackAtTheServer) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{leaseMs: 60000}");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  c.world().cut("client", "ks1");
  Reply lost = c.call("client", s, "append", {Value("x"), Value(2)}, 200 * kMillisecond);
  ASSERT_TRUE(is_retryable(lost.status.code)) << lost.status.to_string();
  c.world().heal("client", "ks1");
  Reply begin = c.call("client", s, "startTransaction");
  ASSERT_TRUE(begin.ok()) << begin.status.to_string();
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(3)}).ok());
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{3}) << "the doomed transaction's writes are rolled back";
}

TEST(LockingTransactions, CallsKeepTheLeaseAlive) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{leaseMs: 300}");
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(i)}).ok()) << i;
    c.world().run_for(200 * kMillisecond);
  }
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x").size(), 6u);
}

TEST(LockingTransactions, BadControlSequencesAreTypedErrors) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions");
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "rollbackTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "startTransaction", {Value(5)}).status.code, Code::kBadArguments);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.call("client", s, "startTransaction").status.code, Code::kBadArguments) << "nested begin";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok()) << "the open transaction goes on";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
}

TEST(LockingTransactions, UnknownMethodsAreErrorsInsideAndOutsideATransaction) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions");
  EXPECT_EQ(c.call("client", s, "nosuch").status.code, Code::kNoSuchMethod);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.call("client", s, "nosuch").status.code, Code::kNoSuchMethod);
  EXPECT_EQ(c.call("client", s, "append", {Value("x")}).status.code, Code::kBadArguments);
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
}

TEST(LockingTransactions, ControlMethodNamesComeFromTheConfig) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{startMethod: begin, commitMethod: done, rollbackMethod: undo}");
  EXPECT_EQ(c.call("client", s, "startTransaction").status.code, Code::kNoSuchMethod);
  ASSERT_TRUE(c.call("client", s, "begin").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "undo").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
  Stub same = c.store("LockingTransactions", "{startMethod: t, commitMethod: t}");
  EXPECT_EQ(c.call("client", same, "t").status.code, Code::kBadSpec);
}

TEST(LockingTransactions, AMigrationRollsBackTheOpenTransaction) {
  TxnCluster c;
  Stub s = c.store("LockingTransactions", "{}", "[region-1, region-2]");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(2)}).ok());
  const NodeId to = c.host(s) == "ks1" ? "ks2" : "ks1";
  ASSERT_TRUE(c.migrate(s, to).ok());
  ASSERT_EQ(c.host(s), to);
  EXPECT_EQ(c.call("client", s, "append", {Value("x"), Value(3)}).status.code, Code::kAborted);
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok()) << "the moved replica's lock is free";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
}

}  // namespace
}  // namespace amino::testing
