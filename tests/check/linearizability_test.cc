// The checker on hand-made register histories whose verdict is known, and on generated ones.
#include "testbed/check/linearizability.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "tests/check/history_builders.h"

namespace amino::check {
namespace {

using namespace amino::check::testing;  // NOLINT: the builders are the test's vocabulary

CheckResult check(const History& h, const CheckOptions& options = {}) {
  return check_linearizable(h, *make_model("register"), options);
}
bool linearizable(const History& h) { return check(h).verdict == Verdict::kLinearizable; }

TEST(Linearizability, EmptyHistoryIsLinearizable) {
  History h;
  EXPECT_TRUE(linearizable(h));
}

TEST(Linearizability, SequentialWriteThenReadIsLinearizable) {
  History h;
  read(h, 0, "x", std::nullopt, 0, 1);
  write(h, 0, "x", "a", 2, 3);
  read(h, 1, "x", "a", 4, 5);
  const CheckResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::kLinearizable) << r.summary();
}

TEST(Linearizability, StaleReadIsCaught) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  write(h, 0, "x", "b", 2, 3);
  const int stale = read(h, 1, "x", "a", 4, 5);  // b completed before this read began
  const CheckResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_NE(r.summary().find("key \"x\""), std::string::npos) << r.summary();
  ASSERT_TRUE(r.window);
  EXPECT_EQ(r.window->failing_op, h.operations()[static_cast<std::size_t>(stale)].id);
  // The window: the stale read and the write that completed just before it began.
  EXPECT_EQ(r.window->ops, (std::vector<int>{h.operations()[1].id, h.operations()[2].id}));
  EXPECT_EQ(r.window->start, ms(2));
  EXPECT_EQ(r.window->end, ms(5));
}

TEST(Linearizability, LostWriteIsCaught) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  read(h, 1, "x", std::nullopt, 2, 3);  // an acknowledged write vanished
  EXPECT_FALSE(linearizable(h));
}

TEST(Linearizability, ConcurrentReadMayOrMayNotSeeAnOverlappingWrite) {
  for (const std::optional<std::string>& seen : {std::optional<std::string>(), std::optional<std::string>("a")}) {
    History h;
    write(h, 0, "x", "a", 0, 10);
    read(h, 1, "x", seen, 5, 15);
    EXPECT_TRUE(linearizable(h)) << (seen ? *seen : "nil");
  }
}

TEST(Linearizability, ReadsCannotGoBackInTimeDuringAWrite) {
  History h;
  write(h, 0, "x", "a", 0, 100);       // long, concurrent with both reads
  read(h, 1, "x", "a", 10, 20);        // saw the write take effect ...
  read(h, 2, "x", std::nullopt, 30, 40);  // ... so a later read cannot miss it
  EXPECT_FALSE(linearizable(h));
}

TEST(Linearizability, ConcurrentWritesNeedOneFinalOrder) {
  History ok_history;
  write(ok_history, 0, "x", "a", 0, 10);
  write(ok_history, 1, "x", "b", 0, 10);
  read(ok_history, 2, "x", "b", 20, 21);
  read(ok_history, 2, "x", "b", 22, 23);
  EXPECT_TRUE(linearizable(ok_history));

  History bad;
  write(bad, 0, "x", "a", 0, 10);
  write(bad, 1, "x", "b", 0, 10);
  read(bad, 2, "x", "b", 20, 21);
  read(bad, 2, "x", "a", 22, 23);  // flip-flop with no write in between
  EXPECT_FALSE(linearizable(bad));
}

// An invoked write completed with `type` (info: timed out, unknown; fail: certainly not applied).
void write_with(History& h, int p, EventType type, std::int64_t from, std::int64_t to) {
  op(h, p, "write", "x", "a", type, "a", from, to);
}

TEST(Linearizability, UnknownWriteMustBeAssumedToHaveHappened) {
  History h;
  write_with(h, 0, EventType::kInfo, 0, 50);
  read(h, 1, "x", "a", 100, 101);  // only explainable if the write took effect
  EXPECT_TRUE(linearizable(h));
}

