// Live migration between real kernel server processes (amino-kernel-server over loopback TCP):
// a large AppendBlob moves under a steady write load with every acknowledged write present once;
// `amino-ctl migrate --live` moves it back; a destination killed (SIGKILL) during the pre-copy
// leaves the object serving at the source with every write once.
#include <gtest/gtest.h>

#include <map>

#include "runtime/protocol.h"
#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

DeploymentOptions two_servers() {
  DeploymentOptions o;
  o.kernel_servers = 2;
  return o;
}

std::string blob_on_ks1(std::int64_t bytes) {
  return "class: AppendBlob\nargs: [" + std::to_string(bytes) +
         "]\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n";
}

Value live_how(int rounds, std::int64_t threshold) {
  MigrateOptions how;
  how.live = true;
  how.max_precopy_rounds = rounds;
  how.delta_threshold_bytes = threshold;
  return how.to_value();
}

// Writers appending distinct values on the test's client kernel, until stopped.
struct Load {
  std::vector<std::int64_t> acked;
  bool stop = false;
  int running = 0;
  void start(Kernel& k, Stub s, int writers) {
    for (int w = 0; w < writers; ++w) {
      ++running;
      k.env().spawn("writer", [this, s, w]() mutable {
        for (std::int64_t i = 0; !stop && i < 1000000; ++i) {
          const std::int64_t v = w * 10000000 + i;
          if (s.invoke("append", {Value(v)}, 20 * kSecond).ok()) acked.push_back(v);
        }
        --running;
      });
    }
  }
};

void expect_each_write_once(const Value& list, const std::vector<std::int64_t>& acked) {
  std::map<std::int64_t, int> seen;
  for (const Value& v : list.as_list()) ++seen[v.as_int()];
  for (const auto& [v, n] : seen) EXPECT_EQ(n, 1) << "value " << v << " is in the list " << n << " times";
  for (std::int64_t v : acked) EXPECT_EQ(seen.count(v), 1u) << "acknowledged value " << v << " is missing";
}

TEST(LiveMigrationProcesses, MovesUnderWritesAndCtlMovesItBackLive) {
  Deployment d(two_servers());
  ASSERT_TRUE(d.ok());
  Stub s;
  ASSERT_TRUE(d.run([&] { s = d.client().create(blob_on_ks1(4 << 20)); }));
  Load load;
  load.start(d.client(), s, 2);
  Reply moved;
  bool move_done = false;
  d.client().env().spawn("move", [&] {
    d.client().env().sleep_for(100 * kMillisecond);
    moved = d.client().oms_call(svc::kMigrate, ValueMap{{"id", s.id()}, {"node", d.ks_addr(2)}, {"how", live_how(8, 16384)}});
    move_done = true;
  });
  ASSERT_TRUE(d.wait_until([&] { return move_done; }, 60 * kSecond));
  ASSERT_TRUE(moved.ok()) << moved.status.to_string();
  const std::size_t before = load.acked.size();
  ASSERT_TRUE(d.wait_until([&] { return load.acked.size() > before + 20; }, 30 * kSecond)) << "no write after the move";
  load.stop = true;
  ASSERT_TRUE(d.wait_until([&] { return load.running == 0; }, 30 * kSecond));
  EXPECT_TRUE(d.has_event("migrated live from " + d.ks_addr(1) + " to " + d.ks_addr(2)));
  Reply list;
  ASSERT_TRUE(d.run([&] { list = s.invoke("read", {}); }));
  ASSERT_TRUE(list.ok()) << list.status.to_string();
  expect_each_write_once(list.value, load.acked);

  // amino-ctl, a separate process, moves it back live.
  const CtlResult back = d.ctl({"migrate", "--live", s.id(), d.ks_addr(1)});
  ASSERT_EQ(back.exit_code, 0) << back.out;
  EXPECT_NE(back.out.find("(live)"), std::string::npos) << back.out;
  EXPECT_TRUE(d.has_event("migrated live from " + d.ks_addr(2) + " to " + d.ks_addr(1)));
  const CtlResult where = d.ctl({"call", s.id(), "where"});
  EXPECT_EQ(where.exit_code, 0);
  EXPECT_NE(where.out.find(d.ks_addr(1)), std::string::npos) << where.out;
  // --live belongs to migrate only.
  EXPECT_EQ(d.ctl({"nodes", "--live"}).exit_code, 2);
}

TEST(LiveMigrationProcesses, DestinationKilledDuringPrecopyLeavesTheSourceServing) {
  Deployment d(two_servers());
  ASSERT_TRUE(d.ok());
  Stub s;
  ASSERT_TRUE(d.run([&] { s = d.client().create(blob_on_ks1(16 << 20)); }));
  Load load;
  load.start(d.client(), s, 2);
  ASSERT_TRUE(d.wait_until([&] { return load.acked.size() > 10; }, 30 * kSecond));
  Reply moved;
  bool move_done = false;
  d.client().env().spawn("move", [&] {
    // 64 rounds, threshold 0: under the write load the pre-copy of 16 MiB lasts many rounds.
    moved = d.client().oms_call(svc::kMigrate, ValueMap{{"id", s.id()}, {"node", d.ks_addr(2)}, {"how", live_how(64, 0)}});
    move_done = true;
  });
  (void)d.wait_until([&] { return move_done; }, 50 * kMillisecond);
  ASSERT_FALSE(move_done) << "the pre-copy ended before the destination was killed";
  d.ks(2).kill_hard();
  ASSERT_TRUE(d.wait_until([&] { return move_done; }, 60 * kSecond));
  EXPECT_FALSE(moved.ok());
  const std::size_t before = load.acked.size();
  ASSERT_TRUE(d.wait_until([&] { return load.acked.size() > before + 20; }, 30 * kSecond))
      << "the source does not serve after the failed migration";
  load.stop = true;
  ASSERT_TRUE(d.wait_until([&] { return load.running == 0; }, 30 * kSecond));
  Reply list, where;
  ASSERT_TRUE(d.run([&] {
    list = s.invoke("read", {});
    where = s.invoke("where", {});
  }));
  ASSERT_TRUE(list.ok()) << list.status.to_string();
  EXPECT_EQ(where.value.as_string(), d.ks_addr(1));
  expect_each_write_once(list.value, load.acked);
  EXPECT_TRUE(d.has_event("aborted"));
}

}  // namespace
}  // namespace amino::testing
