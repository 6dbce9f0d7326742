// ConsensusRSM under the SimGrid backend's full nemesis: partitions of every kind (split, one-way,
// bridge, majorities ring; dropping or resetting), message loss, duplication, reordering, jitter,
// clock offsets and drift on servers, crashes with restarts with or without storage (and torn
// unsynced writes), and faults timed to Raft's protocol events (a new leader crashed at once, a
// voter restarted milliseconds after its vote, a leader cut off right after a commit, ...). Each seed runs in a forked child (one SimGrid Engine per process), checks its
// own history for linearizability and the Raft invariants over its probes
// (testbed/check/invariants.h) and reports one line to the parent.
//
// AMINO_SIM_SEEDS: number of seeds (default 40); AMINO_SIM_SEED_BASE: first seed (default 1).
// CI: AMINO_SIM_SEEDS=500. A failing seed is reproduced with AMINO_SIM_SEED_BASE=<seed> AMINO_SIM_SEEDS=1;
// AMINO_SIM_TRACE=<prefix> also writes each seed's trace to <prefix><seed>.jsonl.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dms/all.h"
#include "sim/isolate.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"
#include "sim/sim_world.h"
#include "testbed/check/invariants.h"
#include "testbed/check/linearizability.h"
#include "tests/dms/consensus/kv_client.h"
#include "tests/dms/consensus/kv_store.h"

namespace amino::testing {
namespace {

constexpr int kServers = 4;  // three replicas and a spare for rebuilds
constexpr int kClients = 3;
constexpr Duration kFaultSpan = 5 * kSecond;
constexpr Duration kQuiet = 3 * kSecond;  // after healing: the cluster must serve again

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

std::vector<NodeId> servers() {
  std::vector<NodeId> out;
  for (int i = 1; i <= kServers; ++i) out.push_back("ks" + std::to_string(i));
  return out;
}

testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  for (int i = 1; i <= kServers; ++i) p.hosts.push_back(testbed::presets::cloud_server("ks" + std::to_string(i), "region-" + std::to_string(i)));
  testbed::HostSpec client = testbed::presets::cloud_server("client", "edge");
  client.labels["role"] = "client";
  p.hosts.push_back(client);
  return p;
}

template <typename T> const T& pick(Rng& rng, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(v.size()) - 1))];
}

std::vector<NodeId> shuffled(Rng& rng, std::vector<NodeId> v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
  return v;
}

testbed::BlockMode any_mode(Rng& rng) { return rng.chance(0.5) ? testbed::BlockMode::kDrop : testbed::BlockMode::kReset; }

// A random fault schedule over [start, start + kFaultSpan], healed completely at its end. At most
// one server is down at a time; the client and the OMS never crash (the client records the
// history, the OMS is not replicated); clocks of servers only are skewed (the history uses the
// client's clock).
testbed::FaultSchedule make_schedule(Rng& rng, Time start) {
  testbed::FaultSchedule s;
  const std::vector<NodeId> ks = servers();
  std::vector<NodeId> reachable = ks;
  reachable.push_back("client");
  NodeId down;
  Time up_at = 0;
  Time t = start;
  auto add = [&](testbed::Fault f) { s.faults.push_back({t, std::move(f)}); };
  while (true) {
    t += rng.uniform_int(100, 500) * kMillisecond;
    if (t >= start + kFaultSpan) break;
    if (!down.empty() && t >= up_at) {
      add(testbed::RestartFault{down});
      down.clear();
      continue;
    }
    const double dice = rng.uniform();
    if (dice < 0.14) {
      if (!down.empty()) continue;
      down = pick(rng, ks);
      up_at = t + rng.uniform_int(200, 3500) * kMillisecond;
      if (rng.chance(0.2)) add(testbed::TornWriteFault{down});
      add(testbed::CrashFault{down, rng.chance(0.25)});
    } else if (dice < 0.30) {
      std::vector<NodeId> nodes = shuffled(rng, reachable);
      const auto cut = static_cast<std::size_t>(rng.uniform_int(1, static_cast<std::int64_t>(nodes.size()) - 1));
      add(testbed::PartitionFault{{std::vector<NodeId>(nodes.begin(), nodes.begin() + static_cast<long>(cut)),
                               std::vector<NodeId>(nodes.begin() + static_cast<long>(cut), nodes.end())},
                              any_mode(rng)});
    } else if (dice < 0.37) {
      const NodeId from = pick(rng, reachable);
      const NodeId to = pick(rng, ks);
      if (from != to) add(testbed::OneWayPartitionFault{{from}, {to}, any_mode(rng)});
    } else if (dice < 0.43) {
      add(testbed::BridgePartitionFault{shuffled(rng, reachable), any_mode(rng)});
    } else if (dice < 0.48) {
      add(testbed::MajoritiesRingFault{shuffled(rng, reachable), any_mode(rng)});
    } else if (dice < 0.62) {
      add(testbed::HealFault{});
    } else if (dice < 0.77) {
      testbed::LinkFaults f;
      f.drop = rng.uniform(0, 0.15);
      f.duplicate = rng.uniform(0, 0.15);
      f.reorder = rng.uniform(0, 0.3);
      f.reorder_window = rng.uniform_int(1, 30) * kMillisecond;
      f.jitter = rng.uniform_int(0, 5) * kMillisecond;
      add(testbed::MessageFaultsFault{"*", "*", f});
    } else if (dice < 0.85) {
      add(testbed::ClearMessageFaultsFault{});
    } else if (dice < 0.95) {
      add(testbed::ClockFault{pick(rng, ks), rng.uniform_int(-300, 300) * kMillisecond, rng.uniform(-5e-3, 5e-3)});
    }
  }
  t = start + kFaultSpan;
  add(testbed::HealFault{});
  add(testbed::ClearMessageFaultsFault{});
  if (!down.empty()) add(testbed::RestartFault{down});
  return s;
}

