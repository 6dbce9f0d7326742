// The destination's staging of live migrations (runtime/migration_staging.h): rounds assembled from
// chunks, bounded memory and migrations, expiry, and out-of-order or hostile chunks refused with a
// typed error that discards the migration.
#include "runtime/migration_staging.h"

#include <gtest/gtest.h>

#include "runtime/snapshot_delta.h"

namespace amino {
namespace {

// Sends `d` as round `round` of migration `mid` in chunks of `chunk` bytes.
Status send(MigrationStaging& st, const std::string& mid, std::int64_t round, const std::string& d,
            std::size_t chunk = 100, Time now = 0, std::uint64_t oid = 1, const std::string& from = "src") {
  for (std::size_t at = 0; at == 0 || at < d.size(); at += chunk) {
    Status s = st.receive(StageChunk{mid, oid, from, round, static_cast<std::int64_t>(at),
                                     static_cast<std::int64_t>(d.size()), d.substr(at, chunk)},
                          now);
    if (!s.ok()) return s;
  }
  return {};
}

TEST(MigrationStaging, AssemblesRoundsAndHandsOutTheState) {
  MigrationStaging st;
  const std::string v0(5000, 'a');
  std::string v1 = v0;
  v1[4000] = 'b';
  v1 += "more";
  ASSERT_TRUE(send(st, "m1", 0, delta::encode("", v0)).ok());
  ASSERT_TRUE(send(st, "m1", 1, delta::encode(v0, v1)).ok());
  std::string why;
  EXPECT_FALSE(st.take("m1", 2, &why));  // another object: refused and discarded
  EXPECT_FALSE(st.has("m1"));
  ASSERT_TRUE(send(st, "m2", 0, delta::encode("", v0)).ok());
  ASSERT_TRUE(send(st, "m2", 1, delta::encode(v0, v1)).ok());
  auto got = st.take("m2", 1, &why);
  ASSERT_TRUE(got) << why;
  EXPECT_EQ(*got, v1);
  EXPECT_EQ(st.migrations(), 0u);
  EXPECT_EQ(st.bytes(), 0u);
}

TEST(MigrationStaging, OutOfOrderOrForeignChunksDiscardTheMigration) {
  const std::string d = delta::encode("", std::string(1000, 'z'));
  {
    MigrationStaging st;
    EXPECT_EQ(send(st, "m", 1, d).code, Code::kBadArguments);  // no round 0 yet
    EXPECT_FALSE(st.has("m"));
  }
  {
    MigrationStaging st;
    ASSERT_TRUE(send(st, "m", 0, d).ok());
    EXPECT_EQ(send(st, "m", 2, d).code, Code::kBadArguments);  // a round skipped
    EXPECT_FALSE(st.has("m"));
  }
  {
    MigrationStaging st;
    ASSERT_TRUE(send(st, "m", 0, d).ok());
    EXPECT_EQ(send(st, "m", 1, d, 100, 0, 1, "intruder").code, Code::kBadArguments);
    EXPECT_FALSE(st.has("m"));
  }
  {
    MigrationStaging st;
    ASSERT_TRUE(st.receive(StageChunk{"m", 1, "src", 0, 0, static_cast<std::int64_t>(d.size()), d.substr(0, 10)}, 0).ok());
    EXPECT_EQ(st.receive(StageChunk{"m", 1, "src", 0, 20, static_cast<std::int64_t>(d.size()), d.substr(20, 10)}, 0).code,
              Code::kBadArguments);  // a gap
    EXPECT_FALSE(st.has("m"));
  }
  {
    MigrationStaging st;
    EXPECT_EQ(st.receive(StageChunk{"m", 1, "src", 0, 0, 10, std::string(50, 'x')}, 0).code, Code::kBadArguments);
    EXPECT_EQ(st.receive(StageChunk{"m", 1, "src", 0, -1, 100, "x"}, 0).code, Code::kBadArguments);
  }
}

TEST(MigrationStaging, ACorruptDeltaIsATypedErrorAndLeavesNothing) {
  MigrationStaging st;
  std::string d = delta::encode("", std::string(3000, 'q'));
  d[d.size() - 1] ^= 1;
  EXPECT_EQ(send(st, "m", 0, d).code, Code::kBadFrame);
  EXPECT_EQ(st.migrations(), 0u);
  EXPECT_EQ(st.bytes(), 0u);
}

TEST(MigrationStaging, MemoryAndMigrationsAreBounded) {
  StagingLimits lim;
  lim.max_bytes = 10000;
  lim.max_migrations = 2;
  MigrationStaging st(lim);
  // An announced delta beyond the budget is refused before any byte is kept.
  EXPECT_EQ(st.receive(StageChunk{"big", 1, "src", 0, 0, 20000, "x"}, 0).code, Code::kOverloaded);
  EXPECT_EQ(st.migrations(), 0u);
  // A round whose delta plus the state already staged would exceed the budget is refused.
  const std::string six(6000, 'h'), twelve(12000, 'h');
  ASSERT_TRUE(send(st, "a", 0, delta::encode("", six)).ok());
  ASSERT_TRUE(send(st, "b", 0, delta::encode("", "")).ok());
  EXPECT_EQ(send(st, "c", 0, delta::encode("", "")).code, Code::kOverloaded);  // a third migration
  EXPECT_EQ(send(st, "a", 1, delta::encode(six, twelve)).code, Code::kOverloaded);  // a small delta, a big result
  EXPECT_FALSE(st.has("a"));
  // A small delta announcing a huge result (2^40 bytes) is refused before it is applied.
  std::string forged = delta::encode("", "");
  for (int i = 0; i < 8; ++i) forged[24 + i] = i == 5 ? 1 : 0;
  EXPECT_EQ(send(st, "d", 0, forged).code, Code::kOverloaded);
  EXPECT_LE(st.bytes(), lim.max_bytes);
}

TEST(MigrationStaging, SilentMigrationsExpire) {
  StagingLimits lim;
  lim.ttl = 10 * kSecond;
  MigrationStaging st(lim);
  ASSERT_TRUE(send(st, "old", 0, delta::encode("", "x"), 100, 0).ok());
  ASSERT_TRUE(send(st, "new", 0, delta::encode("", "y"), 100, 5 * kSecond).ok());
  EXPECT_TRUE(st.expire(9 * kSecond).empty());
  EXPECT_EQ(st.expire(10 * kSecond), std::vector<std::string>{"old"});
  EXPECT_TRUE(st.has("new"));
  EXPECT_TRUE(st.discard("new"));
  EXPECT_FALSE(st.discard("new"));
}

}  // namespace
}  // namespace amino
