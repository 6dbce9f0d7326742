// The replicated OMS's memory of answered requests (runtime/oms_requests.h): the first answer for a
// retry, a bounded window per session and a bounded number of sessions, refusal (never a second
// run) of a retry older than the window, and the replicated form round trip.
#include "runtime/oms_requests.h"

#include <gtest/gtest.h>

namespace amino {
namespace {

RequestLog::Key key(const std::string& session, std::int64_t seq) { return RequestLog::Key{session, seq}; }

TEST(OmsRequests, KeyComesFromTheBodyOrNotAtAll) {
  auto k = RequestLog::key_of(ValueMap{{"id", "x"}, {"req", ValueMap{{"session", "abc"}, {"seq", 7}}}});
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->session, "abc");
  EXPECT_EQ(k->seq, 7);
  EXPECT_FALSE(RequestLog::key_of(ValueMap{{"id", "x"}}).has_value());
  EXPECT_FALSE(RequestLog::key_of(Value("not a map")).has_value());
  EXPECT_FALSE(RequestLog::key_of(ValueMap{{"req", "x"}}).has_value());
  EXPECT_FALSE(RequestLog::key_of(ValueMap{{"req", ValueMap{{"session", 1}, {"seq", 7}}}}).has_value());
  EXPECT_FALSE(RequestLog::key_of(ValueMap{{"req", ValueMap{{"session", "abc"}, {"seq", -1}}}}).has_value());
  EXPECT_FALSE(RequestLog::key_of(ValueMap{{"req", ValueMap{{"session", std::string(65, 'a')}, {"seq", 1}}}}).has_value());
}

TEST(OmsRequests, RetryGetsTheFirstAnswer) {
  RequestLog log;
  EXPECT_FALSE(log.find(key("s", 1)).has_value());
  log.record(key("s", 1), Reply::ok("ms7"));
  log.record(key("s", 2), Reply::error(Code::kBadArguments, "name taken"));
  ASSERT_TRUE(log.find(key("s", 1)).has_value());
  EXPECT_EQ(log.find(key("s", 1))->value.as_string(), "ms7");
  EXPECT_EQ(log.find(key("s", 2))->status.code, Code::kBadArguments);
  EXPECT_FALSE(log.find(key("t", 1)).has_value());  // another session
  EXPECT_FALSE(log.find(key("s", 3)).has_value());
}

TEST(OmsRequests, WindowIsBoundedAndOlderRetriesAreRefusedNotRun) {
  RequestLog log;
  const auto n = static_cast<std::int64_t>(RequestLog::kWindow);
  for (std::int64_t i = 1; i <= n + 10; ++i) log.record(key("s", i), Reply::ok(i));
  for (std::int64_t i = 1; i <= 10; ++i) {
    auto r = log.find(key("s", i));
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->status.code, Code::kSessionExpired) << i;
  }
  EXPECT_EQ(log.find(key("s", 11))->value.as_int(), 11);
  EXPECT_FALSE(log.find(key("s", n + 11)).has_value());  // newer than anything: a new request
}

TEST(OmsRequests, LeastRecentlyUsedSessionGoesBeyondTheCap) {
  RequestLog log;
  for (std::size_t i = 0; i <= RequestLog::kMaxSessions; ++i) log.record(key("s" + std::to_string(i), 1), Reply::ok(1));
  EXPECT_FALSE(log.find(key("s0", 1)).has_value());
  EXPECT_TRUE(log.find(key("s1", 1)).has_value());
  EXPECT_TRUE(log.find(key("s" + std::to_string(RequestLog::kMaxSessions), 1)).has_value());
}

TEST(OmsRequests, ReplicatedFormRoundTrips) {
  RequestLog a;
  a.record(key("s", 1), Reply::ok(ValueMap{{"id", "ms1"}}));
  a.record(key("s", 2), Reply::error(Code::kAppError, "boom"));
  a.record(key("t", 5), Reply::ok({}));
  RequestLog b;
  b.import_state(a.export_state());
  EXPECT_EQ(b.export_state(), a.export_state());
  EXPECT_EQ(b.find(key("s", 1))->value.at("id").as_string(), "ms1");
  EXPECT_EQ(b.find(key("s", 2))->status.message, "boom");
  // The use counter continues where it was: eviction is the same on the importing leader.
  a.record(key("u", 1), Reply::ok(1));
  b.record(key("u", 1), Reply::ok(1));
  EXPECT_EQ(b.export_state(), a.export_state());
  EXPECT_THROW(b.import_state(ValueMap{{"s", ValueMap{{"used", "x"}}}}), std::exception);
}

}  // namespace
}  // namespace amino
