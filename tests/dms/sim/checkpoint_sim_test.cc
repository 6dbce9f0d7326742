// The checkpointing DMs on SimGrid, under kernel-server crashes and restarts with storage.
//   - A crash at every storage operation of a checkpoint write (MemoryStorage crash points: before
//     the put, after it, after its sync, after the erase of the old record, after that sync), with
//     and without the record being written torn, for each DM: the restarted kernel server restores
//     the previous checkpoint or the new one, exactly as far as the write got, never nothing.
//   - DurableSerializableRPC under repeated crash/restart of its node: the clients' history (a
//     counter: add, read) is linearizable, so no acknowledged call is lost; PeriodicCheckpoint
//     (everyCalls: 4) under the same nemesis loses acknowledged calls and the checker says so.
// Each case runs in a forked child (one SimGrid Engine per process). AMINO_DM_SIM_SEEDS (not scripts/test.sh's AMINO_SIM_SEEDS, which sizes the consensus nemesis): seeds per case
// (default 4); AMINO_SIM_SEED_BASE: first seed (default 1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "dms/all.h"
#include "sim/isolate.h"
#include "sim/sim_world.h"
#include "testbed/check/linearizability.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"
#include "tests/dms/library/checkpoint_apps.h"

namespace amino::testing {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

std::vector<std::uint64_t> seeds() {
  std::vector<std::uint64_t> out;
  const int base = env_int("AMINO_SIM_SEED_BASE", 1);
  for (int i = 0; i < env_int("AMINO_DM_SIM_SEEDS", 4); ++i) out.push_back(static_cast<std::uint64_t>(base + i));
  return out;
}

testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  p.hosts.push_back(testbed::presets::cloud_server("ks1", "region-1"));
  p.hosts.push_back(testbed::presets::cloud_server("ks2", "region-2"));
  for (const char* c : {"client", "client2"}) {
    testbed::HostSpec h = testbed::presets::cloud_server(c, "edge");
    h.labels["role"] = "client";
    p.hosts.push_back(h);
  }
  return p;
}

// One simulation: an OMS, two kernel servers, two clients; a Ledger on ks1 under `dm_list`.
struct Run {
  explicit Run(std::uint64_t seed) : world(options(seed)) {
    dms::register_all(dms);
    classes.add<Ledger>("Ledger");
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    co.kernel.call_timeout = 2 * kSecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    cluster = std::make_unique<testbed::SimCluster>(world, classes, dms, co);
    world.run_for(10 * kMillisecond);  // boot functions run once the simulation does
  }

  static sim::SimOptions options(std::uint64_t seed) {
    sim::SimOptions o;
    o.seed = seed;
    o.platform = platform();
    o.log_level = LogLevel::kError;
    return o;
  }

