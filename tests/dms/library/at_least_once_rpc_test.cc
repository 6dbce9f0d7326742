// AtLeastOnceRPC: retries system errors within its budget, never application errors.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string counter_on_ks1(const std::string& dm_list) {
  return "class: Counter\nargs: [40]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n" + dm_list;
}

const std::string kRetrying =
    "dmList:\n  - name: AtLeastOnceRPC\n    config: {attemptTimeoutMs: 300, timeoutMs: 20000}\n";

// A call sent while client <-> ks1 is cut; the link heals after 2 s. Returns the call's reply.
Reply call_across_cut(LibCluster& c, const Stub& s) {
  Reply r;
  bool done = false;
  c.world().cut("client", "ks1");
  c.world().node("client").spawn("call", [&] {
    r = s.invoke("add", {Value(1)}, 10 * kSecond);
    done = true;
  });
  c.world().run_for(2 * kSecond);
  EXPECT_FALSE(done) << "the call finished while the link was cut: " << r.status.to_string();
  c.world().heal("client", "ks1");
  c.world().run_until([&] { return done; }, c.world().now() + 20 * kSecond);
  EXPECT_TRUE(done);
  return r;
}

TEST(AtLeastOnceRPC, SucceedsAcrossATemporaryCut) {
  LibCluster c;
  Stub s = c.create(counter_on_ks1(kRetrying));
  ASSERT_EQ(c.host(s), "ks1");
  Reply r = call_across_cut(c, s);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 41);  // the cut dropped the earlier attempts: the add ran once
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 41);
}

TEST(AtLeastOnceRPC, WithoutItTheSameCutFailsTheCall) {
  LibCluster c;
  Stub s = c.create(counter_on_ks1(""));
  Reply r = call_across_cut(c, s);
  EXPECT_EQ(r.status.code, Code::kTimeout) << r.status.to_string();
}

TEST(AtLeastOnceRPC, NeverRetriesApplicationErrors) {
  LibCluster c;
  Stub s = c.create(counter_on_ks1(kRetrying));
  Reply r = c.call("client", s, "add", {Value(-1)});
  EXPECT_EQ(r.status.code, Code::kAppError);
  EXPECT_EQ(r.status.message, "negative increment");
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u);
}

TEST(AtLeastOnceRPC, GivesUpWhenItsBudgetRunsOut) {
  LibCluster c;
  Stub s = c.create(counter_on_ks1("dmList:\n  - name: AtLeastOnceRPC\n    config: {timeoutMs: 2000, attemptTimeoutMs: 300}\n"));
  c.world().crash("ks1");
  const Time start = c.world().now();
  Reply r = c.call("client", s, "get", {}, 30 * kSecond);
  const Duration took = c.world().now() - start;
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(is_retryable(r.status.code)) << r.status.to_string();
  EXPECT_NE(r.status.message.find("gave up after"), std::string::npos) << r.status.message;
  EXPECT_GE(took, 1 * kSecond);  // it did retry...
  EXPECT_LE(took, 2 * kSecond + 10 * kMillisecond);  // ...but not past its own budget
}

}  // namespace
}  // namespace amino::testing
