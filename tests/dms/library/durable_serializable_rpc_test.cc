// DurableSerializableRPC: serialized calls, each acknowledged one durable; a throwing call reverted.
#include <gtest/gtest.h>

#include "tests/dms/library/checkpoint_apps.h"

namespace amino::testing {
namespace {

const std::string kDm = "[{name: DurableSerializableRPC}]";

TEST(DurableSerializableRPC, EveryAcknowledgedCallSurvivesARestart) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm);
  for (int i = 1; i <= 5; ++i) {
    Reply r = c.call("client", s, "add", {Value(i)});
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    c.crash_and_restart("ks1");
    EXPECT_EQ(c.total(s), i * (i + 1) / 2);
  }
}

TEST(DurableSerializableRPC, AThrowingCallIsReverted) {
  CheckpointCluster c;
  Stub s = c.ledger(kDm);
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  Reply r = c.call("client", s, "add_then_fail", {Value(3)});
  EXPECT_EQ(r.status.code, Code::kAppError) << r.status.to_string();
  EXPECT_EQ(c.total(s), 5);  // the half-done write was undone
  EXPECT_EQ(c.call("client", s, "entries").value.as_int(), 1);
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.total(s), 5);
}

TEST(DurableSerializableRPC, WithoutItAThrowingCallKeepsItsHalfDoneWrite) {
  CheckpointCluster c;
  Stub s = c.ledger("[]");
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  EXPECT_EQ(c.call("client", s, "add_then_fail", {Value(3)}).status.code, Code::kAppError);
  EXPECT_EQ(c.total(s), 8);
}

TEST(DurableSerializableRPC, OverlappingCallsRunOneAtATimeAndAllSurvive) {
  CheckpointCluster c;
  Stub s = c.create("class: SlowTally\ndmList: [{name: DurableSerializableRPC}]\n"
                    "nodeSelector: [{key: region, operator: =, values: [region-1]}]\n");
  std::vector<Reply> replies(3);
  int done = 0;
  for (int i = 0; i < 3; ++i) {
    c.world().node("client").spawn("add", [&, i] {
      replies[static_cast<std::size_t>(i)] = s.invoke("slow_add", {Value(1), Value(1e8)});
      ++done;
    });
  }
  c.world().run_until([&] { return done == 3; }, c.world().now() + 10 * kSecond);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(replies[static_cast<std::size_t>(i)].ok()) << replies[static_cast<std::size_t>(i)].status.to_string();
    EXPECT_EQ(replies[static_cast<std::size_t>(i)].value.as_int(), i + 1);  // FIFO, no lost update
  }
  EXPECT_EQ(c.call("client", s, "max_overlap").value.as_int(), 1);
  c.crash_and_restart("ks1");
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 3);
}

TEST(DurableSerializableRPC, AWaiterGivesUpAfterLockTimeout) {
  CheckpointCluster c;
  Stub s = c.ledger("[{name: DurableSerializableRPC, config: {lockTimeoutMs: 50}}]");
  Reply first, second;
  int done = 0;
  c.world().node("client").spawn("a", [&] {
    first = s.invoke("slow_add", {Value(1), Value(1e9)});
    ++done;
  });
  c.world().node("client").spawn("b", [&] {
    second = s.invoke("add", {Value(1)});
    ++done;
  });
  c.world().run_until([&] { return done == 2; }, c.world().now() + 10 * kSecond);
  EXPECT_TRUE(first.ok()) << first.status.to_string();
  EXPECT_EQ(second.status.code, Code::kUnavailable) << second.status.to_string();
  EXPECT_EQ(c.total(s), 1);
}

}  // namespace
}  // namespace amino::testing