TEST(Linearizability, UnknownWriteMayNeverHappen) {
  History h;
  write_with(h, 0, EventType::kInfo, 0, 50);
  read(h, 1, "x", std::nullopt, 100, 101);
  read(h, 1, "x", std::nullopt, 200, 201);
  EXPECT_TRUE(linearizable(h));
}

TEST(Linearizability, UnknownWriteMayTakeEffectLongAfterItsTimeout) {
  History h;
  write_with(h, 0, EventType::kInfo, 0, 50);
  read(h, 1, "x", std::nullopt, 100, 101);
  read(h, 1, "x", "a", 200, 201);  // it committed late (a retry, a slow leader)
  EXPECT_TRUE(linearizable(h));
}

TEST(Linearizability, NeverCompletedWriteCountsAsUnknown) {
  History h;
  h.invoke(0, "write", Json("x"), Json("a"), ms(0));  // the run ended first
  read(h, 1, "x", "a", 100, 101);
  EXPECT_TRUE(linearizable(h));
}

TEST(Linearizability, FailedWriteMustNotHaveHappened) {
  History h;
  write_with(h, 0, EventType::kFail, 0, 5);
  read(h, 1, "x", "a", 10, 11);
  EXPECT_FALSE(linearizable(h));
}

TEST(Linearizability, CompareAndSet) {
  History good;
  write(good, 0, "x", "a", 0, 1);
  cas(good, 1, "x", "a", "b", EventType::kOk, 2, 3);
  cas(good, 2, "x", "a", "c", EventType::kFail, 4, 5);  // the value was b: no swap
  read(good, 0, "x", "b", 6, 7);
  EXPECT_TRUE(linearizable(good));

  History bad;
  write(bad, 0, "x", "a", 0, 1);
  cas(bad, 1, "x", "b", "c", EventType::kOk, 2, 3);  // claims a swap from b, but the value was a
  EXPECT_FALSE(linearizable(bad));

  History unknown;
  write(unknown, 0, "x", "a", 0, 1);
  cas(unknown, 1, "x", "a", "b", EventType::kInfo, 2, 3);
  read(unknown, 0, "x", "b", 6, 7);
  EXPECT_TRUE(linearizable(unknown));
}

TEST(Linearizability, KeysAreCheckedIndependently) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  read(h, 1, "x", "a", 2, 3);
  write(h, 0, "y", "1", 4, 5);
  read(h, 1, "y", "2", 6, 7);  // never written
  const CheckResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.keys[0].verdict, Verdict::kLinearizable);  // x
  EXPECT_EQ(r.keys[1].verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(r.keys[1].key, "\"y\"");
  ASSERT_TRUE(r.window);
  EXPECT_EQ(r.window->key, "\"y\"");
}

// A history produced by a real register with concurrent clients: each operation takes effect at a
// random instant inside its interval, in that order. Always linearizable; corrupting one read makes
// it not. Also exercises the memo on hundreds of overlapping operations.
History generated(std::uint32_t seed, int processes, int per_process, bool corrupt) {
  std::mt19937 rng(seed);
  struct Planned {
    int process;
    bool is_write;
    std::string key;
    std::string value;
    Time start, effect, end;
  };
  std::vector<Planned> plan;
  for (int p = 0; p < processes; ++p) {
    std::int64_t t = static_cast<std::int64_t>(rng() % 10);
    for (int i = 0; i < per_process; ++i) {
      const Time start = t;
      const Time end = start + 1 + static_cast<Time>(rng() % 30);
      const Time effect = start + static_cast<Time>(rng() % static_cast<std::uint32_t>(end - start + 1));
      plan.push_back({p, rng() % 2 == 0, "k" + std::to_string(rng() % 3), "v" + std::to_string(p) + "." + std::to_string(i),
                      start, effect, end});
      t = end + 1 + static_cast<Time>(rng() % 5);
    }
  }
  // Effects in time order decide what each read sees.
  std::vector<std::size_t> order(plan.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return plan[a].effect < plan[b].effect; });
  std::map<std::string, std::optional<std::string>> reg;
  std::vector<std::optional<std::string>> seen(plan.size());
  for (auto i : order) {
    if (plan[i].is_write) {
      reg[plan[i].key] = plan[i].value;
    } else {
      seen[i] = reg[plan[i].key];
    }
  }
  History h;
  bool corrupted = false;  // the first read only
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const Planned& o = plan[i];
    if (o.is_write) {
      write(h, o.process, o.key, o.value, o.start, o.end);
    } else {
      std::optional<std::string> v = seen[i];
      if (corrupt && !corrupted) {
        v = "never-written";
        corrupted = true;
      }
      read(h, o.process, o.key, v, o.start, o.end);
    }
  }
  return h;
}

