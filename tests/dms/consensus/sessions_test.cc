// Duplicate suppression by (session, call id): replies are remembered per session, forgotten after
// the window, and a retry of a forgotten call is rejected instead of applied again.
#include "dms/raft/sessions.h"

#include <gtest/gtest.h>

#include "runtime/wire.h"

namespace amino::dms::raft {
namespace {

const SessionId kA = format_session_id(1, 2);
const SessionId kB = format_session_id(1, 3);
constexpr Duration kTtl = 10 * kSecond;

Reply value(std::int64_t v) { return Reply::ok(Value(v)); }

TEST(SessionIdTest, ThirtyTwoHexDigitsAndDistinct) {
  EXPECT_EQ(format_session_id(0x0123456789abcdefULL, 0xfedcba9876543210ULL), "0123456789abcdeffedcba9876543210");
  Rng a(7), b(7), c(8);
  EXPECT_EQ(draw_session_id(a), draw_session_id(b));  // seeded: deterministic
  EXPECT_NE(draw_session_id(a), draw_session_id(c));
  const std::uint64_t first = Rng(7).next();
  EXPECT_EQ(a.next(), first);  // the node's own stream is untouched
}

TEST(SessionsTest, SameCallIdInTwoSessionsAreTwoCalls) {
  Sessions s;
  s.record(kA, 5, 0, value(1));
  ASSERT_NE(s.find(kA, 5), nullptr);
  EXPECT_EQ(s.find(kA, 5)->value.as_int(), 1);
  EXPECT_EQ(s.find(kB, 5), nullptr);  // the bug of issue 9: another client's call 5 is not a retry
  EXPECT_FALSE(s.expired(kB, 5));
}

TEST(SessionsTest, ForgottenCallIsRejectedNotReapplied) {
  Sessions s;
  s.record(kA, 10, 0, value(1));
  s.record(kA, 11, 1 * kSecond, value(2));
  s.expire(5 * kSecond, kTtl);
  EXPECT_NE(s.find(kA, 10), nullptr);
  s.expire(kTtl + kSecond / 2, kTtl);  // call 10 (stamped 0) leaves the window, 11 stays
  EXPECT_EQ(s.find(kA, 10), nullptr);
  EXPECT_TRUE(s.expired(kA, 10));       // a late retry of 10: rejected
  EXPECT_TRUE(s.expired(kA, 9));        // older still: rejected
  EXPECT_FALSE(s.expired(kA, 11));      // remembered: answered from the table instead
  EXPECT_NE(s.find(kA, 11), nullptr);
  EXPECT_FALSE(s.expired(kA, 12));      // newer calls of the session are new
  EXPECT_FALSE(s.expired(kB, 1));       // other sessions are unaffected
}

TEST(SessionsTest, IdleSessionKeepsItsWatermarkForTenWindowsThenGoes) {
  Sessions s;
  s.record(kA, 3, 0, value(1));
  s.expire(2 * kTtl, kTtl);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.sessions(), 1u);
  EXPECT_TRUE(s.expired(kA, 3));
  s.expire(2 * kTtl + Sessions::kTombstoneTtls * kTtl - kSecond, kTtl);
  EXPECT_TRUE(s.expired(kA, 3));
  s.expire(2 * kTtl + Sessions::kTombstoneTtls * kTtl + kSecond, kTtl);
  EXPECT_EQ(s.sessions(), 0u);  // memory is bounded in time
}

TEST(SessionsTest, ActiveAgainSessionIsNotDroppedByItsOldIdleMark) {
  Sessions s;
  s.record(kA, 1, 0, value(1));
  s.expire(2 * kTtl, kTtl);  // idle since 2 ttl
  s.record(kA, 2, 3 * kTtl, value(2));
  s.expire(3 * kTtl, kTtl);
  s.expire(2 * kTtl + Sessions::kTombstoneTtls * kTtl + kSecond, kTtl);  // old idle mark expires
  EXPECT_EQ(s.sessions(), 1u);
  EXPECT_TRUE(s.expired(kA, 1));
}

TEST(SessionsTest, RoundTripThroughValueKeepsRepliesWatermarksAndIdleOrder) {
  Sessions s;
  s.record(kA, 1, 0, value(1));
  s.record(kB, 7, 4 * kTtl, Reply::error(Code::kAppError, "boom"));
  s.expire(4 * kTtl, kTtl);
  Sessions t = Sessions::from_value(s.to_value());
  EXPECT_EQ(t.to_value(), s.to_value());
  EXPECT_TRUE(t.expired(kA, 1));
  ASSERT_NE(t.find(kB, 7), nullptr);
  EXPECT_EQ(t.find(kB, 7)->status.code, Code::kAppError);
  t.expire(4 * kTtl + Sessions::kTombstoneTtls * kTtl + kSecond, kTtl);
  EXPECT_FALSE(t.expired(kA, 1));  // the tombstone went at the same point as it would have in s
}

// Snapshots store Sessions::encode(), assembled from the replies' encodings kept since they were
// recorded: it must stay byte for byte the encoding of to_value() (snapshot bytes reach storage and
// InstallSnapshot's message sizes, hence trace hashes) through records, expiry, tombstones and a
// round trip through a snapshot.
TEST(SessionsTest, EncodingEqualsTheEncodedValueThroughRecordsAndExpiry) {
  Rng rng(1127);
  const SessionId ids[] = {kA, kB, format_session_id(9, 9)};
  std::uint64_t next_call[] = {1, 1, 1};
  Sessions s;
  Time now = 0;
  EXPECT_EQ(s.encode(), wire::encode_value(s.to_value()));
  bool third_dropped = false;
  for (int i = 0; i < 900; ++i) {
    now += rng.uniform_int(0, 400) * kMillisecond;
    // The third session stops calling early: idle, then a tombstone, then gone.
    const auto who = static_cast<std::size_t>(rng.uniform_int(0, i < 150 ? 2 : 1));
    if (rng.chance(0.8)) {
      const Reply r = rng.chance(0.2) ? Reply::error(Code::kAppError, "boom " + std::to_string(i))
                                      : Reply::ok(ValueMap{{"v", static_cast<std::int64_t>(i)}, {"pad", std::string(static_cast<std::size_t>(rng.uniform_int(0, 200)), 'x')}});
      s.record(ids[who], next_call[who]++, now, r);
    }
    s.expire(now, kTtl);
    third_dropped = third_dropped || s.sessions() == 2;
    ASSERT_EQ(s.encode(), wire::encode_value(s.to_value())) << "step " << i;
    if (i % 100 == 99) {
      Sessions t = Sessions::from_value(wire::decode_value(s.encode()));  // as a restarted replica
      ASSERT_EQ(t.encode(), s.encode()) << "step " << i;
      s = std::move(t);
    }
  }
  EXPECT_GT(s.size(), 0u);
  EXPECT_TRUE(third_dropped);
}

}  // namespace
}  // namespace amino::dms::raft
