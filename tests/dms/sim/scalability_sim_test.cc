// The scalability DMs under faults injected by the SimGrid backend.
//
// LoadBalancedMasterSlave over many seeds (each in a forked child: one SimGrid Engine per process):
// three clients run reads, writes and cas on a KvStore while the master's node crashes, then
// (some seeds) a slave's, with message loss and reordering everywhere and duplication between the
// servers. Each history is checked for what the DM declares: the writes alone linearizable, and
// the whole history "bounded staleness without a bound" (every read's invocation moved to time 0:
// a read shows the state after some prefix of the writes' linearization). And writes keep being
// acknowledged after the master crashed.
// AMINO_DM_SIM_SEEDS (not scripts/test.sh's AMINO_SIM_SEEDS, which sizes the consensus nemesis): number of seeds (default 20); AMINO_SIM_SEED_BASE: first seed (default 1).
//
// ScaleUpFrontEnd and LoadBalancedFrontEnd: one run each (overload with a crash; a crash).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "dms/all.h"
#include "sim/isolate.h"
#include "sim/sim_world.h"
#include "testbed/check/linearizability.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"
#include "tests/dms/consensus/kv_client.h"
#include "tests/dms/consensus/kv_store.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

constexpr int kServers = 4;
constexpr int kClients = 3;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  for (int i = 1; i <= kServers; ++i) p.hosts.push_back(testbed::presets::cloud_server("ks" + std::to_string(i), "dc"));
  testbed::HostSpec client = testbed::presets::cloud_server("client", "edge");
  client.labels["role"] = "client";
  p.hosts.push_back(client);
  return p;
}

const std::string kServersOnly = "nodeSelector: [{key: role, operator: notin, values: [client]}]\n";

// The node of `s`'s replica that answers where(): for a master-slave object, call it a write.
NodeId node_of_first_stack(testbed::SimCluster& cluster, const std::string& id) {
  const auto stacks = cluster.oms().stacks_of(id);
  if (stacks.empty()) return {};
  for (int i = 1; i <= kServers; ++i) {
    const NodeId n = "ks" + std::to_string(i);
    if (cluster.kernel(n).object(stacks.front()) != nullptr) return n;
  }
  return {};
}

// The history without its reads, or with every read invoked at time 0.
check::History without_reads(const check::History& h) {
  std::vector<check::Event> events;
  std::map<std::int64_t, bool> reading;  // process -> its open operation is a read
  for (const auto& e : h.events()) {
    if (e.type == check::EventType::kInvoke) reading[e.process] = e.f == "read";
    if (!reading[e.process]) events.push_back(e);
  }
  return check::History(std::move(events));
}
check::History reads_at_time_zero(const check::History& h) {
  std::vector<check::Event> events = h.events();
  for (auto& e : events) {
    if (e.type == check::EventType::kInvoke && e.f == "read") e.time = 0;
  }
  return check::History(std::move(events));
}

