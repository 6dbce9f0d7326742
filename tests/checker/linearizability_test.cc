// The checker on hand-made histories whose verdict is known, and on generated ones.
#include "tests/checker/linearizability.h"

#include <gtest/gtest.h>

#include <random>

namespace amino::checker {
namespace {

constexpr Time ms(std::int64_t n) { return n * kMillisecond; }

// Small helpers: a complete operation in one line.
int write(History& h, int p, const std::string& k, const std::string& v, std::int64_t from, std::int64_t to) {
  const int op = h.invoke_write(p, k, v, ms(from));
  h.ok(op, ms(to));
  return op;
}
int read(History& h, int p, const std::string& k, std::optional<std::string> v, std::int64_t from, std::int64_t to) {
  const int op = h.invoke_read(p, k, ms(from));
  h.ok_read(op, std::move(v), ms(to));
  return op;
}

TEST(Linearizability, EmptyHistoryIsLinearizable) {
  History h;
  EXPECT_TRUE(check_linearizable(h).linearizable);
}

TEST(Linearizability, SequentialWriteThenReadIsLinearizable) {
  History h;
  read(h, 0, "x", std::nullopt, 0, 1);
  write(h, 0, "x", "a", 2, 3);
  read(h, 1, "x", "a", 4, 5);
  const CheckResult r = check_linearizable(h);
  EXPECT_TRUE(r.linearizable) << r.summary();
}

TEST(Linearizability, StaleReadIsCaught) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  write(h, 0, "x", "b", 2, 3);
  read(h, 1, "x", "a", 4, 5);  // b completed before this read began
  const CheckResult r = check_linearizable(h);
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(r.decided);
  EXPECT_NE(r.summary().find("key x"), std::string::npos) << r.summary();
}

TEST(Linearizability, LostWriteIsCaught) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  read(h, 1, "x", std::nullopt, 2, 3);  // an acknowledged write vanished
  EXPECT_FALSE(check_linearizable(h).linearizable);
}

TEST(Linearizability, ConcurrentReadMayOrMayNotSeeAnOverlappingWrite) {
  for (const std::optional<std::string>& seen : {std::optional<std::string>(), std::optional<std::string>("a")}) {
    History h;
    write(h, 0, "x", "a", 0, 10);
    read(h, 1, "x", seen, 5, 15);
    EXPECT_TRUE(check_linearizable(h).linearizable) << (seen ? *seen : "nil");
  }
}

TEST(Linearizability, ReadsCannotGoBackInTimeDuringAWrite) {
  History h;
  write(h, 0, "x", "a", 0, 100);       // long, concurrent with both reads
  read(h, 1, "x", "a", 10, 20);        // saw the write take effect ...
  read(h, 2, "x", std::nullopt, 30, 40);  // ... so a later read cannot miss it
  EXPECT_FALSE(check_linearizable(h).linearizable);
}

TEST(Linearizability, ConcurrentWritesNeedOneFinalOrder) {
  History ok_history;
  write(ok_history, 0, "x", "a", 0, 10);
  write(ok_history, 1, "x", "b", 0, 10);
  read(ok_history, 2, "x", "b", 20, 21);
  read(ok_history, 2, "x", "b", 22, 23);
  EXPECT_TRUE(check_linearizable(ok_history).linearizable);

  History bad;
  write(bad, 0, "x", "a", 0, 10);
  write(bad, 1, "x", "b", 0, 10);
  read(bad, 2, "x", "b", 20, 21);
  read(bad, 2, "x", "a", 22, 23);  // flip-flop with no write in between
  EXPECT_FALSE(check_linearizable(bad).linearizable);
}

TEST(Linearizability, UnknownWriteMustBeAssumedToHaveHappened) {
  History h;
  const int w = h.invoke_write(0, "x", "a", ms(0));
  h.info(w, ms(50));  // timed out: outcome unknown
  read(h, 1, "x", "a", 100, 101);  // only explainable if the write took effect
  EXPECT_TRUE(check_linearizable(h).linearizable);
}

TEST(Linearizability, UnknownWriteMayNeverHappen) {
  History h;
  const int w = h.invoke_write(0, "x", "a", ms(0));
  h.info(w, ms(50));
  read(h, 1, "x", std::nullopt, 100, 101);
  read(h, 1, "x", std::nullopt, 200, 201);
  EXPECT_TRUE(check_linearizable(h).linearizable);
}

