// The SimGrid backend of the seam: timing model, timers, contexts, signals, CPU, storage, errors.
#include <gtest/gtest.h>

#include "tests/sim/sim_fixture.h"

namespace amino::simtest {
namespace {

using sim::SimOptions;
using sim::SimWorld;

std::unique_ptr<SimWorld> world_of(testbed::PlatformSpec p, std::uint64_t seed = 1) {
  SimOptions o;
  o.seed = seed;
  o.platform = std::move(p);
  return std::make_unique<SimWorld>(std::move(o));
}

TEST(SimEnv, EchoRoundTripMatchesConfiguredLatency) {
  EchoClientConfig c;
  c.requests = 5;
  auto s = make_echo(c);
  const auto report = s.world->run_for(5 * kSecond);
  ASSERT_TRUE(report.ok()) << report.to_string();
  ASSERT_TRUE(s.client->done);
  ASSERT_EQ(s.client->count(Outcome::kOk), 5);
  // CM02: one way = 2 uplinks x 50 us + bytes / 1.25e9 B/s; the request frame is 106 bytes.
  for (const auto& r : s.client->results) {
    const Duration rtt = r.ended - r.sent;
    EXPECT_GE(rtt, 200 * kMicrosecond);
    EXPECT_LE(rtt, 201 * kMicrosecond);
  }
  EXPECT_EQ(s.server->requests, 5u);
  EXPECT_EQ(report.frames_sent, 10u);
  EXPECT_EQ(report.frames_delivered, 10u);
}

TEST(SimEnv, PhoneOn3gSeesCellularRoundTrips) {
  testbed::PlatformSpec p;
  p.hosts = {testbed::presets::phone_3g("client"), testbed::presets::cloud_server("server")};
  EchoClientConfig c;
  c.requests = 3;
  auto s = make_echo(c, {}, p);
  s.world->run_for(10 * kSecond);
  ASSERT_EQ(s.client->count(Outcome::kOk), 3);
  for (const auto& r : s.client->results) {
    const Duration rtt = r.ended - r.sent;
    EXPECT_GE(rtt, 200 * kMillisecond);  // 2 x (100 ms + 50 us) plus transfer at 1 Mbit/s
    EXPECT_LE(rtt, 203 * kMillisecond);
  }
}

TEST(SimEnv, TimersFireInDeadlineOrderAndCancelWorks) {
  auto w = world_of(cloud_pair());
  auto order = std::make_shared<std::vector<std::string>>();
  w->set_boot("client", [order](Env& env) {
    env.arm_timer(30 * kMillisecond, [order] { order->push_back("t30"); });
    const TimerId cancelled = env.arm_timer(20 * kMillisecond, [order] { order->push_back("t20"); });
    env.arm_timer(10 * kMillisecond, [order, &env] { order->push_back("t10@" + std::to_string(env.now() / kMillisecond)); });
    env.post([order] { order->push_back("post"); });
    env.cancel_timer(cancelled);
  });
  w->run_for(kSecond);
  EXPECT_EQ(*order, (std::vector<std::string>{"post", "t10@10", "t30"}));
}

TEST(SimEnv, ComputeIsChargedToHostSpeed) {
  auto w = world_of(cloud_pair());  // 1e10 flop/s
  auto took = std::make_shared<Duration>(-1);
  w->set_boot("client", [took](Env& env) {
    const Time t0 = env.now();
    env.compute(2e9);
    *took = env.now() - t0;
  });
  w->run_for(kSecond);
  EXPECT_EQ(*took, 200 * kMillisecond);
}

TEST(SimEnv, SignalWakesOnNotifyOrDeadline) {
  auto w = world_of(cloud_pair());
  auto log = std::make_shared<std::vector<std::string>>();
  w->set_boot("client", [log](Env& env) {
    auto s = env.make_signal();
    env.arm_timer(5 * kMillisecond, [s] { s->notify(); });
    const bool a = s->wait_until(env.now() + kSecond);
    log->push_back(std::string(a ? "notified" : "timeout") + "@" + std::to_string(env.now() / kMillisecond));
    auto never = env.make_signal();
    const bool b = never->wait_until(env.now() + 7 * kMillisecond);
    log->push_back(std::string(b ? "notified" : "timeout") + "@" + std::to_string(env.now() / kMillisecond));
  });
  w->run_for(kSecond);
  EXPECT_EQ(*log, (std::vector<std::string>{"notified@5", "timeout@12"}));
}

TEST(SimEnv, NodeCodeNeverInterleavesOutsideBlockingCalls) {
  auto w = world_of(cloud_pair());
  auto shared = std::make_shared<int>(0);
  w->set_boot("server", [](Env& env) { env.set_inbox(Inbox{[](const NodeId&, std::string) {}, {}}); });
  w->set_boot("client", [shared](Env& env) {
    for (int c = 0; c < 3; ++c) {
      env.spawn("worker", [shared, &env] {
        for (int i = 0; i < 100; ++i) {
          const int seen = *shared;
          env.send("server", "x");  // a SimGrid simcall: other actors run here, but not this node's
          *shared = seen + 1;
          if (i % 10 == 0) env.sleep_for(kMicrosecond);
        }
      });
    }
  });
  w->run_for(kSecond);
  EXPECT_EQ(*shared, 300);
}

TEST(SimEnv, ExceptionInContextIsReportedAndTheRunGoesOn) {
  auto w = world_of(cloud_pair());
  auto after = std::make_shared<bool>(false);
  w->set_boot("client", [after](Env& env) {
    env.spawn("bad", [] { throw std::runtime_error("boom in context"); });
    env.arm_timer(kMillisecond, [] { throw std::logic_error("boom in timer"); });
    env.arm_timer(2 * kMillisecond, [after] { *after = true; });
  });
  const auto report = w->run_for(kSecond);
  EXPECT_TRUE(*after);
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_NE(report.errors[0].find("boom in context"), std::string::npos);
  EXPECT_NE(report.errors[1].find("boom in timer"), std::string::npos);
  EXPECT_FALSE(report.ok());
}

TEST(SimEnv, DeadlockIsReported) {
  auto w = world_of(cloud_pair());
  w->set_boot("client", [](Env& env) {
    env.spawn("stuck", [&env] { env.make_signal()->wait_until(kForever); });
  });
  const auto report = w->run_for(kSecond);
  EXPECT_TRUE(report.deadlock);
  ASSERT_EQ(report.blocked.size(), 1u);
  EXPECT_EQ(report.blocked[0], "client:stuck");
}

TEST(SimEnv, NoDeadlockWhileATimerCanStillWakeTheWaiter) {
  auto w = world_of(cloud_pair());
  w->set_boot("client", [](Env& env) {
    env.spawn("waiter", [&env] {
      auto s = env.make_signal();
      env.arm_timer(10 * kSecond, [s] { s->notify(); });
      s->wait_until(kForever);
    });
  });
  EXPECT_FALSE(w->run_for(kSecond).deadlock);
  EXPECT_FALSE(w->run_for(20 * kSecond).deadlock);  // the waiter finished
}

TEST(SimEnv, StorageKeepsSyncedWritesAcrossCrash) {
  auto w = world_of(cloud_pair());
  auto seen = std::make_shared<std::vector<std::string>>();
  w->set_boot("server", [seen](Env& env) {
    auto& st = env.storage();
    seen->push_back(st.get("a").value_or("-") + "," + st.get("b").value_or("-"));
    if (!st.get("a")) {
      st.put("a", "1");
      st.sync();
      st.put("b", "2");  // never synced
    }
  });
  w->run_for(kSecond);
  w->apply(testbed::CrashFault{"server", false});
  w->apply(testbed::RestartFault{"server"});
  w->run_for(kSecond);
  EXPECT_EQ(*seen, (std::vector<std::string>{"-,-", "1,-"}));
}

TEST(SimEnv, LogLinesDoNotDisturbTheRun) {
  SimOptions o;
  o.platform = cloud_pair();
  o.log_level = LogLevel::kDebug;
  SimWorld w(std::move(o));
  w.set_boot("client", [](Env& env) { env.log(LogLevel::kInfo, "hello from simulated time"); });
  EXPECT_TRUE(w.run_for(kSecond).ok());
}

TEST(SimWorld, SecondWorldInOneProcessIsRefused) {
  auto w = world_of(cloud_pair());
  SimOptions o;
  o.platform = cloud_pair();
  EXPECT_THROW(SimWorld second(std::move(o)), std::logic_error);
}

TEST(SimWorld, InvalidPlatformIsRefusedBeforeTheEngineStarts) {
  SimOptions o;
  o.platform = cloud_pair();
  o.platform.links.push_back(testbed::LinkSpec{"", "client", "nobody", 0, 1e6});
  EXPECT_THROW(SimWorld w(std::move(o)), std::invalid_argument);
  auto w = world_of(cloud_pair());  // the refused one did not consume the process's only engine
  EXPECT_TRUE(w->run_for(kMillisecond).ok());
}

}  // namespace
}  // namespace amino::simtest