  // Empty on success, else what went wrong.
  std::string create(const std::string& dm_list) {
    if (!cluster->wait_registered(5 * kSecond)) return "kernel servers did not register";
    const std::string spec = "class: Ledger\nargs: [0]\ndmList: " + dm_list +
                             "\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n";
    std::string error;
    cluster->run_on("client", [&] {
      try {
        stub = cluster->kernel("client").create(spec);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }, 10 * kSecond);
    return stub.valid() ? "" : "create failed: " + error;
  }

  Reply call(const std::string& method, ValueList args = {}, const NodeId& from = "client") {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    cluster->run_on(from, [&] { r = stub.invoke(method, std::move(args), 1 * kSecond); }, 10 * kSecond);
    return r;
  }

  void crash_and_restart(const NodeId& node, Duration down) {
    world.apply(testbed::CrashFault{node});
    world.schedule(world.now() + down, testbed::RestartFault{node});
    world.run_for(down + 2 * kSecond);  // back up and registered again
  }

  sim::SimWorld world;
  DmRegistry dms;
  ClassRegistry classes;
  std::unique_ptr<testbed::SimCluster> cluster;
  Stub stub;
};

// ---- A crash at every step of a checkpoint write -------------------------------------------------

struct Dm {
  const char* name;
  const char* dm_list;
  bool explicit_checkpoint;  // the write is the `checkpoint` call's; else the `add` call's
};

const Dm kDms[] = {
    {"ExplicitCheckpoint", "[{name: ExplicitCheckpoint}]", true},
    {"PeriodicCheckpoint", "[{name: PeriodicCheckpoint, config: {everyCalls: 1}}]", false},
    {"DurableSerializableRPC", "[{name: DurableSerializableRPC}]", false},
};

// The write under test goes from total 5 (generation 2) to total 8 (generation 3): put, sync (the
// new record durable: operation 2), erase of generation 2, sync. Returns "" or the problem.
std::string crash_during_write(const Dm& dm, std::uint64_t seed, std::size_t point, bool torn) {
  Run run(seed);
  if (std::string e = run.create(dm.dm_list); !e.empty()) return e;
  Reply r = run.call("add", {Value(5)});
  if (dm.explicit_checkpoint && r.ok()) r = run.call("checkpoint");
  if (!r.ok()) return "setup call: " + r.status.to_string();
  // Anything may happen first on ks1 (heartbeats touch no storage); the point counts from here.
  Rng rng(seed);
  run.world.run_for(rng.uniform_int(0, 500) * kMillisecond);
  run.world.sim_env("ks1").sim_storage().arm_crash_point(point);
  if (torn) run.world.apply(testbed::TornWriteFault{"ks1"});
  r = run.call("add", {Value(3)});
  if (dm.explicit_checkpoint && r.ok()) r = run.call("checkpoint");
  if (!r.ok()) return "call under test: " + r.status.to_string();
  run.crash_and_restart("ks1", rng.uniform_int(10, 800) * kMillisecond);
  Reply total = run.call("total");
  if (!total.ok()) return "after the restart: " + total.status.to_string();
  const std::int64_t want = point >= 2 ? 8 : 5;
  std::ostringstream out;
  if (total.value.as_int() != want) out << "restored total " << total.value.as_int() << ", want " << want << "; ";
  // The restore reports how many damaged records it skipped: the torn record when the crash left one.
  std::int64_t skipped = -1;
  for (const auto& p : run.world.probes()) {
    if (p.kind != "checkpoint.restored") continue;
    if (const ProbeValue* v = p.find("skipped")) skipped = std::get<std::int64_t>(*v);
  }
  const std::int64_t want_skipped = torn && point == 1 ? 1 : 0;
  if (skipped != want_skipped) out << "restore skipped " << skipped << " damaged records, want " << want_skipped;
  return out.str();
}

class CheckpointCrashPoints : public ::testing::TestWithParam<int> {};

TEST_P(CheckpointCrashPoints, ACrashAtEveryStepOfAWriteRestoresTheLastGoodCheckpoint) {
  const Dm& dm = kDms[GetParam()];
  int cases = 0;
  for (std::uint64_t seed : seeds()) {
    for (std::size_t point = 0; point <= 5; ++point) {
      for (bool torn : {false, true}) {
        const sim::IsolatedResult r =
            sim::run_isolated([&dm, seed, point, torn] { return crash_during_write(dm, seed, point, torn); });
        ASSERT_TRUE(r.ok) << "child failed (exit " << r.exit_code << ", signal " << r.signal << "): " << r.output;
        EXPECT_EQ(r.output, "") << dm.name << ", seed " << seed << ", crash point " << point << (torn ? ", torn" : "");
        ++cases;
      }
    }
  }
  std::printf("[%s] %d crash-point cases (%zu seeds x 6 points x torn/not): restores checked\n", dm.name, cases,
              seeds().size());
}

INSTANTIATE_TEST_SUITE_P(Dms, CheckpointCrashPoints, ::testing::Range(0, 3),
                         [](const ::testing::TestParamInfo<int>& i) { return std::string(kDms[i.param].name); });

// ---- No acknowledged call lost -------------------------------------------------------------------

// Two clients add 1 and read the total (every third operation) while ks1 crashes and restarts three
// times at seeded moments. Returns "<ops> <ok> <restores> <linearizable> <decided>" and, if not linearizable,
// the checker's summary.
std::string durability_run(const std::string& dm_list, std::uint64_t seed) {
  Run run(seed);
  if (std::string e = run.create(dm_list); !e.empty()) return e;
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 3);
  Time t = run.world.now() + 300 * kMillisecond;
  for (int i = 0; i < 3; ++i) {
    t += rng.uniform_int(200, 1500) * kMillisecond;
    run.world.schedule(t, testbed::CrashFault{"ks1"});
    t += rng.uniform_int(50, 1200) * kMillisecond;
    run.world.schedule(t, testbed::RestartFault{"ks1"});
  }
  const Time stop_at = t + 3 * kSecond;  // the last restart's recovery, then quiet operation
  check::History history;
  int finished = 0;
  std::size_t ops = 0, ok = 0;
  const NodeId clients[] = {"client", "client2"};
  for (int p = 0; p < 2; ++p) {
    Env& env = run.world.env(clients[p]);
    Stub stub;
    run.cluster->run_on(clients[p], [&] { stub = run.cluster->kernel(clients[p]).acquire(run.stub.id()); }, 5 * kSecond);
    env.spawn("client", [&history, &finished, &ops, &ok, &env, p, stub, stop_at] {
      for (int i = 0; env.now() < stop_at && i < 2000; ++i) {
        const bool read = i % 3 == 2;
        const int op = read ? history.invoke(p, "read", std::nullopt, nullptr, env.now())
                            : history.invoke(p, "add", std::nullopt, 1, env.now());
        Reply r = read ? stub.invoke("total", {}, 500 * kMillisecond) : stub.invoke("add", {Value(1)}, 500 * kMillisecond);
        ++ops;
        if (r.ok()) {
          ++ok;
          history.complete(op, check::EventType::kOk, read ? check::Json(r.value.as_int()) : check::Json(1), env.now());
        } else {
          // Unknown outcome: a timeout may have applied it (and the restore may have kept or lost it).
          history.complete(op, check::EventType::kInfo, read ? check::Json(nullptr) : check::Json(1), env.now());
          env.sleep_for(100 * kMillisecond);
        }
        env.sleep_for(20 * kMillisecond);
      }
      ++finished;
    });
  }
  run.world.run_until(stop_at + 5 * kSecond);
  if (finished != 2) return "clients did not finish";
  int restores = 0;  // the crashes really hit the object: each restart restored it
  for (const auto& p : run.world.probes()) restores += p.kind == "checkpoint.restored" ? 1 : 0;
  const check::CheckResult c = check::check_linearizable(history, *check::make_model("counter"));
  std::ostringstream out;
  out << ops << ' ' << ok << ' ' << restores << ' ' << (c.verdict == check::Verdict::kLinearizable) << ' '
      << (c.verdict != check::Verdict::kUnknown);
  if (c.verdict == check::Verdict::kNotLinearizable) out << '\n' << c.summary();
  return out.str();
}

