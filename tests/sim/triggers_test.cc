// Faults timed to probes (testbed::ProbeTrigger) in a SimWorld: the nth matching probe fires the
// trigger, its faults act that much later on the probe's node ("$node"), near-instant restarts
// work, lifecycle faults a trigger made moot are skipped (not errors), and runs stay deterministic.
// Probes themselves are outside the trace hash.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "sim/isolate.h"
#include "tests/sim/sim_fixture.h"

namespace amino::simtest {
namespace {

using namespace amino::sim;
using namespace amino::testbed;

struct Ticks {
  std::map<NodeId, int> boots;
};

// Each boot of a node reports "test.tick" {group, n} every 100 ms (n counts from 1 per boot).
void start_ticker(Env& env, std::shared_ptr<Ticks> ticks, bool report) {
  ++ticks->boots[env.self()];
  auto n = std::make_shared<std::int64_t>(0);
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [&env, n, tick, report] {
    ++*n;
    if (report && env.probing()) env.probe("test.tick", {{"group", std::string("g")}, {"n", *n}});
    env.arm_timer(100 * kMillisecond, *tick);
  };
  env.arm_timer(100 * kMillisecond, *tick);
}

struct TickWorld {
  std::unique_ptr<SimWorld> world;
  std::shared_ptr<Ticks> ticks = std::make_shared<Ticks>();
};

TickWorld make_ticks(bool report = true, std::uint64_t seed = 1) {
  TickWorld w;
  SimOptions o;
  o.seed = seed;
  o.platform = cloud_nodes({"a", "b", "c"});
  w.world = std::make_unique<SimWorld>(std::move(o));
  for (const auto& n : w.world->nodes()) {
    w.world->set_boot(n, [ticks = w.ticks, report](Env& env) { start_ticker(env, ticks, report); });
  }
  return w;
}

ProbeTrigger on_tick(std::int64_t nth, std::optional<NodeId> node, std::vector<ScheduledFault> faults) {
  ProbeTrigger t;
  t.probe = "test.tick";
  t.nth = nth;
  t.node = std::move(node);
  t.faults = std::move(faults);
  return t;
}

std::vector<const TraceEvent*> events(const SimWorld& w, const std::string& kind) {
  std::vector<const TraceEvent*> out;
  for (const auto& e : w.trace().events()) {
    if (e.kind == kind) out.push_back(&e);
  }
  return out;
}

TEST(Triggers, TheNthMatchingProbeCrashesItsNodeAndARestartFollowsMillisecondsLater) {
  auto w = make_ticks();
  w.world->arm(on_tick(3, "b", {{10 * kMillisecond, CrashFault{kProbeNode, false}},
                                {15 * kMillisecond, RestartFault{kProbeNode}}}));
  ASSERT_TRUE(w.world->run_for(kSecond).ok()) << w.world->report().to_string();

  ASSERT_EQ(w.world->firings().size(), 1u);
  const SimWorld::Firing& f = w.world->firings()[0];
  const ProbeRecord& p = w.world->probes().at(f.probe);
  EXPECT_EQ(p.node, "b");
  EXPECT_EQ(p.int_of("n"), 3);
  ASSERT_EQ(f.faults.size(), 2u);
  EXPECT_EQ(std::get<CrashFault>(f.faults[0].fault).node, "b");
  EXPECT_EQ(f.faults[0].at, p.time + 10 * kMillisecond);
  EXPECT_EQ(f.faults[1].at, p.time + 15 * kMillisecond);

  const auto faults = events(*w.world, "fault");
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]->time, p.time + 10 * kMillisecond);
  EXPECT_NE(faults[0]->detail.find("crash {\"node\":\"b\""), std::string::npos) << faults[0]->detail;
  EXPECT_EQ(faults[1]->time, p.time + 15 * kMillisecond);
  EXPECT_EQ(events(*w.world, "trigger").size(), 1u);
  // b booted again 5 ms after its crash and ticks from 1 again; a and c never stopped.
  EXPECT_EQ(w.ticks->boots["b"], 2);
  EXPECT_EQ(w.ticks->boots["a"], 1);
  int b_after = 0;
  for (const auto& q : w.world->probes()) {
    if (q.node == "b" && q.time > p.time) {
      ++b_after;
      if (b_after == 1) EXPECT_EQ(q.int_of("n"), 1);
    }
  }
  EXPECT_GT(b_after, 3);
  // Every probe is in the exported trace as an unhashed "probe" event.
  EXPECT_EQ(events(*w.world, "probe").size(), w.world->probes().size());
}

