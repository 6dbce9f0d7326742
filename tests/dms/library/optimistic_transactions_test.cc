// OptimisticTransactions: transactions on a private copy; commit validates the object's version.
#include <gtest/gtest.h>

#include "tests/dms/library/transactions_apps.h"

namespace amino::testing {
namespace {

TEST(OptimisticTransactions, CallsRunOnAPrivateCopyAndTheCommitInstallsThem) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "write", {Value("r"), Value(7)}).ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1}) << "a transaction reads its own writes";
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{}) << "a transaction's writes are invisible before its commit";
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u) << "only the begin reached the server";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{1});
  EXPECT_EQ(c.call("ks2", other, "get", {Value("r")}).value.as_int(), 7);
}

TEST(OptimisticTransactions, OfTwoConflictingTransactionsTheSecondCommitAbortsAndLeavesNoTrace) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("ks2", other, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("ks2", other, "append", {Value("x"), Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  Reply second = c.call("ks2", other, "commitTransaction");
  EXPECT_EQ(second.status.code, Code::kAborted) << second.status.to_string();
  EXPECT_EQ(c.list("ks2", other, "x"), Ints{1}) << "no lost update, no trace of the aborted transaction";
  // The aborted client retries and succeeds on a fresh copy.
  ASSERT_TRUE(c.call("ks2", other, "startTransaction").ok());
  ASSERT_TRUE(c.call("ks2", other, "append", {Value("x"), Value(2)}).ok());
  ASSERT_TRUE(c.call("ks2", other, "commitTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), (Ints{1, 2}));
}

TEST(OptimisticTransactions, AWriteOutsideATransactionAbortsTheTransactionsThatBeganBeforeIt) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
  ASSERT_TRUE(c.call("ks2", other, "append", {Value("x"), Value(5)}).ok());
  ASSERT_TRUE(c.call("client", s, "write", {Value("r"), Value(1)}).ok());
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kAborted);
  EXPECT_TRUE(c.call("ks2", other, "get", {Value("r")}).value.is_null());
}

TEST(OptimisticTransactions, AReadOnlyTransactionIsValidatedToo) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok()) << "nothing changed: commits";
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
  ASSERT_TRUE(c.call("ks2", other, "append", {Value("x"), Value(5)}).ok());
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kAborted) << "its read is stale";
  EXPECT_EQ(c.list("client", s, "x"), Ints{5});
}

TEST(OptimisticTransactions, RollbackDropsTheCopy) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
}

TEST(OptimisticTransactions, BadControlSequencesAreTypedErrors) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "rollbackTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "startTransaction", {Value(1)}).status.code, Code::kBadArguments);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.call("client", s, "startTransaction").status.code, Code::kBadArguments) << "nested begin";
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok()) << "the open transaction goes on";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
}

TEST(OptimisticTransactions, UnknownMethodsAreErrorsInsideAndOutsideATransaction) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  EXPECT_EQ(c.call("client", s, "nosuch").status.code, Code::kNoSuchMethod);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.call("client", s, "nosuch").status.code, Code::kNoSuchMethod);
  EXPECT_EQ(c.call("client", s, "append", {Value("x")}).status.code, Code::kBadArguments);
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
}

TEST(OptimisticTransactions, ACommitThatCannotReachTheServerInstallsNothing) {
  TxnCluster c;
  Stub s = c.store("OptimisticTransactions");
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  c.world().cut("client", "ks1");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok()) << "calls run on the copy, cut off or not";
  Reply r = c.call("client", s, "commitTransaction", {}, 500 * kMillisecond);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(is_retryable(r.status.code)) << r.status.to_string();
  c.world().heal("client", "ks1");
  EXPECT_EQ(c.list("client", s, "x"), Ints{});
}

}  // namespace
}  // namespace amino::testing
