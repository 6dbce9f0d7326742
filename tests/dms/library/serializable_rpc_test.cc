// SerializableRPC: calls that block inside the object still exclude each other.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& dm_list) {
  return "class: SlowTally\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n" + dm_list;
}

// Three overlapping slow_add(1) calls (each blocks for 100 ms of CPU inside the method).
std::vector<Reply> overlapping_adds(LibCluster& c, const Stub& s, int n = 3) {
  std::vector<Reply> replies(static_cast<std::size_t>(n));
  int done = 0;
  for (int i = 0; i < n; ++i) {
    c.world().node("client").spawn("add", [&, i] {
      replies[static_cast<std::size_t>(i)] = s.invoke("slow_add", {Value(1), Value(1e8)});
      ++done;
    });
  }
  c.world().run_until([&] { return done == n; }, c.world().now() + 10 * kSecond);
  return replies;
}

TEST(SerializableRPC, OverlappingCallsRunOneAtATime) {
  LibCluster c;
  Stub s = c.create(spec("dmList: [{name: SerializableRPC}]\n"));
  std::vector<std::int64_t> results;
  for (const Reply& r : overlapping_adds(c, s)) {
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    results.push_back(r.value.as_int());
  }
  EXPECT_EQ(results, (std::vector<std::int64_t>{1, 2, 3}));  // FIFO, no lost update
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 3);
  EXPECT_EQ(c.call("client", s, "max_overlap").value.as_int(), 1);
}

TEST(SerializableRPC, WithoutItTheSameCallsInterleaveAndLoseUpdates) {
  LibCluster c;
  Stub s = c.create(spec(""));
  for (const Reply& r : overlapping_adds(c, s)) ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  EXPECT_EQ(c.call("client", s, "max_overlap").value.as_int(), 3);
}

TEST(SerializableRPC, AWaiterGivesUpAfterLockTimeout) {
  LibCluster c;
  Stub s = c.create(spec("dmList: [{name: SerializableRPC, config: {lockTimeoutMs: 50}}]\n"));
  std::vector<Reply> r = overlapping_adds(c, s, 2);
  EXPECT_TRUE(r[0].ok()) << r[0].status.to_string();
  EXPECT_EQ(r[1].status.code, Code::kUnavailable) << r[1].status.to_string();
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
}

}  // namespace
}  // namespace amino::testing