// One seed, in the child. Returns "ops ok writes_ok_after_crash writes_linearizable stale_ok decided
// hash" and the checker's report on a violation.
std::string run_master_slave_seed(std::uint64_t seed) {
  sim::SimOptions o;
  o.seed = seed;
  o.platform = platform();
  o.log_level = std::getenv("AMINO_SIM_LOG") != nullptr ? LogLevel::kInfo : LogLevel::kError;
  sim::SimWorld world(std::move(o));
  DmRegistry dms;
  dms::register_all(dms);
  ClassRegistry classes;
  classes.add<KvStore>("KvStore");
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  co.oms.heartbeat_timeout = 1 * kSecond;
  testbed::SimCluster cluster(world, classes, dms, co);
  world.run_for(10 * kMillisecond);
  if (!cluster.wait_registered(5 * kSecond)) return "setup: kernel servers did not register";
  Stub stub;
  const std::string spec = "class: KvStore\n" + kServersOnly +
                           "dmList:\n  - name: LoadBalancedMasterSlave\n    config: {replicas: 3, ackTimeoutMs: 200, refreshMs: 200}\n";
  if (!cluster.run_on("client", [&] { stub = cluster.kernel("client").create(spec); }, 10 * kSecond) || !stub.valid()) {
    return "setup: create did not finish";
  }
  world.run_for(500 * kMillisecond);
  const NodeId master = node_of_first_stack(cluster, stub.id());
  if (master.empty()) return "setup: no master";

  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 17);
  const Time start = world.now();
  const Time crash_at = start + rng.uniform_int(800, 2000) * kMillisecond;
  world.schedule(start, testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.03, 0, 0.3, 20 * kMillisecond, 0, 0}});
  for (int i = 1; i <= kServers; ++i) {
    for (int j = 1; j <= kServers; ++j) {
      if (i == j) continue;
      world.schedule(start, testbed::MessageFaultsFault{"ks" + std::to_string(i), "ks" + std::to_string(j),
                                                        testbed::LinkFaults{0.03, 0.2, 0.3, 20 * kMillisecond, 0, 0}});
    }
  }
  world.schedule(crash_at, testbed::CrashFault{master, false});
  int crashes = 1;
  if (rng.uniform() < 0.5) {  // later, a second server (a slave, or a spare) goes too
    NodeId other;
    do other = "ks" + std::to_string(rng.uniform_int(1, kServers));
    while (other == master);
    world.schedule(crash_at + rng.uniform_int(2500, 3500) * kMillisecond, testbed::CrashFault{other, false});
    ++crashes;
  }
  world.schedule(start + 6 * kSecond, testbed::ClearMessageFaultsFault{});

  check::History history;
  bool stop = false;
  int finished = 0;
  std::vector<std::unique_ptr<KvClient>> clients;
  Env& client_env = world.env("client");
  KvWorkload w;
  w.keys = 2;
  for (int p = 0; p < kClients; ++p) {
    clients.push_back(std::make_unique<KvClient>(p, client_env, rng.fork(), stub, history, w));
    KvClient* c = clients.back().get();
    client_env.spawn("client", [c, &stop, &finished] {
      c->run(stop);
      ++finished;
    });
  }
  world.run_for(8 * kSecond);
  stop = true;
  const Time limit = world.now() + 5 * kSecond;
  while (finished < kClients && world.now() < limit) world.run_for(50 * kMillisecond);

  std::size_t ok = 0, writes_after_crash = 0;
  for (const auto& op : history.operations()) {
    if (op.outcome != check::Outcome::kOk) continue;
    ++ok;
    if (op.f != "read" && op.call > crash_at) ++writes_after_crash;
  }
  const check::CheckResult writes = check::check_linearizable(without_reads(history), *check::make_model("register"));
  const check::CheckResult stale = check::check_linearizable(reads_at_time_zero(history), *check::make_model("register"));
  std::ostringstream out;
  out << history.operations().size() << ' ' << ok << ' ' << writes_after_crash << ' '
      << (writes.verdict == check::Verdict::kLinearizable) << ' ' << (stale.verdict == check::Verdict::kLinearizable) << ' '
      << (writes.verdict != check::Verdict::kUnknown && stale.verdict != check::Verdict::kUnknown) << ' ' << crashes << ' '
      << world.trace_hash() << ' ' << (finished == kClients);
  if (writes.verdict != check::Verdict::kLinearizable) out << "\nwrites: " << writes.summary();
  if (stale.verdict != check::Verdict::kLinearizable) out << "\nbounded staleness: " << stale.summary();
  return out.str();
}

constexpr int kShards = 4;

class MasterSlaveSimSeeds : public ::testing::TestWithParam<int> {};

TEST_P(MasterSlaveSimSeeds, WritesLinearizableReadsAPrefixAndWritesGoOnAfterTheMasterCrashes) {
  const int seeds = env_int("AMINO_DM_SIM_SEEDS", 20);
  const int base = env_int("AMINO_SIM_SEED_BASE", 1);
  int ran = 0;
  std::size_t ops = 0, ok = 0, after = 0, crashes = 0;
  for (int i = GetParam(); i < seeds; i += kShards) {
    const auto seed = static_cast<std::uint64_t>(base + i);
    const sim::IsolatedResult r = sim::run_isolated([seed] { return run_master_slave_seed(seed); });
    ASSERT_TRUE(r.ok) << "seed " << seed << ": child failed: " << r.output;
    std::istringstream in(r.output);
    std::size_t n = 0, k = 0, a = 0, c = 0;
    int writes_lin = 0, stale_ok = 0, decided = 0, done = 0;
    std::uint64_t hash = 0;
    ASSERT_TRUE(static_cast<bool>(in >> n >> k >> a >> writes_lin >> stale_ok >> decided >> c >> hash >> done))
        << "seed " << seed << ": " << r.output;
    ++ran;
    ops += n;
    ok += k;
    after += a;
    crashes += c;
    EXPECT_TRUE(writes_lin) << "seed " << seed << ": writes not linearizable\n" << r.output;
    EXPECT_TRUE(stale_ok) << "seed " << seed << ": a read outside bounded staleness\n" << r.output;
    EXPECT_TRUE(decided) << "seed " << seed << ": the checker could not decide\n" << r.output;
    EXPECT_GT(a, 0u) << "seed " << seed << ": no write acknowledged after the master crashed";
    EXPECT_EQ(done, 1) << "seed " << seed << ": clients still blocked after their deadlines";
  }
  std::printf("[LoadBalancedMasterSlave sim] shard %d: %d seeds, %zu operations (%zu ok, %zu writes ok after the "
              "master's crash), %zu crashes\n",
              GetParam(), ran, ops, ok, after, crashes);
}

