// Saturating deadline arithmetic (runtime/time.h): a huge timeout means "no practical deadline"
// (kForever), never an overflow that wraps negative and fails the call at once.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dms/at_least_once_rpc.h"
#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

constexpr Duration kHuge = std::numeric_limits<Duration>::max();

TEST(SaturatingTime, DeadlinesClampToForever) {
  EXPECT_EQ(deadline_after(5 * kSecond, kHuge), kForever);
  EXPECT_EQ(deadline_after(kForever, kForever), kForever);
  EXPECT_EQ(deadline_after(5 * kSecond, 2 * kSecond), 7 * kSecond);
  EXPECT_EQ(deadline_after(5 * kSecond, -2 * kSecond), 3 * kSecond);
  EXPECT_EQ(deadline_after(0, std::numeric_limits<Duration>::min()), -kForever);
}

TEST(SaturatingTime, ConversionsClamp) {
  EXPECT_EQ(millis(9223372036854775807), kForever);
  EXPECT_EQ(millis(-9223372036854775807), -kForever);
  EXPECT_EQ(millis(1500), 1500 * kMillisecond);
  EXPECT_EQ(from_seconds(1e12), kForever);  // Python's duration=1e12 used to overflow here
  EXPECT_EQ(from_seconds(-1e300), -kForever);
  EXPECT_EQ(from_seconds(std::nan("")), 0);
  EXPECT_EQ(from_seconds(std::numeric_limits<double>::infinity()), kForever);
  EXPECT_EQ(from_millis(2.5), 2'500'000);
  EXPECT_EQ(scaled(2.0, kHuge), kForever);
}

// Stub::invoke with the largest timeout used to compute now + timeout and wrap negative: "deadline
// passed before forwarding".
TEST(SaturatingTime, LargestCallTimeoutMeansNoPracticalDeadline) {
  InProcCluster c;
  Reply r;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create("class: Counter\nargs: [1]\n");
    r = s.invoke("add", {Value(2)}, kHuge);
  }));
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 3);
}

// The issue's `timeoutMs: 9223372036854775807`. The built-in AtLeastOnceRPC now rejects it (see
// config_range_test.cc); here its unchanged client code runs under a schema without ranges, as a
// config that bypassed validation would, and keeps retrying across a 2 s cut instead of failing
// at once.
TEST(SaturatingTime, AtLeastOnceWithInt64MaxTimeoutRetriesInsteadOfFailingAtOnce) {
  InProcCluster c;
  DmDescriptor unchecked = dms::at_least_once_rpc();
  unchecked.name = "UncheckedAtLeastOnceRPC";
  for (auto& key : unchecked.config) key.min = key.max = Value();
  c.dms().add(unchecked);
  Stub s;
  ASSERT_TRUE(c.run("client", [&] {
    s = c.client().create(
        "class: Counter\nargs: [40]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n"
        "dmList: [{name: UncheckedAtLeastOnceRPC, config: {timeoutMs: 9223372036854775807, "
        "attemptTimeoutMs: 300, maxDelayMs: 9223372036854775807}}]\n");
  }));
  Reply r;
  bool done = false;
  c.world().cut("client", "ks1");
  c.world().node("client").spawn("call", [&] {
    r = s.invoke("add", {Value(1)}, kHuge);
    done = true;
  });
  c.world().run_for(2 * kSecond);
  EXPECT_FALSE(done) << "gave up during the cut: " << r.status.to_string();
  c.world().heal("client", "ks1");
  c.world().run_until([&] { return done; }, c.world().now() + 20 * kSecond);
  ASSERT_TRUE(done);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 41);
}

}  // namespace
}  // namespace amino::testing
