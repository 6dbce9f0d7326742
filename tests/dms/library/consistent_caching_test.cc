// ConsistentCaching: reads from a copy on the client's node; a write reaches every copy first.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config = "{}") {
  return "class: Counter\nargs: [1]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n"
         "dmList:\n  - name: ConsistentCaching\n    config: " + config + "\n";
}

// Calls from `node` that reached the primary (on ks1).
std::uint64_t primary_calls(LibCluster& c, const Stub& s, const NodeId& node) {
  const Metrics m = c.metrics(s);
  auto it = m.find(node);
  return it == m.end() ? 0 : it->second.calls;
}

// The nodes holding a replica of `s` (the primary's first).
std::vector<NodeId> copies(LibCluster& c, const Stub& s) {
  std::vector<NodeId> out;
  for (auto oid : c.oms().stacks_of(s.id())) out.push_back(c.host_of(oid));
  return out;
}

TEST(ConsistentCaching, ReadsRunOnACopyOnTheClientsNode) {
  LibCluster c;
  Stub s = c.create(spec());
  ASSERT_EQ(c.host(s), "ks1");
  EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 2);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.call("client", s, "get").value.as_int(), 2);
  EXPECT_EQ(c.call("client", s, "where").value.as_string(), "client");
  EXPECT_EQ(primary_calls(c, s, "client"), 1u) << "reads reached the primary";
  const auto at = copies(c, s);
  EXPECT_EQ(std::count(at.begin(), at.end(), "client"), 1) << "one copy on the client's node";
}

TEST(ConsistentCaching, AWriteReachesEveryCopyBeforeItReturns) {
  LibCluster c;
  Stub s = c.create(spec());
  Stub on_ks2 = c.acquire_on("ks2", s.id());
  Stub on_ks3 = c.acquire_on("ks3", s.id());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);  // copies on client and ks2
  EXPECT_EQ(c.call("ks2", on_ks2, "get").value.as_int(), 1);
  for (int i = 2; i <= 4; ++i) {
    ASSERT_TRUE(c.call("ks3", on_ks3, "add", {Value(1)}).ok());
    EXPECT_EQ(c.call("client", s, "get").value.as_int(), i) << "a copy missed a returned write";
    EXPECT_EQ(c.call("ks2", on_ks2, "get").value.as_int(), i) << "a copy missed a returned write";
  }
  EXPECT_EQ(primary_calls(c, s, "client"), 0u) << "the copy was not updated in place: reads fell back";
  EXPECT_EQ(primary_calls(c, s, "ks2"), 0u);
}

TEST(ConsistentCaching, AppErrorsPassThroughAndTheCopiesStayValid) {
  LibCluster c;
  Stub s = c.create(spec());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  EXPECT_EQ(c.call("client", s, "add", {Value(-1)}).status.code, Code::kAppError);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  EXPECT_EQ(primary_calls(c, s, "client"), 1u) << "only the failed write reached the primary";
}

TEST(ConsistentCaching, ACutOffCopyIsEvictedAndTheWriteWaitsOutItsLease) {
  LibCluster c;
  Stub s = c.create(spec("{leaseMs: 1000, ackTimeoutMs: 200}"));
  Stub writer = c.acquire_on("ks2", s.id());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);  // a copy on client
  for (const NodeId n : {"ks1", "ks2", "ks3", "oms"}) c.world().cut("client", n);
  const Time start = c.world().now();
  Reply w = c.call("ks2", writer, "add", {Value(1)});
  ASSERT_TRUE(w.ok()) << w.status.to_string();
  const Duration took = c.world().now() - start;
  EXPECT_GE(took, 200 * kMillisecond) << "the write did not wait for the invalidation";
  EXPECT_LE(took, 1500 * kMillisecond) << "the write waited longer than ackTimeoutMs + leaseMs";
  // The cut-off copy must not show the old value: its lease ran out before the write ran.
  Reply r = c.call("client", s, "get", {}, 500 * kMillisecond);
  EXPECT_TRUE(!r.ok() || r.value.as_int() == 2) << r.value.to_string();
  for (const NodeId n : {"ks1", "ks2", "ks3", "oms"}) c.world().heal("client", n);
  c.world().run_for(2 * kSecond);  // a renewal finds it evicted: it joins again
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 2);
  const auto before = primary_calls(c, s, "client");
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 2);
  EXPECT_EQ(primary_calls(c, s, "client"), before) << "the rejoined copy does not answer reads";
}

TEST(ConsistentCaching, ACrashedCachingNodeDelaysWritesOnlyOnce) {
  LibCluster c;
  Stub s = c.create(spec("{leaseMs: 600, ackTimeoutMs: 100}"));
  Stub writer = c.acquire_on("ks2", s.id());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  c.world().crash("client");
  ASSERT_TRUE(c.call("ks2", writer, "add", {Value(1)}).ok());  // evicts the dead copy
  const Time start = c.world().now();
  ASSERT_TRUE(c.call("ks2", writer, "add", {Value(1)}).ok());
  EXPECT_LT(c.world().now() - start, 100 * kMillisecond) << "a later write still waited for the dead copy";
  EXPECT_EQ(c.call("ks2", writer, "get").value.as_int(), 3);
}

TEST(ConsistentCaching, MaxCachesZeroReadsAtThePrimary) {
  LibCluster c;
  Stub s = c.create(spec("{maxCaches: 0}"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  EXPECT_EQ(primary_calls(c, s, "client"), 3u);
  EXPECT_EQ(copies(c, s).size(), 1u);
}

TEST(ConsistentCaching, MaxCachesBoundsTheCopies) {
  LibCluster c;
  Stub s = c.create(spec("{maxCaches: 1}"));
  Stub on_ks2 = c.acquire_on("ks2", s.id());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);  // the one copy
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.call("ks2", on_ks2, "get").value.as_int(), 1);
  EXPECT_EQ(copies(c, s).size(), 2u);
  EXPECT_EQ(primary_calls(c, s, "ks2"), 3u) << "a client past maxCaches reads at the primary";
  ASSERT_TRUE(c.call("ks2", on_ks2, "add", {Value(1)}).ok());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 2);
}

TEST(ConsistentCaching, ACopyNeverTakesWrites) {
  LibCluster c;
  Stub s = c.create(spec());
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  EXPECT_EQ(c.call("client", s, "add", {Value(5)}).value.as_int(), 6);  // at the primary
  EXPECT_EQ(c.call("client", s, "where").value.as_string(), "client");
  Stub on_ks1 = c.acquire_on("ks1", s.id());
  EXPECT_EQ(c.call("ks1", on_ks1, "get").value.as_int(), 6);
}

}  // namespace
}  // namespace amino::testing