// Faults timed to Raft's probes (docs/faults.md, "Probes"), added to a seed's timed faults from a
// stream of their own (so those stay what they were): crash the new leader at once and restart it
// 5-200 ms later; crash a replica right after it votes, restart it 1-20 ms later; crash the leader
// right after a commit, or cut it off for 0.2-1 s; crash a replica right after it applies an entry,
// restart it 1-50 ms later. Each is armed for 0.5-1.5 s and repaired within the fault span.
void add_triggers(Rng& rng, Time start, testbed::FaultSchedule& s) {
  std::vector<NodeId> everyone = servers();
  everyone.push_back("client");
  Time t = start;
  for (;;) {
    t += rng.uniform_int(300, 1200) * kMillisecond;
    testbed::ProbeTrigger tr;
    tr.from = t;
    tr.until = t + rng.uniform_int(500, 1500) * kMillisecond;
    const NodeId me = testbed::kProbeNode;
    auto crash_restart = [&](Duration lo_ms, Duration hi_ms) {
      tr.faults = {{0, testbed::CrashFault{me, false}},
                   {rng.uniform_int(lo_ms, hi_ms) * kMillisecond, testbed::RestartFault{me}}};
    };
    switch (rng.uniform_int(0, 4)) {
      case 0: tr.probe = "raft.leader"; crash_restart(5, 200); break;
      case 1: tr.probe = "raft.vote"; crash_restart(1, 20); break;
      case 2: tr.probe = "raft.commit"; tr.nth = rng.uniform_int(1, 5); crash_restart(5, 200); break;
      case 3:
        tr.probe = "raft.commit";
        tr.nth = rng.uniform_int(1, 5);
        tr.faults = {{0, testbed::PartitionFault{{{me}, everyone}, any_mode(rng)}},
                     {rng.uniform_int(200, 1000) * kMillisecond, testbed::HealFault{}}};
        break;
      default: tr.probe = "raft.apply"; tr.nth = rng.uniform_int(1, 10); crash_restart(1, 50); break;
    }
    if (*tr.until + tr.faults.back().at >= start + kFaultSpan) return;
    s.triggers.push_back(std::move(tr));
  }
}

// One seed, in the child process. Returns "ops ok unknown linearizable decided faults hash
// clients_done invariant_violations" and, after a newline, the checker's report when the history is
// not linearizable and one line per invariant violation.
std::string run_seed(std::uint64_t seed) {
  sim::SimOptions o;
  o.seed = seed;
  o.platform = platform();
  o.log_level = LogLevel::kError;
  const char* trace_prefix = std::getenv("AMINO_SIM_TRACE");
  o.keep_trace_events = trace_prefix != nullptr;
  sim::SimWorld world(std::move(o));
  DmRegistry dms;
  dms::register_all(dms);
  ClassRegistry classes;
  classes.add<KvStore>("KvStore");
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  testbed::SimCluster cluster(world, classes, dms, co);
  // Boot functions run once the simulation runs; wait_registered counts the kernels booted so far.
  world.run_for(10 * kMillisecond);
  if (!cluster.wait_registered(5 * kSecond)) return "setup: kernel servers did not register";
  Stub stub;
  const std::string spec =
      "class: KvStore\nnodeSelector: [{key: role, operator: notin, values: [client]}]\n"
      "dmList:\n  - name: ConsensusRSM\n    config: {snapshotEvery: 25}\n";
  if (!cluster.run_on("client", [&] { stub = cluster.kernel("client").create(spec); }, 10 * kSecond) || !stub.valid()) {
    return "setup: create did not finish";
  }
  world.run_for(kSecond);  // the group fills up to three replicas

  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 29);
  testbed::FaultSchedule schedule = make_schedule(rng, world.now());
  Rng trigger_rng(seed * 0x9E3779B97F4A7C15ULL + 31);
  add_triggers(trigger_rng, world.now(), schedule);
  world.schedule(schedule);
  check::History history;
  bool stop = false;
  int finished = 0;
  std::vector<std::unique_ptr<KvClient>> clients;
  Env& client_env = world.env("client");
  for (int p = 0; p < kClients; ++p) {
    clients.push_back(std::make_unique<KvClient>(p, client_env, rng.fork(), stub, history, KvWorkload{}));
    KvClient* c = clients.back().get();
    client_env.spawn("client", [c, &stop, &finished] {
      c->run(stop);
      ++finished;
    });
  }
  world.run_for(kFaultSpan + kQuiet);
  stop = true;
  const Time limit = world.now() + 5 * kSecond;
  while (finished < kClients && world.now() < limit) world.run_for(50 * kMillisecond);

  if (trace_prefix != nullptr) {
    std::ofstream(std::string(trace_prefix) + std::to_string(seed) + ".jsonl") << world.trace().to_jsonl();
  }
  const KvCounts counts = count_outcomes(history);
  const check::CheckResult check = check::check_linearizable(history, *check::make_model("register"));
  const bool linearizable = check.verdict == check::Verdict::kLinearizable;
  const auto violations = check::check_raft_invariants(world.probes());
  std::ostringstream out;
  out << counts.ops << ' ' << counts.ok << ' ' << counts.unknown << ' ' << linearizable << ' '
      << (check.verdict != check::Verdict::kUnknown)
      << ' ' << schedule.faults.size() + world.firings().size() << ' ' << world.trace_hash() << ' ' << (finished == kClients) << ' '
      << violations.size();
  if (!linearizable) out << '\n' << check.summary();  // bounded: the window and its story, not the history
  for (std::size_t i = 0; i < violations.size() && i < 5; ++i) out << "\ninvariant " << violations[i].describe();
  return out.str();
}

