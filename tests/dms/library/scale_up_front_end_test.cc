// ScaleUpFrontEnd: replicas added under load and removed when idle, within [minReplicas, maxReplicas],
// no more often than the cool-downs allow.
#include <gtest/gtest.h>

#include "tests/dms/library/scalability_apps.h"

namespace amino::testing {
namespace {

const char* kDm = "ScaleUpFrontEnd";

// The replica count of `s`, sampled every `step` for `d` (the world runs meanwhile).
std::vector<std::size_t> sample_replicas(LibCluster& c, const Stub& s, Duration d, Duration step = 100 * kMillisecond) {
  std::vector<std::size_t> out;
  for (Duration t = 0; t < d; t += step) {
    c.world().run_for(step);
    out.push_back(replica_count(c, s));
  }
  return out;
}

// `n` callers on the client that each keep one nap(ms) call in flight until `until`.
void load(LibCluster& c, const Stub& s, int n, std::int64_t ms, Time until, int* ok) {
  for (int i = 0; i < n; ++i) c.start_caller("client", s, "nap", {Value(ms)}, 0, until, ok);
}

const std::string kConfig =
    "{minReplicas: 1, maxReplicas: 3, maxConcurrent: 2, reportMs: 200, refreshMs: 200, upCooldownMs: 400, "
    "downCooldownMs: 1000}";

TEST(ScaleUpFrontEnd, StartsWithMinReplicas) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{minReplicas: 2}"));
  EXPECT_EQ(replica_count(c, s), 2u);
  EXPECT_EQ(sample_replicas(c, s, 2 * kSecond).back(), 2u) << "scaled without load";
}

TEST(ScaleUpFrontEnd, AddsReplicasUnderLoadUpToMaxAndRemovesThemWhenIdleDownToMin) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, kConfig));
  ASSERT_EQ(replica_count(c, s), 1u);
  int ok = 0;
  const Time load_ends = c.world().now() + 5 * kSecond;
  load(c, s, 6, 100, load_ends, &ok);  // 6 calls in flight: needs 3 replicas of 2
  const auto busy = sample_replicas(c, s, 5 * kSecond);
  EXPECT_EQ(*std::max_element(busy.begin(), busy.end()), 3u) << "did not scale up to maxReplicas";
  EXPECT_EQ(busy.back(), 3u);
  for (std::size_t i = 1; i < busy.size(); ++i) EXPECT_LE(busy[i], busy[i - 1] + 1) << "more than one added at once";
  // Up-cool-down 400 ms: the two additions are at least that far apart (samples every 100 ms).
  const auto first2 = std::find(busy.begin(), busy.end(), 2u) - busy.begin();
  const auto first3 = std::find(busy.begin(), busy.end(), 3u) - busy.begin();
  EXPECT_GE(first3 - first2, 4) << "added again within upCooldownMs";
  EXPECT_GT(ok, 100);
  c.world().run_for(200 * kMillisecond);  // the last calls end
  const auto idle = sample_replicas(c, s, 4 * kSecond);
  EXPECT_EQ(idle.back(), 1u) << "did not scale down to minReplicas when idle";
  EXPECT_EQ(*std::min_element(idle.begin(), idle.end()), 1u);
  // Down-cool-down 1000 ms: 3 -> 2 -> 1 takes at least a second between the steps.
  const auto at2 = std::find(idle.begin(), idle.end(), 2u) - idle.begin();
  const auto at1 = std::find(idle.begin(), idle.end(), 1u) - idle.begin();
  EXPECT_GE(at1 - at2, 10) << "removed again within downCooldownMs";
  EXPECT_TRUE(c.call("client", s, "get").ok());
}

TEST(ScaleUpFrontEnd, NeverExceedsMaxReplicasAndKeepsRejectingBeyondThem) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{minReplicas: 1, maxReplicas: 2, maxConcurrent: 1, reportMs: 100, upCooldownMs: 100}"));
  int ok = 0;
  load(c, s, 5, 200, c.world().now() + 3 * kSecond, &ok);
  const auto seen = sample_replicas(c, s, 3 * kSecond);
  EXPECT_EQ(*std::max_element(seen.begin(), seen.end()), 2u);
  EXPECT_EQ(seen.back(), 2u);
  std::vector<Reply> extra;
  start_calls(c, "client", s, "nap", {Value(10)}, 3, &extra);
  c.world().run_for(1 * kSecond);
  EXPECT_GT(ok, 5);
  EXPECT_GE(std::count_if(extra.begin(), extra.end(), [](const Reply& r) { return r.status.code == Code::kOverloaded; }), 1)
      << "calls beyond maxReplicas * maxConcurrent were not refused";
}

TEST(ScaleUpFrontEnd, ModerateSteadyLoadDoesNotFlap) {
  LibCluster c;
  Stub s = c.create(counter_spec(kDm, "{minReplicas: 1, maxReplicas: 4, maxConcurrent: 4, reportMs: 200, upCooldownMs: 200, downCooldownMs: 200}"));
  int ok = 0;
  load(c, s, 2, 100, c.world().now() + 6 * kSecond, &ok);  // utilization 0.5 at one replica: between the thresholds
  const auto seen = sample_replicas(c, s, 6 * kSecond);
  std::size_t changes = 0;
  for (std::size_t i = 1; i < seen.size(); ++i) changes += seen[i] != seen[i - 1];
  EXPECT_EQ(changes, 0u) << "the count changed under load between scaleDownAt and scaleUpAt";
  EXPECT_EQ(seen.back(), 1u);
}

TEST(ScaleUpFrontEnd, ReplacesAReplicaLostBelowMin) {
  ClusterOptions o;
  o.oms.heartbeat_timeout = 1 * kSecond;
  LibCluster c(0, o);
  Stub s = c.create(counter_spec(kDm, "{minReplicas: 2, reportMs: 200}", 3));
  const NodeId victim = replica_nodes(c, s)[1];
  c.world().crash(victim);
  c.world().run_for(3 * kSecond);
  const auto nodes = replica_nodes(c, s);
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(std::count(nodes.begin(), nodes.end(), victim), 0);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 3);
}

}  // namespace
}  // namespace amino::testing
