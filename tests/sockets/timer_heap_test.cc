// The loop's timer heap on its own (no clock, no Asio), and the loop driving every node's timers
// and Signal deadlines from it.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "runtime/sockets/timer_heap.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

// Runs every callback due at `now`, in the order the heap hands them out.
int fire_due(TimerHeap& heap, Time now) {
  int fired = 0;
  while (auto fn = heap.pop_due(now)) {
    fn();
    ++fired;
  }
  return fired;
}

TEST(TimerHeap, FiresByDeadlineThenInTheOrderAdded) {
  TimerHeap heap;
  std::vector<int> order;
  heap.add(30, [&] { order.push_back(3); });
  heap.add(10, [&] { order.push_back(1); });
  heap.add(20, [&] { order.push_back(2); });
  heap.add(20, [&] { order.push_back(22); });
  EXPECT_EQ(heap.earliest(), 10);
  EXPECT_EQ(fire_due(heap, 9), 0);
  EXPECT_EQ(fire_due(heap, 20), 3);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 22}));
  EXPECT_EQ(heap.earliest(), 30);
  EXPECT_EQ(fire_due(heap, 100), 1);
  EXPECT_FALSE(heap.earliest().has_value());
  EXPECT_EQ(heap.armed(), 0u);
}

TEST(TimerHeap, ACancelledTimerNeverRunsEvenWhenOverdue) {
  TimerHeap heap;
  bool ran = false;
  const auto id = heap.add(5, [&] { ran = true; });
  heap.add(50, [] {});
  EXPECT_TRUE(heap.cancel(id));
  EXPECT_FALSE(heap.cancel(id));  // twice: a no-op
  EXPECT_EQ(heap.earliest(), 50);  // the cancelled entry is skipped
  EXPECT_EQ(fire_due(heap, 10), 0);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(heap.cancel(12345));  // never armed
}

TEST(TimerHeap, ACallbackMayAddAndCancelTimers) {
  TimerHeap heap;
  std::vector<int> order;
  TimerHeap::Id doomed = 0;
  heap.add(1, [&] {
    order.push_back(1);
    heap.cancel(doomed);
    heap.add(2, [&] { order.push_back(2); });
  });
  doomed = heap.add(2, [&] { order.push_back(-1); });
  EXPECT_EQ(fire_due(heap, 5), 2);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(TimerHeap, CancelledEntriesDoNotAccumulate) {
  // The shape of RPC deadlines: each call arms one a while ahead and cancels it when answered.
  TimerHeap heap;
  heap.add(1'000'000'000, [] {});  // a long-lived timer keeps the heap non-empty
  for (Time t = 0; t < 100'000; ++t) heap.cancel(heap.add(t + 5'000, [] {}));
  EXPECT_EQ(heap.armed(), 1u);
  EXPECT_LE(heap.entries(), 2 * heap.armed() + 64 + 1);
}

TEST(SocketsTimers, ManyNodesShareTheLoopsTimersAndCancelledWaitsLeaveNothingArmed) {
  SocketsLoop loop;
  SocketsEnv a(loop);
  SocketsEnv b(loop);
  std::vector<std::string> order;
  a.arm_timer(20 * kMillisecond, [&] { order.push_back("a20"); });
  b.arm_timer(5 * kMillisecond, [&] { order.push_back("b5"); });
  const TimerId gone = a.arm_timer(10 * kMillisecond, [&] { order.push_back("a10"); });
  a.cancel_timer(gone);
  // 1,000 waits notified long before their deadlines (as answered RPCs are).
  int answered = 0;
  a.spawn("caller", [&] {
    for (int i = 0; i < 1000; ++i) {
      auto signal = a.make_signal();
      a.post([signal] { signal->notify(); });
      answered += signal->wait_until(a.now() + 10 * kPatience) ? 1 : 0;
    }
  });
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 2 && answered == 1000; }, kPatience));
  EXPECT_EQ(order, (std::vector<std::string>{"b5", "a20"}));
  EXPECT_EQ(loop.armed_timers(), 0u);
}

TEST(SocketsTimers, AKilledNodesTimersAreDisarmedButOthersStillFire) {
  SocketsLoop loop;
  SocketsEnv victim(loop);
  SocketsEnv survivor(loop);
  bool victim_fired = false;
  bool survivor_fired = false;
  victim.arm_timer(5 * kMillisecond, [&] { victim_fired = true; });
  survivor.arm_timer(10 * kMillisecond, [&] { survivor_fired = true; });
  victim.kill();
  EXPECT_EQ(loop.armed_timers(), 1u);
  ASSERT_TRUE(loop.run_until([&] { return survivor_fired; }, kPatience));
  EXPECT_FALSE(victim_fired);
}

TEST(SocketsTimers, ADestroyedNodesTimersAreDisarmed) {
  SocketsLoop loop;
  bool fired = false;
  {
    SocketsEnv env(loop);
    env.arm_timer(5 * kMillisecond, [&] { fired = true; });
    auto signal = env.make_signal();
    EXPECT_EQ(loop.armed_timers(), 1u);
  }
  EXPECT_EQ(loop.armed_timers(), 0u);
  loop.run_for(20 * kMillisecond);
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace amino::sockets::testing
