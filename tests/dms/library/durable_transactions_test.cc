// DurableTransactions: LockingTransactions whose commits are synced to the node's storage; after a
// crash and restart the object is its last commit.
#include <gtest/gtest.h>

#include <cstdio>

#include "runtime/inproc/inproc_env.h"
#include "runtime/wire.h"
#include "tests/dms/library/transactions_apps.h"

namespace amino::testing {
namespace {

// Restarts the object's node with its storage and waits until the recovered replica answers.
void restart_host(TxnCluster& c, const Stub& s) {
  const NodeId host = c.host(s);
  ASSERT_FALSE(host.empty());
  c.restart_kernel(host, /*keep_storage=*/true);
  c.world().run_for(2 * kSecond);
}

TEST(DurableTransactions, ACommitSurvivesARestartAndUncommittedWritesDoNot) {
  TxnCluster c;
  Stub s = c.store("DurableTransactions");
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "write", {Value("r"), Value(4)}).ok());
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(2)}).ok());  // never committed
  restart_host(c, s);
  EXPECT_EQ(c.call("client", s, "append", {Value("x"), Value(3)}).status.code, Code::kAborted)
      << "the open transaction did not survive the restart";
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kAborted);
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
  EXPECT_EQ(c.call("client", s, "get", {Value("r")}).value.as_int(), 4);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok()) << "no lock survives either";
  ASSERT_TRUE(c.call("client", s, "commitTransaction").ok());
}

TEST(DurableTransactions, AMutatingCallOutsideATransactionIsDurableToo) {
  TxnCluster c;
  Stub s = c.store("DurableTransactions");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(2)}).ok());
  restart_host(c, s);
  EXPECT_EQ(c.list("client", s, "x"), (Ints{1, 2}));
  restart_host(c, s);  // a second recovery starts from the first one's record
  EXPECT_EQ(c.list("client", s, "x"), (Ints{1, 2}));
}

TEST(DurableTransactions, RollbackAndLeaseExpiryAreNotPersisted) {
  TxnCluster c;
  Stub s = c.store("DurableTransactions", "{leaseMs: 300}");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(2)}).ok());
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(3)}).ok());
  c.world().run_for(1 * kSecond);  // the lease runs out
  restart_host(c, s);
  EXPECT_EQ(c.call("client", s, "read", {Value("x")}).status.code, Code::kAborted) << "its transaction is gone";
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
}

// A crash in the middle of a commit's write: the next generation's record was written but not yet
// synced when the node lost power. Without a torn write the unsynced record is simply lost; with
// one, half of it reaches the disk. Either way the last good commit is what comes back.
void crash_mid_commit(bool torn) {
  TxnCluster c;
  Stub s = c.store("DurableTransactions");
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(1)}).ok());
  const NodeId host = c.host(s);
  auto& disk = static_cast<inproc::InProcEnv&>(c.world().node(host)).memory_storage();
  const auto before = disk.keys("dtx/");
  ASSERT_EQ(before.size(), 1u) << "one record: the last commit";
  // The next generation's record as the DM writes it (layout in durable_transactions.cc), unsynced.
  const std::string last = before.front();
  const long long gen = std::stoll(last.substr(last.rfind('/') + 1));
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020lld", gen + 1);
  const Value next_state = ValueMap{{"lists", ValueMap{{"x", ValueList{Value(1), Value(2)}}}}, {"registers", ValueMap{}}};
  disk.put(last.substr(0, last.rfind('/') + 1) + digits,
           wire::encode_value(ValueMap{{"gen", static_cast<std::int64_t>(gen + 1)},
                                       {"state", next_state},
                                       {"digest", static_cast<std::int64_t>(wire::digest(next_state))}}));
  if (torn) disk.arm_torn_write();
  restart_host(c, s);
  EXPECT_EQ(c.list("client", s, "x"), Ints{1});
  ASSERT_TRUE(c.call("client", s, "append", {Value("x"), Value(3)}).ok()) << "commits go on after recovery";
  restart_host(c, s);
  EXPECT_EQ(c.list("client", s, "x"), (Ints{1, 3}));
}

TEST(DurableTransactions, ACrashMidCommitWithTheUnsyncedRecordLostKeepsTheLastCommit) { crash_mid_commit(false); }
TEST(DurableTransactions, ACrashMidCommitWithATornRecordKeepsTheLastCommit) { crash_mid_commit(true); }

TEST(DurableTransactions, BadControlSequencesAreTypedErrors) {
  TxnCluster c;
  Stub s = c.store("DurableTransactions");
  EXPECT_EQ(c.call("client", s, "commitTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "rollbackTransaction").status.code, Code::kBadArguments);
  ASSERT_TRUE(c.call("client", s, "startTransaction").ok());
  EXPECT_EQ(c.call("client", s, "startTransaction").status.code, Code::kBadArguments);
  EXPECT_EQ(c.call("client", s, "nosuch").status.code, Code::kNoSuchMethod);
  ASSERT_TRUE(c.call("client", s, "rollbackTransaction").ok());
}

}  // namespace
}  // namespace amino::testing
