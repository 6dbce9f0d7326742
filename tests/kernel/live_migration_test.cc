// Pre-copy live migration on the in-process backend (runtime/oms_live_migration.cc,
// runtime/kernel_live_migration.cc): a large object moves under a steady write load with every
// acknowledged write present exactly once; failures before the install (destination crash,
// source-destination partition, a silent source) leave the source serving and nothing staged;
// hostile ks.stage requests get typed errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "scenarios/harness/append_blob.h"
#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

std::string blob_spec(std::int64_t bytes, const std::string& dm_config = "") {
  std::string s = "class: AppendBlob\nargs: [" + std::to_string(bytes) +
                  "]\nnodeSelector: [{key: region, operator: in, values: [region-1, region-2, region-3]}]\n";
  if (!dm_config.empty()) s += "dmList:\n  - name: ExplicitMigration\n    config: " + dm_config + "\n";
  return s;
}

MigrateOptions live(int rounds, std::int64_t threshold) {
  MigrateOptions m;
  m.live = true;
  m.max_precopy_rounds = rounds;
  m.delta_threshold_bytes = threshold;
  return m;
}

// Writers appending distinct values in a loop on the client node; what was acknowledged.
class Writers {
 public:
  Writers(InProcCluster& c, Stub s, int n) {
    for (int p = 0; p < n; ++p) {
      c.world().node("client").spawn("writer", [this, &c, s, p]() mutable {
        for (std::int64_t i = 0; !stop_ && i < 100000; ++i) {
          const std::int64_t v = p * 1000000 + i;
          Reply r = s.invoke("append", {Value(v)});
          if (r.ok()) {
            acked.push_back(v);
          } else {
            ++failed;
          }
          c.world().node("client").sleep_for(kMillisecond);  // a steady load, not a flood
        }
        ++done_;
      });
    }
    n_ = n;
  }
  void stop() { stop_ = true; }
  bool done() const { return done_ == n_; }
  std::vector<std::int64_t> acked;
  int failed = 0;

 private:
  bool stop_ = false;
  int done_ = 0;
  int n_ = 0;
};

// Every acknowledged write is in the list exactly once, and nothing is in it twice.
void expect_each_write_once(const std::vector<std::int64_t>& list, const std::vector<std::int64_t>& acked) {
  std::map<std::int64_t, int> seen;
  for (std::int64_t v : list) ++seen[v];
  for (const auto& [v, n] : seen) EXPECT_EQ(n, 1) << "value " << v << " is in the list " << n << " times";
  for (std::int64_t v : acked) EXPECT_EQ(seen.count(v), 1u) << "acknowledged value " << v << " is missing";
}

std::vector<std::int64_t> read_list(InProcCluster& c, Stub& s) {
  std::vector<std::int64_t> out;
  EXPECT_TRUE(c.run("client", [&] {
    Reply r = s.invoke("read", {});
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    for (const Value& v : r.value.as_list()) out.push_back(v.as_int());
  }));
  return out;
}