struct SeedLine {
  bool parsed = false;
  std::size_t ops = 0, ok = 0, unknown = 0, faults = 0;
  int linearizable = 0, decided = 0, clients_done = 0;
  std::size_t invariant_violations = 0;
  std::uint64_t hash = 0;
  std::string detail;
};

SeedLine parse(const std::string& s) {
  SeedLine l;
  std::istringstream in(s);
  l.parsed = static_cast<bool>(in >> l.ops >> l.ok >> l.unknown >> l.linearizable >> l.decided >> l.faults >> l.hash >> l.clients_done >>
                                  l.invariant_violations);
  std::getline(in, l.detail);
  std::string rest;
  while (std::getline(in, rest)) l.detail += rest + "\n";
  return l;
}

// The sweep is split into shards (one ctest test each, so ctest -j runs them in parallel): shard i
// runs the seeds base + i, base + i + kShards, ... below base + AMINO_SIM_SEEDS.
constexpr int kShards = 10;

class ConsensusSimNemesis : public ::testing::TestWithParam<int> {};

TEST_P(ConsensusSimNemesis, HistoriesAreLinearizableAndInvariantsHoldUnderTheFullNemesis) {
  const int seeds = env_int("AMINO_SIM_SEEDS", 40);
  const int base = env_int("AMINO_SIM_SEED_BASE", 1);
  std::size_t ops = 0, ok = 0, unknown = 0, faults = 0, violations = 0, undecided = 0;
  int ran = 0;
  for (int i = GetParam(); i < seeds; i += kShards) {
    const auto seed = static_cast<std::uint64_t>(base + i);
    const sim::IsolatedResult r = sim::run_isolated([seed] { return run_seed(seed); });
    ASSERT_TRUE(r.ok) << "seed " << seed << ": child failed (exit " << r.exit_code << ", signal " << r.signal
                      << "): " << r.output;
    const SeedLine l = parse(r.output);
    ASSERT_TRUE(l.parsed) << "seed " << seed << ": " << r.output;
    ++ran;
    ops += l.ops;
    ok += l.ok;
    unknown += l.unknown;
    faults += l.faults;
    if (!l.decided) ++undecided;
    if (l.decided && !l.linearizable) ++violations;
    EXPECT_TRUE(l.linearizable) << "seed " << seed << ":\n" << l.detail;
    EXPECT_EQ(l.invariant_violations, 0u) << "seed " << seed << ": Raft invariants violated:\n" << l.detail;
    EXPECT_EQ(l.clients_done, 1) << "seed " << seed << ": clients still blocked after their deadlines";
    EXPECT_GT(l.ok, 0u) << "seed " << seed << ": no call succeeded";
  }
  std::printf("[ConsensusRSM sim nemesis] shard %d: %d seeds: %zu operations (%zu ok, %zu unknown), %zu scheduled "
              "faults; %zu violations, %zu undecided\n",
              GetParam(), ran, ops, ok, unknown, faults, violations, undecided);
}

INSTANTIATE_TEST_SUITE_P(Shards, ConsensusSimNemesis, ::testing::Range(0, kShards));

TEST(ConsensusSimDeterminism, SameSeedSameRun) {
  const auto a = sim::run_isolated([] { return run_seed(7); });
  const auto b = sim::run_isolated([] { return run_seed(7); });
  ASSERT_TRUE(a.ok && b.ok) << a.output << " / " << b.output;
  EXPECT_EQ(a.output, b.output);  // same history counts, verdict and trace hash
}

}  // namespace
}  // namespace amino::testing
