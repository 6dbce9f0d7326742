// Immutable: one fetch, then local reads that survive the server; writes are refused.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

const char* kImmutable = R"(
class: Counter
args: [7]
nodeSelector: [{key: region, operator: =, values: [region-1]}]
dmList: [{name: Immutable}]
)";

TEST(Immutable, ReadsRunOnALocalCopyAndSurviveServerLoss) {
  LibCluster c;
  Stub s = c.create(kImmutable);
  ASSERT_EQ(c.host(s), "ks1");
  Reply first = c.call("client", s, "get");
  ASSERT_TRUE(first.ok()) << first.status.to_string();
  EXPECT_EQ(first.value.as_int(), 7);
  EXPECT_EQ(c.metrics(s).count("client"), 0u) << "a read reached the server";
  c.world().crash("ks1");
  for (int i = 0; i < 3; ++i) {
    Reply r = c.call("client", s, "get");
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value.as_int(), 7);
  }
}

TEST(Immutable, MutatingCallsAreRejected) {
  LibCluster c;
  Stub s = c.create(kImmutable);
  Reply w = c.call("client", s, "add", {Value(1)});
  EXPECT_EQ(w.status.code, Code::kAborted);
  EXPECT_NE(w.status.message.find("read-only"), std::string::npos) << w.status.message;
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 7);
  EXPECT_EQ(c.metrics(s).count("client"), 0u);
}

TEST(Immutable, AReadBeforeAnyCopyNeedsTheServer) {
  LibCluster c;
  Stub s = c.create(kImmutable);
  c.world().crash("ks1");
  Reply r = c.call("client", s, "get", {}, 2 * kSecond);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(is_retryable(r.status.code)) << r.status.to_string();
}

}  // namespace
}  // namespace amino::testing