INSTANTIATE_TEST_SUITE_P(Shards, MasterSlaveSimSeeds, ::testing::Range(0, kShards));

TEST(MasterSlaveSimDeterminism, SameSeedSameRun) {
  const auto a = sim::run_isolated([] { return run_master_slave_seed(3); });
  const auto b = sim::run_isolated([] { return run_master_slave_seed(3); });
  ASSERT_TRUE(a.ok && b.ok) << a.output << " / " << b.output;
  EXPECT_EQ(a.output, b.output);
}

// ---- The front ends: one simulation per test process (ctest runs each TEST alone).

class FrontEndSim : public ::testing::Test {
 protected:
  void SetUp() override {
    classes_.add<Counter>("Counter");
    dms::register_all(dms_);
    sim::SimOptions so;
    so.seed = 5;
    so.platform = platform();
    so.log_level = LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    co.oms.heartbeat_timeout = 1 * kSecond;
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
    ASSERT_TRUE(cluster_->wait_registered(5 * kSecond));
  }

  Stub create(const std::string& spec) {
    Stub s;
    EXPECT_TRUE(cluster_->run_on("client", [&] { s = cluster_->kernel("client").create(spec); }, 10 * kSecond));
    return s;
  }
  std::size_t replicas(const Stub& s) { return cluster_->oms().stacks_of(s.id()).size(); }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
};

TEST_F(FrontEndSim, ScaleUpFrontEndAddsUnderOverloadKeepsMinAfterACrashAndRemovesWhenIdle) {
  Stub s = create("class: Counter\nargs: [0]\n" + kServersOnly +
                  "dmList: [{name: ScaleUpFrontEnd, config: {minReplicas: 2, maxReplicas: 4, maxConcurrent: 2, "
                  "reportMs: 200, refreshMs: 200, upCooldownMs: 300, downCooldownMs: 800}}]\n");
  ASSERT_EQ(replicas(s), 2u);
  int ok = 0, overloaded = 0;
  Env& env = world_->env("client");
  const Time until = world_->now() + 4 * kSecond;
  for (int i = 0; i < 10; ++i) {  // 10 calls in flight: 5 replicas' worth, more than maxReplicas
    env.spawn("caller", [&, until] {
      while (env.now() < until) {
        Reply r = s.invoke("nap", {Value(50)});
        ok += r.ok();
        overloaded += r.status.code == Code::kOverloaded;
      }
    });
  }
  std::size_t most = 0;
  for (int i = 0; i < 20; ++i) {
    world_->run_for(100 * kMillisecond);
    most = std::max(most, replicas(s));
  }
  EXPECT_EQ(replicas(s), 4u) << "did not reach maxReplicas under overload";
  world_->apply(testbed::CrashFault{"ks2"});  // a replica (or a spare) goes; the group keeps at least min
  for (int i = 0; i < 20; ++i) {
    world_->run_for(100 * kMillisecond);
    most = std::max(most, replicas(s));
  }
  EXPECT_LE(most, 4u) << "exceeded maxReplicas";
  EXPECT_GT(ok, 100);
  EXPECT_GT(overloaded, 0) << "10 in flight over at most 4x2 slots: some must be refused";
  world_->run_for(5 * kSecond);  // idle
  EXPECT_EQ(replicas(s), 2u) << "did not scale down to minReplicas when idle";
  Reply r = Reply::error(Code::kInternal, "did not finish");
  cluster_->run_on("client", [&] { r = s.invoke("get", {}); }, 10 * kSecond);
  EXPECT_TRUE(r.ok()) << r.status.to_string();
}

TEST_F(FrontEndSim, LoadBalancedFrontEndReadsSurviveAReplicasCrashUnderLoss) {
  Stub s = create("class: Counter\nargs: [9]\n" + kServersOnly + "dmList: [{name: LoadBalancedFrontEnd, config: {replicas: 3, refreshMs: 300}}]\n");
  ASSERT_EQ(replicas(s), 3u);
  world_->apply(testbed::MessageFaultsFault{"*", "*", testbed::LinkFaults{0.05, 0, 0.3, 20 * kMillisecond, 0, 0}});
  world_->apply(testbed::CrashFault{"ks1"});
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster_->run_on("client", [&] { r = s.invoke("get", {}, 3 * kSecond); }, 10 * kSecond);
    if (r.ok()) {
      ++ok;
      EXPECT_EQ(r.value.as_int(), 9);
    }
  }
  EXPECT_GE(ok, 18) << "reads did not move on from the dead replica";
  world_->apply(testbed::ClearMessageFaultsFault{});
  world_->run_for(3 * kSecond);
  EXPECT_EQ(replicas(s), 3u) << "the group did not replace the lost replica";
}

}  // namespace
}  // namespace amino::testing
