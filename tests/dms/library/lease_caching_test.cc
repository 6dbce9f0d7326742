// LeaseCaching: the lease holder works on its copy; others wait; a dead holder's lease expires.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config) {
  return "class: Counter\nargs: [0]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n"
         "dmList:\n  - name: LeaseCaching\n    config: " + config + "\n";
}

// The value held by the server's object (what other clients would get), read in place.
std::int64_t server_value(LibCluster& c, const Stub& s) {
  auto* obj = c.kernel(c.host(s)).object(c.oms().stacks_of(s.id()).front());
  return static_cast<Counter&>(obj->object()).get();
}

TEST(LeaseCaching, TheHolderRunsCallsLocallyAndWritesBackOnRelease) {
  LibCluster c;
  Stub s = c.create(spec("{leaseMs: 2000, idleReleaseMs: 500}"));
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(c.call("client", s, "add", {Value(5)}).value.as_int(), 5 * i);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 15);
  EXPECT_EQ(server_value(c, s), 0) << "writes reached the server before the lease ended";
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u) << "only the lease acquisition is an RPC";
  c.world().run_for(3 * kSecond);  // idle: released at the next maintenance point, written back
  EXPECT_EQ(server_value(c, s), 15);
}

TEST(LeaseCaching, AnotherClientWaitsForTheLeaseAndSeesTheWrites) {
  LibCluster c;
  Stub s = c.create(spec("{leaseMs: 1000, idleReleaseMs: 200, maxWaitMs: 5000}"));
  ASSERT_TRUE(c.call("client", s, "add", {Value(5)}).ok());
  Stub other = c.acquire_on("ks2", s.id());
  const Time asked = c.world().now();
  Reply r = c.call("ks2", other, "get");
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 5);
  EXPECT_GT(c.world().now() - asked, 100 * kMillisecond) << "it did not have to wait for the lease";
}

TEST(LeaseCaching, WhenTheHolderCrashesOthersProceedAfterExpiryWithTheLastWrittenBackState) {
  LibCluster c;
  // Never released for idleness: the holder keeps renewing (writing back) while it lives.
  Stub s = c.create(spec("{leaseMs: 1000, renewMarginMs: 300, idleReleaseMs: 60000, maxWaitMs: 5000}"));
  ASSERT_EQ(c.call("client", s, "add", {Value(10)}).value.as_int(), 10);
  c.world().run_for(800 * kMillisecond);  // the maintenance renewal wrote 10 back
  EXPECT_EQ(server_value(c, s), 10);
  ASSERT_EQ(c.call("client", s, "add", {Value(5)}).value.as_int(), 15);  // only in the holder's copy
  const Time crashed_at = c.world().now();
  c.world().crash("client");

  Stub other = c.acquire_on("ks2", s.id());
  Reply early = c.call("ks2", other, "get", {}, 200 * kMillisecond);
  EXPECT_EQ(early.status.code, Code::kUnavailable) << early.status.to_string();
  Reply later = c.call("ks2", other, "get", {}, 5 * kSecond);
  ASSERT_TRUE(later.ok()) << later.status.to_string();
  EXPECT_EQ(later.value.as_int(), 10);  // the +5 never left the dead holder
  EXPECT_LE(c.world().now() - crashed_at, 1500 * kMillisecond);  // within one lease period
}

TEST(LeaseCaching, AHolderCutOffFromTheServerStopsUsingItsCopyWhenItsLeaseEnds) {
  LibCluster c;
  Stub s = c.create(spec("{leaseMs: 1000, renewMarginMs: 300, idleReleaseMs: 60000, maxWaitMs: 500}"));
  ASSERT_EQ(c.call("client", s, "add", {Value(5)}).value.as_int(), 5);  // the lease runs for 1 s
  c.world().cut("client", c.host(s));  // no renewal can reach the server from now on
  c.world().run_for(1500 * kMillisecond);
  Reply late = c.call("client", s, "add", {Value(1)}, 2 * kSecond);
  EXPECT_FALSE(late.ok()) << "the holder changed its copy after its lease ended: got " << late.value.to_string();
  // The server's lease lapsed too: another client takes it, with the last written-back state.
  Stub other = c.acquire_on("ks2", s.id());
  Reply got = c.call("ks2", other, "get", {}, 5 * kSecond);
  ASSERT_TRUE(got.ok()) << got.status.to_string();
  EXPECT_EQ(got.value.as_int(), 0);
}

}  // namespace
}  // namespace amino::testing
