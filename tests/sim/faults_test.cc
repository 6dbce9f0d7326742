// Each fault's effect on a live workload (echo request/reply, or all-pairs pings for partition
// shapes). Client: one request at a time, 100 ms apart, 300 ms deadline unless stated.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/sim/sim_fixture.h"

namespace amino::simtest {
namespace {

using namespace amino::sim;
using namespace amino::testbed;

EchoClientConfig steady(int requests = 40) {
  EchoClientConfig c;
  c.requests = requests;
  c.timeout = 300 * kMillisecond;
  c.interval = 100 * kMillisecond;
  return c;
}

Duration rtt(const EchoResult& r) { return r.ended - r.sent; }

TEST(Faults, FullPartitionSilentDropTimesOutUntilHealed) {
  auto s = make_echo(steady());
  s.world->schedule(1 * kSecond, PartitionFault{{{"client"}, {"server"}}, BlockMode::kDrop});
  s.world->schedule(3 * kSecond, HealFault{});
  const auto report = s.world->run_for(10 * kSecond);
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(s.client->count_between(Outcome::kTimeout, 0, kSecond), 0);
  EXPECT_GE(s.client->count_between(Outcome::kTimeout, kSecond, 3 * kSecond), 4);
  EXPECT_EQ(s.client->count_between(Outcome::kReset, 0, 10 * kSecond), 0);
  EXPECT_EQ(s.client->count_between(Outcome::kTimeout, 3 * kSecond, 10 * kSecond), 0);
  EXPECT_GT(s.client->count_between(Outcome::kOk, 3 * kSecond, 10 * kSecond), 10);
}

TEST(Faults, FullPartitionResetFailsCallsAtOnce) {
  auto s = make_echo(steady());
  s.world->schedule(1 * kSecond, PartitionFault{{{"client"}, {"server"}}, BlockMode::kReset});
  s.world->schedule(3 * kSecond, HealFault{});
  s.world->run_for(10 * kSecond);
  const int resets = s.client->count_between(Outcome::kReset, kSecond, 3 * kSecond);
  EXPECT_GE(resets, 10);  // fast failures: many more attempts fit in the window than with timeouts
  EXPECT_EQ(s.client->count(Outcome::kTimeout), 0);
  for (const auto& r : s.client->results) {
    if (r.outcome == Outcome::kReset) {
      EXPECT_LT(rtt(r), kMillisecond);
    }
  }
}

TEST(Faults, OneWayPartitionOfRepliesStillDeliversRequests) {
  auto s = make_echo(steady(10));
  s.world->apply(OneWayPartitionFault{{"server"}, {"client"}, BlockMode::kDrop});
  s.world->run_for(10 * kSecond);
  EXPECT_EQ(s.client->count(Outcome::kTimeout), 10);
  EXPECT_EQ(s.server->requests, 10u);  // the server heard every request; the replies vanished
}

TEST(Faults, OneWayPartitionOfRequestsStarvesTheServer) {
  auto s = make_echo(steady(10));
  s.world->apply(OneWayPartitionFault{{"client"}, {"server"}, BlockMode::kDrop});
  s.world->run_for(10 * kSecond);
  EXPECT_EQ(s.client->count(Outcome::kTimeout), 10);
  EXPECT_EQ(s.server->requests, 0u);
}

struct Mesh {
  std::unique_ptr<SimWorld> world;
  std::shared_ptr<Reachability> r = std::make_shared<Reachability>();
  std::vector<NodeId> nodes = {"n1", "n2", "n3", "n4", "n5"};
};

Mesh make_mesh() {
  Mesh m;
  SimOptions o;
  o.platform = cloud_nodes(m.nodes);
  m.world = std::make_unique<SimWorld>(std::move(o));
  for (const auto& n : m.nodes) {
    m.world->set_boot(n, [peers = m.nodes, r = m.r](Env& env) { start_prober(env, peers, 10 * kMillisecond, r); });
  }
  return m;
}

// Checks who hears whom during [1 s, 2 s) against `sees(from, to)`, and that all heal afterwards.
template <class Pred> void expect_shape(Mesh& m, Pred sees) {
  m.world->run_for(3 * kSecond);
  for (const auto& a : m.nodes) {
    for (const auto& b : m.nodes) {
      if (a == b) continue;
      EXPECT_EQ(m.r->heard_between(a, b, kSecond + 5 * kMillisecond, 2 * kSecond), sees(a, b)) << a << "->" << b;
      EXPECT_TRUE(m.r->heard_between(a, b, 2 * kSecond + 5 * kMillisecond, 3 * kSecond)) << a << "->" << b;
    }
  }
}

TEST(Faults, BridgePartitionShape) {
  Mesh m = make_mesh();
  m.world->schedule(kSecond, BridgePartitionFault{m.nodes, BlockMode::kDrop});
  m.world->schedule(2 * kSecond, HealFault{});
  auto side = [](const NodeId& n) { return n == "n1" || n == "n2" ? 0 : n == "n3" ? 1 : 2; };
  expect_shape(m, [&](const NodeId& a, const NodeId& b) { return side(a) == 1 || side(b) == 1 || side(a) == side(b); });
}

TEST(Faults, MajoritiesRingShape) {
  Mesh m = make_mesh();
  m.world->schedule(kSecond, MajoritiesRingFault{m.nodes, BlockMode::kDrop});
  m.world->schedule(2 * kSecond, HealFault{});
  auto index = [](const NodeId& n) { return n[1] - '1'; };
  expect_shape(m, [&](const NodeId& a, const NodeId& b) {
    const int d = std::abs(index(a) - index(b));
    return std::min(d, 5 - d) <= 1;
  });
}

TEST(Faults, FullPartitionIntoGroupsShape) {
  Mesh m = make_mesh();
  m.world->schedule(kSecond, PartitionFault{{{"n1", "n2"}, {"n3", "n4", "n5"}}, BlockMode::kDrop});
  m.world->schedule(2 * kSecond, HealFault{});
  auto group = [](const NodeId& n) { return n == "n1" || n == "n2"; };
  expect_shape(m, [&](const NodeId& a, const NodeId& b) { return group(a) == group(b); });
}

TEST(Faults, MessageLossCausesSomeTimeouts) {
  auto s = make_echo(steady(100));
  LinkFaults f;
  f.drop = 0.3;
  s.world->apply(MessageFaultsFault{"*", "*", f});
  s.world->run_for(60 * kSecond);
  ASSERT_TRUE(s.client->done);
  const int timeouts = s.client->count(Outcome::kTimeout);
  // P(request or reply lost) = 1 - 0.7^2 = 0.51
  EXPECT_GT(timeouts, 30);
  EXPECT_LT(timeouts, 70);
  EXPECT_EQ(s.client->count(Outcome::kOk), 100 - timeouts);
}

TEST(Faults, DuplicationDeliversEveryFrameTwice) {
  auto s = make_echo(steady(10));
  LinkFaults f;
  f.duplicate = 1.0;
  s.world->apply(MessageFaultsFault{"*", "*", f});
  s.world->run_for(10 * kSecond);
  EXPECT_EQ(s.client->count(Outcome::kOk), 10);
  EXPECT_EQ(s.server->requests, 20u);
  EXPECT_EQ(s.client->stray_replies, 30u);  // 2 replies per request copy, one of 4 is awaited
}

TEST(Faults, ReorderingLetsLaterFramesOvertake) {
  auto run = [](double reorder) {
    SimOptions o;
    o.platform = cloud_pair();
    SimWorld w(std::move(o));
    auto order = std::make_shared<std::vector<int>>();
    w.set_boot("server", [order](Env& env) {
      env.set_inbox(Inbox{[order](const NodeId&, std::string f) { order->push_back(std::stoi(f)); }, {}});
    });
    w.set_boot("client", [](Env& env) {
      for (int i = 0; i < 50; ++i) env.send("server", std::to_string(i));
    });
    LinkFaults f;
    f.reorder = reorder;
    f.reorder_window = 5 * kMillisecond;
    if (reorder > 0) w.apply(MessageFaultsFault{"client", "server", f});
    w.run_for(kSecond);
    return *order;
  };
  // Two runs in one process would need two engines; the no-fault baseline is asserted in
  // SimEnv tests (per-pair FIFO), so here only the faulty run.
  const auto order = run(0.5);
  ASSERT_EQ(order.size(), 50u);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted.front(), 0);
  EXPECT_EQ(sorted.back(), 49);
}

TEST(Faults, FramesOfOnePairArriveInOrderWithoutFaults) {
  SimOptions o;
  o.platform = cloud_pair();
  SimWorld w(std::move(o));
  auto order = std::make_shared<std::vector<int>>();
  w.set_boot("server", [order](Env& env) {
    env.set_inbox(Inbox{[order](const NodeId&, std::string f) { order->push_back(std::stoi(f)); }, {}});
  });
  w.set_boot("client", [](Env& env) {
    for (int i = 0; i < 50; ++i) env.send("server", std::to_string(i) + std::string(i % 7 * 1000, ' '));
  });
  w.run_for(kSecond);
  ASSERT_EQ(order->size(), 50u);
  EXPECT_TRUE(std::is_sorted(order->begin(), order->end()));
}

TEST(Faults, FixedDelayAndJitterStretchRoundTrips) {
  auto s = make_echo(steady(20));
  LinkFaults f;
  f.delay = 20 * kMillisecond;
  f.jitter = 10 * kMillisecond;
  s.world->apply(MessageFaultsFault{"*", "server", f});  // requests only
  s.world->run_for(20 * kSecond);
  ASSERT_EQ(s.client->count(Outcome::kOk), 20);
  Duration lo = kForever, hi = 0;
  for (const auto& r : s.client->results) {
    lo = std::min(lo, rtt(r));
    hi = std::max(hi, rtt(r));
  }
  EXPECT_GE(lo, 20 * kMillisecond + 200 * kMicrosecond);
  EXPECT_LE(hi, 30 * kMillisecond + 201 * kMicrosecond);
  EXPECT_GT(hi - lo, kMillisecond);  // jitter spreads them
}

TEST(Faults, LinkLatencyAndBandwidthChangesApplyMidRun) {
  auto s = make_echo(steady(30));
  s.world->schedule(kSecond, LinkChangeFault{"server/uplink", 10 * kMillisecond, std::nullopt});
  s.world->schedule(2 * kSecond, LinkChangeFault{"server/uplink", 50 * kMicrosecond, 1e4});
  s.world->run_for(10 * kSecond);
  for (const auto& r : s.client->results) {
    if (r.sent < kSecond - 50 * kMillisecond) {
      EXPECT_LT(rtt(r), kMillisecond);
    } else if (r.sent > kSecond && r.sent < 2 * kSecond - 50 * kMillisecond) {
      EXPECT_GE(rtt(r), 20 * kMillisecond);  // 2 x (10 ms + 50 us)
      EXPECT_LT(rtt(r), 21 * kMillisecond);
    } else if (r.sent > 2 * kSecond) {
      EXPECT_GE(rtt(r), 10 * kMillisecond);  // ~106 + 12 bytes at 1e4 B/s
    }
  }
}

TEST(Faults, CrashWithStateRestartsWithTheDurableCounter) {
  auto s = make_echo(steady());
  s.world->schedule(kSecond, CrashFault{"server", false});
  s.world->schedule(2 * kSecond, RestartFault{"server"});
  const auto report = s.world->run_for(10 * kSecond);
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_GE(s.client->count_between(Outcome::kTimeout, kSecond, 2 * kSecond), 2);
  EXPECT_EQ(s.server->boots, 2u);
  std::int64_t last = 0;
  for (const auto& r : s.client->results) {
    if (r.outcome != Outcome::kOk) continue;
    EXPECT_GT(r.count, last);  // never goes back: synced writes survived
    last = r.count;
  }
  EXPECT_GT(s.client->count_between(Outcome::kOk, 2500 * kMillisecond, 10 * kSecond), 10);
}

TEST(Faults, CrashWithoutStateForgetsTheCounter) {
  auto s = make_echo(steady());
  s.world->schedule(kSecond, CrashFault{"server", true});
  s.world->schedule(2 * kSecond, RestartFault{"server"});
  s.world->run_for(10 * kSecond);
  std::vector<std::int64_t> counts;
  for (const auto& r : s.client->results) {
    if (r.outcome == Outcome::kOk) counts.push_back(r.count);
  }
  ASSERT_FALSE(counts.empty());
  EXPECT_TRUE(std::find(counts.begin() + 1, counts.end(), 1) != counts.end());  // counting from 1 again
}

TEST(Faults, CrashLosesUnsyncedWrites) {
  EchoServerConfig lazy;
  lazy.sync_each_write = false;
  auto s = make_echo(steady(), lazy);
  s.world->schedule(kSecond, CrashFault{"server", false});
  s.world->schedule(2 * kSecond, RestartFault{"server"});
  s.world->run_for(10 * kSecond);
  std::int64_t max_before = 0, first_after = -1;
  for (const auto& r : s.client->results) {
    if (r.outcome != Outcome::kOk) continue;
    if (r.sent < kSecond) max_before = std::max(max_before, r.count);
    if (r.sent > 2 * kSecond && first_after < 0) first_after = r.count;
  }
  EXPECT_GE(max_before, 5);
  EXPECT_EQ(first_after, 1);
}

TEST(Faults, TornWritePersistsHalfOfTheLastUnsyncedWrite) {
  SimOptions o;
  o.platform = cloud_pair();
  SimWorld w(std::move(o));
  auto seen = std::make_shared<std::vector<std::string>>();
  w.set_boot("server", [seen](Env& env) {
    auto v = env.storage().get("k");
    seen->push_back(v.value_or("-"));
    if (!v) {
      env.storage().put("k", "old-value");
      env.storage().sync();
      env.storage().put("k", "abcdefgh");
    }
  });
  w.run_for(kSecond);
  w.apply(TornWriteFault{"server"});
  w.apply(CrashFault{"server", false});
  w.apply(RestartFault{"server"});
  w.run_for(kSecond);
  EXPECT_EQ(*seen, (std::vector<std::string>{"-", "abcd"}));
}

TEST(Faults, PauseHoldsRequestsUntilResume) {
  EchoClientConfig c = steady(20);
  c.timeout = 2 * kSecond;
  auto s = make_echo(c);
  s.world->schedule(kSecond, PauseFault{"server"});
  s.world->schedule(1500 * kMillisecond, ResumeFault{"server"});
  const auto report = s.world->run_for(10 * kSecond);
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(s.client->count(Outcome::kOk), 20);
  EXPECT_EQ(s.server->boots, 1u);  // paused, not restarted
  Duration longest = 0;
  for (const auto& r : s.client->results) longest = std::max(longest, rtt(r));
  EXPECT_GE(longest, 400 * kMillisecond);
  EXPECT_LE(longest, 500 * kMillisecond);
}

TEST(Faults, PauseLongerThanTheDeadlineTimesOut) {
  auto s = make_echo(steady(20));
  s.world->schedule(kSecond, PauseFault{"server"});
  s.world->schedule(2 * kSecond, ResumeFault{"server"});
  s.world->run_for(10 * kSecond);
  EXPECT_GE(s.client->count_between(Outcome::kTimeout, kSecond - 300 * kMillisecond, 2 * kSecond), 2);
  // Held requests are answered after the resume: their replies arrive late, as strays.
  EXPECT_GE(s.client->stray_replies, 2u);
}

TEST(Faults, ClockSkewShiftsOneNodesClockAndTimers) {
  SimOptions o;
  o.platform = cloud_pair();
  SimWorld w(std::move(o));
  auto seen = std::make_shared<std::vector<Time>>();
  w.set_boot("client", [seen](Env& env) {
    env.spawn("probe", [seen, &env] {
      env.sleep_for(2 * kSecond);
      seen->push_back(env.now());  // local clock
      const Time t0 = env.now();
      env.sleep_for(300 * kMillisecond);  // local duration, runs 1.5x fast
      seen->push_back(env.now() - t0);
    });
  });
  w.schedule(kSecond, ClockFault{"client", 5 * kSecond, 0.5});
  w.run_for(10 * kSecond);
  ASSERT_EQ(seen->size(), 2u);
  // At true 1 s the clock jumps to 6 s, then runs at 1.5x: the 2 s sleep (armed at local 0)
  // ends at true 2 s, local 6 + 1.5 = 7.5 s.
  EXPECT_EQ((*seen)[0], 7500 * kMillisecond);
  EXPECT_GE((*seen)[1], 300 * kMillisecond);
  EXPECT_LE((*seen)[1], 301 * kMillisecond);
  EXPECT_EQ(w.sim_env("server").now(), w.now());  // the other node is unaffected
}

TEST(Faults, ScheduleFromJsonDrivesTheRun) {
  auto s = make_echo(steady());
  const auto j = nlohmann::json::parse(R"({"faults": [
      {"type": "crash", "node": "server", "at_ns": 1000000000},
      {"type": "restart", "node": "server", "at_ns": 2000000000}]})");
  s.world->schedule(schedule_from_json(j));
  s.world->run_for(10 * kSecond);
  EXPECT_EQ(s.server->boots, 2u);
  EXPECT_GE(s.client->count(Outcome::kTimeout), 2);
}

TEST(Faults, InvalidScheduleIsRejectedBeforeTheRun) {
  auto s = make_echo(steady());
  FaultSchedule bad;
  bad.faults = {{kSecond, RestartFault{"server"}}, {kSecond, CrashFault{"nobody", false}}};
  try {
    s.world->schedule(bad);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("which is up"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown node 'nobody'"), std::string::npos) << msg;
  }
  EXPECT_TRUE(s.world->run_for(5 * kSecond).ok());
  EXPECT_EQ(s.client->count(Outcome::kTimeout), 0);
}

TEST(Faults, FaultThatIsWrongAtRunTimeIsReportedNotFatal) {
  auto s = make_echo(steady(5));
  s.world->schedule(kSecond, ResumeFault{"server"});  // passes static checks, fails when applied
  const auto report = s.world->run_for(5 * kSecond);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("not paused"), std::string::npos);
}

}  // namespace
}  // namespace amino::simtest