TEST(Linearizability, GeneratedConcurrentHistoriesAreLinearizable) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const History h = generated(seed, 5, 60, false);
    const CheckResult r = check(h);
    ASSERT_EQ(r.verdict, Verdict::kLinearizable) << "seed " << seed << ": " << r.summary();
  }
}

TEST(Linearizability, CorruptedGeneratedHistoriesAreNot) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const History h = generated(seed, 5, 60, true);
    const CheckResult r = check(h);
    ASSERT_EQ(r.verdict, Verdict::kNotLinearizable) << "seed " << seed;
    // The earliest failure is the corrupted read itself: nothing before it is wrong.
    ASSERT_TRUE(r.window);
    const Operation* failing = h.operation(r.window->failing_op);
    ASSERT_NE(failing, nullptr);
    EXPECT_EQ(failing->output, Json("never-written")) << "seed " << seed << ": " << r.summary();
    EXPECT_NE(std::find(r.window->ops.begin(), r.window->ops.end(), r.window->failing_op), r.window->ops.end());
  }
}

// Many fully concurrent writes and a read no order explains: the search space is large.
History wide(const std::string& key, int writers) {
  History h;
  for (int p = 0; p < writers; ++p) write(h, p, key, "v" + std::to_string(p), 0, 100);
  read(h, writers, key, "none", 200, 201);
  return h;
}

TEST(Linearizability, GivesUpRatherThanHang) {
  const History h = wide("x", 14);
  CheckOptions tight;
  tight.max_steps_per_key = 1000;
  const CheckResult r = check(h, tight);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.explanation.find("step limit"), std::string::npos) << r.explanation;
  EXPECT_EQ(check(h).verdict, Verdict::kNotLinearizable);  // with the default bound the memo settles it
}

TEST(Linearizability, TimeLimitStopsTheSearch) {
  const History h = wide("x", 14);
  int polls = 0;
  CheckOptions timed;
  timed.out_of_time = [&polls] { return ++polls > 1; };  // the caller's clock ran out
  const CheckResult r = check(h, timed);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.explanation.find("time limit"), std::string::npos) << r.explanation;
}

TEST(Linearizability, OneFailingKeyDecidesEvenWhenAnotherHitTheLimit) {
  History h = wide("a", 14);  // 15 operations: searched first (smallest), gives up under the tight bound
  for (int i = 0; i < 20; ++i) write(h, 100, "b", "v" + std::to_string(i), 300 + 2 * i, 301 + 2 * i);
  read(h, 101, "b", "v3", 400, 401);  // 21 operations, searched second; stale: v19 was written last
  CheckOptions tight;
  tight.max_steps_per_key = 1000;
  const CheckResult r = check(h, tight);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable) << r.summary();
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.keys[0].verdict, Verdict::kUnknown);
  ASSERT_TRUE(r.window);
  EXPECT_EQ(r.window->key, "\"b\"");
}

TEST(Linearizability, HistoryRejectsMisuse) {
  History h;
  const int w = h.invoke(0, "write", Json("x"), Json("a"), ms(10));
  EXPECT_THROW(h.complete(w, EventType::kOk, "a", ms(5)), HistoryError);  // completes before its invocation
  h.complete(w, EventType::kOk, "a", ms(11));
  EXPECT_THROW(h.complete(w, EventType::kOk, "a", ms(12)), HistoryError);  // twice
  EXPECT_THROW(h.complete(99, EventType::kOk, "a", ms(1)), std::out_of_range);
  h.invoke(1, "write", Json("x"), Json("b"), ms(20));
  EXPECT_THROW(h.invoke(1, "read", Json("x"), nullptr, ms(21)), HistoryError);  // process 1 is still writing
}

}  // namespace
}  // namespace amino::check