TEST(Triggers, ZeroDelayCrashAndOneMillisecondRestartOfTheProbesNode) {
  auto w = make_ticks();
  // Any node's second tick: all three tick at the same instants, so the first to report wins.
  w.world->arm(on_tick(2, std::nullopt, {{0, CrashFault{kProbeNode, true}}, {kMillisecond, RestartFault{kProbeNode}}}));
  ASSERT_TRUE(w.world->run_for(kSecond).ok()) << w.world->report().to_string();
  ASSERT_EQ(w.world->firings().size(), 1u);
  const ProbeRecord& p = w.world->probes().at(w.world->firings()[0].probe);
  EXPECT_EQ(w.ticks->boots[p.node], 2);
  const auto faults = events(*w.world, "fault");
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]->time, p.time);  // at once: after the probing node's task yields
  EXPECT_EQ(faults[1]->time, p.time + kMillisecond);
}

// The probing context goes on in the same scheduling round as the crash it triggered and blocks
// (found by the generated nemesis: it used to see its node already down and wait on no incarnation).
TEST(Triggers, AContextThatBlocksRightAfterItsProbeDiesWithItsNode) {
  SimOptions o;
  o.platform = cloud_nodes({"a", "b"});
  SimWorld world(std::move(o));
  auto boots = std::make_shared<int>(0);
  auto after = std::make_shared<int>(0);
  world.set_boot("a", [boots, after](Env& env) {
    ++*boots;
    env.spawn("prober", [&env, after] {
      for (std::int64_t n = 1;; ++n) {
        env.probe("test.step", {{"n", n}});
        env.sleep_for(10 * kMillisecond);
        ++*after;
      }
    });
  });
  ProbeTrigger crash = on_tick(3, "a", {{0, CrashFault{kProbeNode, false}}, {kMillisecond, RestartFault{kProbeNode}}});
  crash.probe = "test.step";
  world.arm(crash);
  const auto report = world.run_for(200 * kMillisecond);
  EXPECT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(*boots, 2);
  EXPECT_GE(*after, 12);  // two steps before the crash at 20 ms, then the second incarnation's
}

TEST(Triggers, AFaultATriggerMadeMootIsSkippedNotAnError) {
  auto w = make_ticks();
  FaultSchedule s;
  s.faults = {{150 * kMillisecond, CrashFault{"b", false}}, {400 * kMillisecond, RestartFault{"b"}}};
  // a's second tick (200 ms): crash b (down already: skipped), restart it at 500 ms (up again by
  // then: skipped).
  s.triggers = {on_tick(2, "a", {{0, CrashFault{"b", false}}, {300 * kMillisecond, RestartFault{"b"}}})};
  w.world->schedule(s);
  const auto report = w.world->run_for(kSecond);
  EXPECT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(events(*w.world, "fault_skipped").size(), 2u);
  EXPECT_EQ(w.ticks->boots["b"], 2);
}

TEST(Triggers, ATriggerFiresOnceAndNotBeforeItsWindow) {
  auto w = make_ticks();
  ProbeTrigger t = on_tick(1, "c", {{0, PartitionFault{{{kProbeNode}, {"a", "b", "c"}}, BlockMode::kDrop}},
                                    {50 * kMillisecond, HealFault{}}});
  t.from = 450 * kMillisecond;
  w.world->arm(t);
  ASSERT_TRUE(w.world->run_for(kSecond).ok());
  ASSERT_EQ(w.world->firings().size(), 1u);
  const ProbeRecord& p = w.world->probes().at(w.world->firings()[0].probe);
  EXPECT_GE(p.time, 450 * kMillisecond);
  EXPECT_EQ(p.int_of("n"), 5);
  EXPECT_EQ(std::get<PartitionFault>(w.world->firings()[0].faults[0].fault).groups,
            (std::vector<std::vector<NodeId>>{{"c"}, {"a", "b"}}));
}

// "<trace hash> <events> <fired>" of a run with a trigger on every node's ticks.
std::string triggered_run(bool report, bool trigger) {
  auto w = make_ticks(report, 3);
  if (trigger) {
    w.world->arm(on_tick(4, std::nullopt, {{2 * kMillisecond, CrashFault{kProbeNode, false}},
                                           {7 * kMillisecond, RestartFault{kProbeNode}}}));
  }
  const auto r = w.world->run_for(2 * kSecond);
  if (!r.ok()) throw std::runtime_error(r.to_string());
  return w.world->trace().hash_hex() + " " + std::to_string(w.world->trace().size()) + " " +
         std::to_string(w.world->firings().size());
}

std::string isolated(bool report, bool trigger) {
  const IsolatedResult r = run_isolated([=] { return triggered_run(report, trigger); });
  EXPECT_TRUE(r.ok) << r.output;
  return r.output;
}

TEST(Triggers, SameSeedSameTraceHashWithTriggeredFaults) {
  const std::string first = isolated(true, true);
  EXPECT_EQ(first.substr(first.size() - 2), " 1");
  EXPECT_EQ(isolated(true, true), first);
  EXPECT_NE(isolated(true, false).substr(0, 16), first.substr(0, 16));  // the fired faults are hashed
}

TEST(Triggers, ProbesAreNotHashed) {
  EXPECT_EQ(isolated(true, false), isolated(false, false));
}

}  // namespace
}  // namespace amino::simtest