struct DurabilityLine {
  bool parsed = false;
  std::size_t ops = 0, ok = 0;
  int restores = 0, linearizable = 0, decided = 0;
  std::string detail;
};

DurabilityLine parse(const std::string& s) {
  DurabilityLine l;
  std::istringstream in(s);
  l.parsed = static_cast<bool>(in >> l.ops >> l.ok >> l.restores >> l.linearizable >> l.decided);
  std::string rest;
  while (std::getline(in, rest)) l.detail += rest + "\n";
  return l;
}

TEST(DurableSerializableRpcSim, NoAcknowledgedCallIsLostAcrossCrashesAndRestarts) {
  std::size_t ops = 0, ok = 0;
  for (std::uint64_t seed : seeds()) {
    const sim::IsolatedResult r = sim::run_isolated([seed] { return durability_run("[{name: DurableSerializableRPC}]", seed); });
    ASSERT_TRUE(r.ok) << "seed " << seed << ": child failed: " << r.output;
    const DurabilityLine l = parse(r.output);
    ASSERT_TRUE(l.parsed) << "seed " << seed << ": " << r.output;
    EXPECT_TRUE(l.decided) << "seed " << seed << ": the checker gave no verdict";
    EXPECT_TRUE(l.linearizable) << "seed " << seed << ":\n" << l.detail;
    EXPECT_GT(l.ok, 10u) << "seed " << seed << ": too few calls succeeded to mean anything";
    EXPECT_EQ(l.restores, 3) << "seed " << seed << ": the object was not restored at each of the 3 restarts";
    ops += l.ops;
    ok += l.ok;
  }
  std::printf("[DurableSerializableRPC sim] %zu seeds x 3 crash/restart of the host: %zu operations, %zu ok; all "
              "linearizable\n",
              seeds().size(), ops, ok);
}

// The same nemesis against a DM that only checkpoints every 4th call: acknowledged adds are lost at
// a crash, and the checker must catch it in at least one seed (else the test above proves nothing).
TEST(DurableSerializableRpcSim, TheCheckerCatchesLostCallsUnderPeriodicCheckpoint) {
  int violations = 0;
  for (std::uint64_t seed : seeds()) {
    const sim::IsolatedResult r =
        sim::run_isolated([seed] { return durability_run("[{name: PeriodicCheckpoint, config: {everyCalls: 4}}]", seed); });
    ASSERT_TRUE(r.ok) << "seed " << seed << ": child failed: " << r.output;
    const DurabilityLine l = parse(r.output);
    ASSERT_TRUE(l.parsed) << "seed " << seed << ": " << r.output;
    if (l.decided && !l.linearizable) ++violations;
  }
  EXPECT_GT(violations, 0) << "PeriodicCheckpoint(everyCalls: 4) lost no acknowledged call in any seed";
  std::printf("[PeriodicCheckpoint sim, everyCalls 4] %d of %zu seeds lost acknowledged calls (expected)\n", violations,
              seeds().size());
}

}  // namespace
}  // namespace amino::testing
