// ExplicitCaching: the application pulls a copy, calls run on it, a push writes it back.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config = "{}") {
  return "class: Workpad\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n"
         "dmList:\n  - name: ExplicitCaching\n    config: " + config + "\n";
}

std::int64_t total(LibCluster& c, const NodeId& node, const Stub& s) {
  Reply r = c.call(node, s, "total");
  EXPECT_TRUE(r.ok()) << r.status.to_string();
  return r.ok() ? r.value.as_int() : -1;
}

TEST(ExplicitCaching, WithoutAPullCallsGoToTheServer) {
  LibCluster c;
  Stub s = c.create(spec());
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u);
  EXPECT_EQ(total(c, "ks2", c.acquire_on("ks2", s.id())), 2);
}

TEST(ExplicitCaching, CallsBetweenPullAndPushRunOnTheCopyAndThePushPublishesThem) {
  LibCluster c;
  Stub s = c.create(spec());
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  EXPECT_EQ(total(c, "client", s), 3);
  EXPECT_EQ(c.call("client", s, "where").value.as_string(), "client") << "a call between pull and push left the node";
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u) << "only the pull reaches the server";
  EXPECT_EQ(total(c, "ks2", other), 0) << "writes on the copy are invisible before the push";
  ASSERT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(total(c, "ks2", other), 3);
  EXPECT_EQ(c.call("client", s, "where").value.as_string(), "ks1") << "after the push calls go to the server";
}

TEST(ExplicitCaching, TheCopyDoesNotSeeLaterWritesAndTheLastPushWins) {
  LibCluster c;
  Stub s = c.create(spec());
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  ASSERT_TRUE(c.call("ks2", other, "add", {Value(10)}).ok());
  EXPECT_EQ(total(c, "client", s), 0) << "the copy is the state at the pull";
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(total(c, "ks2", other), 1) << "the documented lost update: the push replaced the object";
}

TEST(ExplicitCaching, RejectStalePushRefusesToOverwriteAndDropsTheCopy) {
  LibCluster c;
  Stub s = c.create(spec("{rejectStalePush: true}"));
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  ASSERT_TRUE(c.call("ks2", other, "add", {Value(10)}).ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  EXPECT_EQ(c.call("client", s, "push").status.code, Code::kAborted);
  EXPECT_EQ(total(c, "ks2", other), 10);
  EXPECT_EQ(total(c, "client", s), 10) << "the refused copy was dropped: calls go to the server";
  // Without a concurrent writer the same push goes through.
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(1)}).ok());
  ASSERT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(total(c, "ks2", other), 11);
}

TEST(ExplicitCaching, PushingAnUntouchedCopyWritesNothingBack) {
  LibCluster c;
  Stub s = c.create(spec());
  Stub other = c.acquire_on("ks2", s.id());
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  ASSERT_TRUE(c.call("ks2", other, "add", {Value(10)}).ok());
  EXPECT_EQ(total(c, "client", s), 0);  // a read: the copy stays clean
  ASSERT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(total(c, "ks2", other), 10) << "a clean copy overwrote another client's write";
}

TEST(ExplicitCaching, AFailedPushKeepsTheCopyAndItsWrites) {
  LibCluster c;
  Stub s = c.create(spec());
  ASSERT_TRUE(c.call("client", s, "pull").ok());
  ASSERT_TRUE(c.call("client", s, "add", {Value(2)}).ok());
  c.world().cut("client", "ks1");
  Reply pushed = c.call("client", s, "push", {}, kSecond);
  EXPECT_FALSE(pushed.ok());
  EXPECT_TRUE(is_retryable(pushed.status.code)) << pushed.status.to_string();
  EXPECT_EQ(total(c, "client", s), 2) << "the copy keeps answering while the server is cut off";
  c.world().heal("client", "ks1");
  ASSERT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(total(c, "ks2", c.acquire_on("ks2", s.id())), 2);
}

TEST(ExplicitCaching, PullAndPushTakeNoArgumentsAndAPushWithoutACopyIsANoOp) {
  LibCluster c;
  Stub s = c.create(spec("{pullMethod: pull, pushMethod: push}"));
  EXPECT_TRUE(c.call("client", s, "push").ok());
  EXPECT_EQ(c.call("client", s, "migrateTo", {Value("ks2")}).status.code, Code::kAppError) << "not intercepted";
  EXPECT_EQ(c.call("client", s, "pull", {Value(1)}).status.code, Code::kBadArguments);
  Stub same = c.create(spec("{pullMethod: pull, pushMethod: pull}"));
  EXPECT_EQ(c.call("client", same, "pull").status.code, Code::kBadSpec);
}

}  // namespace
}  // namespace amino::testing
