// Timers, posted tasks and execution contexts (fibers) on the sockets loop.
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <stdexcept>
#include <vector>

#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

TEST(SocketsExecution, PostedTasksRunInOrderAfterTheCurrentTask) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  std::vector<int> order;
  env.post([&] {
    order.push_back(1);
    env.post([&] { order.push_back(3); });
  });
  env.post([&] { order.push_back(2); });
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 3; }, kPatience));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(SocketsExecution, AThrowingTaskIsLoggedAndTheLoopGoesOn) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  bool after = false;
  env.post([] { throw std::runtime_error("task failure"); });
  env.post([&] { after = true; });
  EXPECT_TRUE(loop.run_until([&] { return after; }, kPatience));
}

TEST(SocketsExecution, ACancelledTimerNeverFires) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  bool cancelled_fired = false;
  bool later_fired = false;
  const TimerId doomed = env.arm_timer(10 * kMillisecond, [&] { cancelled_fired = true; });
  env.arm_timer(40 * kMillisecond, [&] { later_fired = true; });
  env.cancel_timer(doomed);
  ASSERT_TRUE(loop.run_until([&] { return later_fired; }, kPatience));
  loop.run_for(20 * kMillisecond);
  EXPECT_FALSE(cancelled_fired);
}

TEST(SocketsExecution, ATimerCancelledAfterExpiringButBeforeRunningNeverFires) {
  // Two timers due at the same instant: whichever runs first cancels the other, whose completion
  // may already be queued. Exactly one must run.
  SocketsLoop loop;
  SocketsEnv env(loop);
  int fired = 0;
  TimerId first = 0;
  TimerId second = 0;
  first = env.arm_timer(0, [&] {
    ++fired;
    env.cancel_timer(second);
  });
  second = env.arm_timer(0, [&] {
    ++fired;
    env.cancel_timer(first);
  });
  ASSERT_TRUE(loop.run_until([&] { return fired > 0; }, kPatience));
  loop.run_for(20 * kMillisecond);
  EXPECT_EQ(fired, 1);
}

TEST(SocketsExecution, TimersFireInDeadlineOrder) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  std::vector<int> order;
  env.arm_timer(30 * kMillisecond, [&] { order.push_back(2); });
  env.arm_timer(5 * kMillisecond, [&] { order.push_back(1); });
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 2; }, kPatience));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(SocketsExecution, SleepForSuspendsTheFiberForAtLeastTheDuration) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  std::optional<Duration> slept;
  bool other_work_ran_meanwhile = false;
  env.spawn("sleeper", [&] {
    const Time before = env.now();
    env.sleep_for(20 * kMillisecond);
    slept = env.now() - before;
  });
  env.post([&] { other_work_ran_meanwhile = !slept.has_value(); });
  ASSERT_TRUE(loop.run_until([&] { return slept.has_value(); }, kPatience));
  EXPECT_GE(*slept, 20 * kMillisecond);  // a lower bound from the clock, not a speed requirement
  EXPECT_TRUE(other_work_ran_meanwhile);
}

TEST(SocketsExecution, WaitUntilTimesOutWithoutANotify) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  auto signal = env.make_signal();
  std::optional<bool> result;
  env.spawn("waiter", [&] { result = signal->wait_until(env.now() + 10 * kMillisecond); });
  ASSERT_TRUE(loop.run_until([&] { return result.has_value(); }, kPatience));
  EXPECT_FALSE(*result);
  EXPECT_FALSE(signal->notified());
}

TEST(SocketsExecution, NotifyWakesAWaiterLongBeforeItsDeadline) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  auto signal = env.make_signal();
  std::optional<bool> result;
  // The deadline lies far beyond the test's patience: only notify() can end this wait in time.
  env.spawn("waiter", [&] { result = signal->wait_until(env.now() + 10 * kPatience); });
  env.arm_timer(10 * kMillisecond, [&] { signal->notify(); });
  ASSERT_TRUE(loop.run_until([&] { return result.has_value(); }, kPatience));
  EXPECT_TRUE(*result);
}

TEST(SocketsExecution, NotifyBeforeWaitReturnsTrueAtOnce) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  auto signal = env.make_signal();
  signal->notify();
  std::optional<bool> result;
  env.spawn("late waiter", [&] { result = signal->wait_until(env.now() + 10 * kPatience); });
  ASSERT_TRUE(loop.run_until([&] { return result.has_value(); }, kPatience));
  EXPECT_TRUE(*result);
}

TEST(SocketsExecution, NotifyRacingTheDeadlineResumesTheFiberExactlyOnce) {
  // A timer that notifies and the signal's own deadline both expire before the loop looks again, so
  // both completions get queued in one batch (the notifier's first: it is due earlier) and the
  // deadline's arrives after notify() could cancel it. A second resume would re-enter a finished
  // fiber.
  // The test keeps the signals alive so that the late completion still finds its signal.
  SocketsLoop loop;
  SocketsEnv env(loop);
  int resumed = 0;
  std::vector<std::shared_ptr<Signal>> signals;
  for (int round = 0; round < 20; ++round) {
    auto signal = signals.emplace_back(env.make_signal());
    env.spawn("racer", [&env, &resumed, signal] {
      env.arm_timer(0, [signal] { signal->notify(); });
      signal->wait_until(env.now());
      ++resumed;
    });
  }
  ASSERT_TRUE(loop.run_until([&] { return resumed == 20; }, kPatience));
  loop.run_for(20 * kMillisecond);
  EXPECT_EQ(resumed, 20);
}

TEST(SocketsExecution, WaitOutsideAFiberIsALogicError) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  auto signal = env.make_signal();
  EXPECT_THROW(signal->wait_until(env.now()), std::logic_error);
}

TEST(SocketsExecution, AFiberCanWaitForAFrame) {
  // The shape of an RPC call: a fiber sends, blocks on a signal, and the inbox wakes it.
  SocketsLoop loop;
  SocketsEnv client(loop);
  SocketsEnv server(loop);
  server.set_inbox(Inbox{[&](const NodeId& from, std::string frame) { server.send(from, frame + "!"); }, {}});
  auto reply_arrived = client.make_signal();
  std::string reply;
  client.set_inbox(Inbox{[&](const NodeId&, std::string frame) {
                           reply = std::move(frame);
                           reply_arrived->notify();
                         },
                         {}});
  std::optional<bool> answered;
  client.spawn("caller", [&] {
    client.send(server.self(), "call");
    answered = reply_arrived->wait_until(client.now() + 10 * kPatience);
  });
  ASSERT_TRUE(loop.run_until([&] { return answered.has_value(); }, kPatience));
  EXPECT_TRUE(*answered);
  EXPECT_EQ(reply, "call!");
}

TEST(SocketsExecution, StopEndsRun) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  env.arm_timer(5 * kMillisecond, [&] { loop.stop(); });
  loop.run();  // returns only because of stop(); a hang here fails the test by ctest's timeout
  SUCCEED();
}

TEST(SocketsExecution, ATerminationSignalStopsTheLoopInsteadOfKillingTheProcess) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  stop_on_termination_signals(loop);
  bool raised = false;
  env.post([&] {
    raised = true;
    std::raise(SIGTERM);  // without the handler, the default action would end the test process
  });
  loop.run();  // returns only because the signal stopped the loop
  EXPECT_TRUE(raised);
}

}  // namespace
}  // namespace amino::sockets::testing