bool has_event(InProcCluster& c, const std::string& text) {
  for (const auto& e : c.oms().events()) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

struct Fixture {
  Fixture() {
    c.classes().add<scenarios::harness::AppendBlob>("AppendBlob");
  }
  InProcCluster c;
};

TEST(LiveMigration, MovesALargeObjectUnderWritesWithEveryAcknowledgedWriteOnce) {
  Fixture f;
  InProcCluster& c = f.c;
  Stub s;
  ASSERT_TRUE(c.run("ks1", [&] { s = c.kernel("ks1").create(blob_spec(1 << 20)); }));
  const std::uint64_t oid = c.oms().stacks_of(s.id()).at(0);
  ASSERT_EQ(c.host_of(oid), "ks1");
  Writers w(c, s, 3);
  c.world().run_for(20 * kMillisecond);
  Status moved;
  ASSERT_TRUE(c.run("oms", [&] { moved = c.oms().migrate(s.id(), "ks2", live(8, 2048)); }));
  ASSERT_TRUE(moved.ok()) << moved.to_string();
  c.world().run_for(20 * kMillisecond);
  w.stop();
  ASSERT_TRUE(c.world().run_until([&] { return w.done(); }, c.world().now() + 10 * kSecond));
  EXPECT_EQ(c.host_of(oid), "ks2");
  EXPECT_EQ(c.oms().location(oid), "ks2");
  EXPECT_TRUE(has_event(c, "migrated live from ks1 to ks2"));
  EXPECT_EQ(w.failed, 0);
  EXPECT_GT(w.acked.size(), 50u);
  expect_each_write_once(read_list(c, s), w.acked);
  EXPECT_EQ(c.kernel("ks2").staged_migrations(), 0u);
}

TEST(LiveMigration, ExplicitMigrationMovesLiveWhenItsConfigSaysSo) {
  Fixture f;
  InProcCluster& c = f.c;
  Stub s;
  ASSERT_TRUE(c.run("ks1", [&] {
    s = c.kernel("ks1").create(blob_spec(256 << 10, "{liveMigration: true, maxPrecopyRounds: 6, deltaThresholdBytes: 1024}"));
  }));
  const std::uint64_t oid = c.oms().stacks_of(s.id()).at(0);
  const NodeId from = c.host_of(oid), to = from == "ks3" ? "ks2" : "ks3";
  Writers w(c, s, 2);
  c.world().run_for(10 * kMillisecond);
  Reply moved;
  ASSERT_TRUE(c.run("client", [&] { moved = s.invoke("migrateTo", {Value(to)}); }));
  ASSERT_TRUE(moved.ok()) << moved.status.to_string();
  w.stop();
  ASSERT_TRUE(c.world().run_until([&] { return w.done(); }, c.world().now() + 10 * kSecond));
  EXPECT_EQ(c.host_of(oid), to);
  EXPECT_TRUE(has_event(c, "migrated live from " + from + " to " + to));
  expect_each_write_once(read_list(c, s), w.acked);

  // Without the key the same DM moves by stop-and-copy, as before.
  Stub plain;
  ASSERT_TRUE(c.run("ks1", [&] { plain = c.kernel("ks1").create(blob_spec(1024, "{}")); }));
  const std::uint64_t plain_oid = c.oms().stacks_of(plain.id()).at(0);
  const NodeId plain_from = c.host_of(plain_oid), plain_to = plain_from == "ks2" ? "ks3" : "ks2";
  ASSERT_TRUE(c.run("client", [&] { ASSERT_TRUE(plain.invoke("migrateTo", {Value(plain_to)}).ok()); }));
  EXPECT_TRUE(has_event(c, "object " + std::to_string(plain_oid) + " migrated from " + plain_from + " to " + plain_to));
}

// A failure before the install: the migration reports it, the source serves on, nothing is staged.
void fail_mid_precopy(const std::function<void(InProcCluster&)>& fault, bool expect_dst_clean) {
  Fixture f;
  InProcCluster& c = f.c;
  Stub s;
  ASSERT_TRUE(c.run("ks1", [&] { s = c.kernel("ks1").create(blob_spec(1 << 20)); }));
  const std::uint64_t oid = c.oms().stacks_of(s.id()).at(0);
  Writers w(c, s, 3);
  c.world().run_for(10 * kMillisecond);
  // Threshold 0 and 64 rounds: under the write load the pre-copy goes on for many rounds.
  Status moved;
  bool move_done = false;
  c.world().node("oms").spawn("move", [&] {
    moved = c.oms().migrate(s.id(), "ks2", live(64, 0));
    move_done = true;
  });
  c.world().run_for(3 * kMillisecond);
  ASSERT_FALSE(move_done) << "the pre-copy ended before the fault";
  fault(c);
  ASSERT_TRUE(c.world().run_until([&] { return move_done; }, c.world().now() + 60 * kSecond));
  EXPECT_FALSE(moved.ok());
  EXPECT_EQ(c.host_of(oid), "ks1");
  EXPECT_EQ(c.oms().location(oid), "ks1");
  EXPECT_FALSE(c.kernel("ks1").object(oid)->quiesced());
  EXPECT_TRUE(has_event(c, "aborted"));
  const std::size_t acked_before = w.acked.size();
  c.world().run_for(50 * kMillisecond);
  EXPECT_GT(w.acked.size(), acked_before) << "the source did not serve after the failed migration";
  w.stop();
  ASSERT_TRUE(c.world().run_until([&] { return w.done(); }, c.world().now() + 10 * kSecond));
  expect_each_write_once(read_list(c, s), w.acked);
  if (expect_dst_clean) EXPECT_EQ(c.kernel("ks2").staged_migrations(), 0u);
}

TEST(LiveMigration, DestinationCrashDuringPrecopyLeavesTheSourceServing) {
  fail_mid_precopy([](InProcCluster& c) { c.world().crash("ks2"); }, false);
}

TEST(LiveMigration, SourceDestinationPartitionDuringPrecopyLeavesTheSourceServingAndNothingStaged) {
  fail_mid_precopy([](InProcCluster& c) { c.world().cut("ks1", "ks2"); }, true);
}

TEST(LiveMigration, StagedStateOfASilentMigrationExpires) {
  ClusterOptions o;
  o.kernel.staging.ttl = 2 * kSecond;
  o.kernel.control_timeout = 500 * kMillisecond;
  InProcCluster c(o);
  c.classes().add<scenarios::harness::AppendBlob>("AppendBlob");
  Stub s;
  ASSERT_TRUE(c.run("ks1", [&] { s = c.kernel("ks1").create(blob_spec(1 << 20)); }));
  Writers w(c, s, 3);
  c.world().run_for(10 * kMillisecond);
  bool move_done = false;
  c.world().node("oms").spawn("move", [&] {
    (void)c.oms().migrate(s.id(), "ks2", live(64, 0));
    move_done = true;
  });
  c.world().run_for(3 * kMillisecond);
  ASSERT_EQ(c.kernel("ks2").staged_migrations(), 1u);
  // Both the source and the OMS lose the destination: no abort reaches it; its TTL discards.
  c.world().cut("ks1", "ks2");
  c.world().cut("oms", "ks2");
  c.world().run_for(2 * kSecond + 100 * kMillisecond);
  EXPECT_EQ(c.kernel("ks2").staged_migrations(), 0u);
  c.world().heal("oms", "ks2");
  c.world().heal("ks1", "ks2");
  ASSERT_TRUE(c.world().run_until([&] { return move_done; }, c.world().now() + 60 * kSecond));
  w.stop();
  ASSERT_TRUE(c.world().run_until([&] { return w.done(); }, c.world().now() + 10 * kSecond));
  expect_each_write_once(read_list(c, s), w.acked);
}

TEST(LiveMigration, HostileStageRequestsGetTypedErrors) {
  Fixture f;
  InProcCluster& c = f.c;
  auto stage = [&](Value body) {
    Reply r;
    EXPECT_TRUE(c.run("client", [&] { r = c.client().rpc().call_value("ks2", svc::kStage, body, kSecond); }));
    return r.status.code;
  };
  auto chunk = [](std::string mid, std::int64_t round, std::int64_t offset, std::int64_t total, std::string data) {
    return Value(ValueMap{{"mid", mid}, {"oid", 5}, {"round", round}, {"offset", offset}, {"total", total},
                          {"data", Bytes{std::move(data)}}});
  };
  EXPECT_EQ(stage(Value(ValueMap{{"mid", "m"}})), Code::kBadArguments);                       // fields missing
  EXPECT_EQ(stage(chunk("m", 3, 0, 100, "x")), Code::kBadArguments);                          // no round 0
  EXPECT_EQ(stage(chunk("m", 0, 0, std::int64_t{1} << 40, "x")), Code::kOverloaded);          // beyond the budget
  EXPECT_EQ(stage(chunk("m", 0, 0, 60, std::string(60, 'g'))), Code::kBadFrame);              // not a delta
  Value wrong_type = chunk("m", 0, 0, 60, "x");
  wrong_type["data"] = Value("text");
  EXPECT_EQ(stage(wrong_type), Code::kBadArguments);
  EXPECT_EQ(c.kernel("ks2").staged_migrations(), 0u);
  // Installing what was never staged is refused, not a crash.
  Reply r;
  ASSERT_TRUE(c.run("client", [&] {
    r = c.client().rpc().call_value("ks2", svc::kInstallStaged, ValueMap{{"mid", "nope"}, {"stack", ValueMap{}}}, kSecond);
  }));
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace amino::testing