TEST(Linearizability, UnknownWriteMayTakeEffectLongAfterItsTimeout) {
  History h;
  const int w = h.invoke_write(0, "x", "a", ms(0));
  h.info(w, ms(50));
  read(h, 1, "x", std::nullopt, 100, 101);
  read(h, 1, "x", "a", 200, 201);  // it committed late (a retry, a slow leader)
  EXPECT_TRUE(check_linearizable(h).linearizable);
}

TEST(Linearizability, FailedWriteMustNotHaveHappened) {
  History h;
  const int w = h.invoke_write(0, "x", "a", ms(0));
  h.fail(w, ms(5));
  read(h, 1, "x", "a", 10, 11);
  EXPECT_FALSE(check_linearizable(h).linearizable);
}

TEST(Linearizability, CompareAndSet) {
  History good;
  write(good, 0, "x", "a", 0, 1);
  int c = good.invoke_cas(1, "x", "a", "b", ms(2));
  good.ok_cas(c, true, ms(3));
  c = good.invoke_cas(2, "x", "a", "c", ms(4));
  good.ok_cas(c, false, ms(5));
  read(good, 0, "x", "b", 6, 7);
  EXPECT_TRUE(check_linearizable(good).linearizable);

  History bad;
  write(bad, 0, "x", "a", 0, 1);
  c = bad.invoke_cas(1, "x", "a", "b", ms(2));
  bad.ok_cas(c, false, ms(3));  // the value was "a": the swap had to succeed
  EXPECT_FALSE(check_linearizable(bad).linearizable);

  History unknown;
  write(unknown, 0, "x", "a", 0, 1);
  c = unknown.invoke_cas(1, "x", "a", "b", ms(2));
  unknown.info(c, ms(3));
  read(unknown, 0, "x", "b", 6, 7);
  EXPECT_TRUE(check_linearizable(unknown).linearizable);
}

TEST(Linearizability, KeysAreCheckedIndependently) {
  History h;
  write(h, 0, "x", "a", 0, 1);
  read(h, 1, "x", "a", 2, 3);
  write(h, 0, "y", "1", 0, 1);
  read(h, 1, "y", "2", 2, 3);  // never written
  const CheckResult r = check_linearizable(h);
  EXPECT_FALSE(r.linearizable);
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_TRUE(r.keys[0].linearizable);   // x
  EXPECT_FALSE(r.keys[1].linearizable);  // y
  EXPECT_EQ(r.keys[1].key, "y");
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
    Time t = static_cast<Time>(rng() % 10);
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
  bool corrupted = false;
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
    const CheckResult r = check_linearizable(h);
    ASSERT_TRUE(r.linearizable) << "seed " << seed << ": " << r.summary();
  }
}

TEST(Linearizability, CorruptedGeneratedHistoriesAreNot) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const History h = generated(seed, 5, 60, true);
    const CheckResult r = check_linearizable(h);
    ASSERT_FALSE(r.linearizable) << "seed " << seed;
    ASSERT_TRUE(r.decided) << "seed " << seed;
  }
}

TEST(Linearizability, GivesUpRatherThanHang) {
  History h;
  // Many fully concurrent writes and a read no order explains: the search space is large.
  for (int p = 0; p < 14; ++p) write(h, p, "x", "v" + std::to_string(p), 0, 100);
  read(h, 20, "x", "none", 200, 201);
  CheckOptions tight;
  tight.max_steps_per_key = 1000;
  const CheckResult r = check_linearizable(h, tight);
  EXPECT_FALSE(r.decided);
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(check_linearizable(h).decided);  // with the default bound the memo settles it
}

TEST(Linearizability, HistoryRejectsMisuse) {
  History h;
  const int w = h.invoke_write(0, "x", "a", ms(10));
  EXPECT_THROW(h.ok(w, ms(5)), std::logic_error);  // completes before its invocation
  h.ok(w, ms(11));
  EXPECT_THROW(h.ok(w, ms(12)), std::logic_error);  // twice
  EXPECT_THROW(h.fail(99, ms(1)), std::out_of_range);
}

}  // namespace
}  // namespace amino::checker
