// The snapshot delta codec (runtime/snapshot_delta.h): round trips, random edits, size changes, and
// hostile or damaged deltas rejected with a typed error (DeltaError, code kBadFrame).
#include "runtime/snapshot_delta.h"

#include <gtest/gtest.h>

#include <random>

namespace amino::delta {
namespace {

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void expect_rejected(std::string_view base, const std::string& d, std::size_t limit = 1 << 24) {
  try {
    (void)apply(base, d, limit);
    ADD_FAILURE() << "a bad delta was applied (" << d.size() << " bytes)";
  } catch (const DeltaError& e) {
    EXPECT_EQ(e.code(), Code::kBadFrame);
  }
}

TEST(SnapshotDelta, RoundTripsFromNothingAndToNothing) {
  std::mt19937_64 rng(1);
  const std::string s = random_bytes(rng, 10000);
  EXPECT_EQ(apply("", encode("", s), s.size()), s);
  EXPECT_EQ(apply(s, encode(s, ""), 0), "");
  EXPECT_EQ(apply("", encode("", ""), 0), "");
}

TEST(SnapshotDelta, IdenticalStatesGiveAnEmptyDelta) {
  std::mt19937_64 rng(2);
  const std::string s = random_bytes(rng, 1 << 20);
  const std::string d = encode(s, s);
  EXPECT_EQ(literal_bytes(d), 0u);
  EXPECT_EQ(d.size(), kHeaderBytes + 13);  // one copy of the whole base
  EXPECT_EQ(apply(s, d, s.size()), s);
}

TEST(SnapshotDelta, RandomEditsSendOnlyTheirBlocks) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 1 + rng() % 200000;
    const std::string base = random_bytes(rng, n);
    std::string target = base;
    const int edits = static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) target[rng() % n] = static_cast<char>(rng() & 0xff);
    const std::size_t block = kMinBlockBytes << (rng() % 8);
    const std::string d = encode(base, target, block);
    // Each edit costs at most its block; the base's partial last block is never copied.
    EXPECT_LE(literal_bytes(d), static_cast<std::size_t>(edits + 1) * block);
    EXPECT_LE(d.size(), kHeaderBytes + static_cast<std::size_t>(edits + 1) * (block + 32));
    EXPECT_EQ(apply(base, d, target.size()), target) << "trial " << trial;
  }
}

TEST(SnapshotDelta, InsertionsAndDeletionsThatShiftTheRestCostLittle) {
  std::mt19937_64 rng(8);
  const std::string base = random_bytes(rng, 1 << 20);
  std::string grown = base;
  grown.insert(100, "0123456789");  // e.g. a list encoded before a large payload grew by one
  std::string d = encode(base, grown);
  EXPECT_LT(d.size(), 3 * kDefaultBlockBytes);
  EXPECT_EQ(apply(base, d, grown.size()), grown);
  std::string shrunk = base;
  shrunk.erase(5000, 3);
  d = encode(base, shrunk);
  EXPECT_LT(d.size(), 3 * kDefaultBlockBytes);
  EXPECT_EQ(apply(base, d, shrunk.size()), shrunk);
}

TEST(SnapshotDelta, GrowsAndShrinks) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 50; ++trial) {
    const std::string base = random_bytes(rng, rng() % 50000);
    std::string target = base;
    if (rng() % 2 == 0) {
      target += random_bytes(rng, 1 + rng() % 30000);
    } else {
      target.resize(target.size() / (2 + rng() % 3));
    }
    if (!target.empty()) target[rng() % target.size()] ^= 1;
    EXPECT_EQ(apply(base, encode(base, target), 1 << 20), target) << "trial " << trial;
  }
}

TEST(SnapshotDelta, ChainsOfDeltasFollowAChangingState) {
  std::mt19937_64 rng(5);
  std::string truth = random_bytes(rng, 300000), held;
  for (int round = 0; round < 20; ++round) {
    held = apply(held, encode(held, truth), 1 << 20);
    ASSERT_EQ(held, truth);
    for (int e = 0; e < 100; ++e) truth[rng() % truth.size()] = 'x';
    truth += std::string(rng() % 100, 'y');
  }
}

TEST(SnapshotDelta, AgainstAnotherBaseIsRejected) {
  std::mt19937_64 rng(6);
  const std::string a = random_bytes(rng, 9000), b = random_bytes(rng, 9000);
  std::string a2 = a;
  a2[17] ^= 1;
  const std::string d = encode(a, b);
  expect_rejected(a2, d);                 // same length, other bytes
  expect_rejected(a.substr(0, 8999), d);  // other length
}

TEST(SnapshotDelta, DamagedOrForgedDeltasAreRejected) {
  std::mt19937_64 rng(7);
  const std::string base = random_bytes(rng, 20000);
  std::string target = base;
  target[5000] ^= 0x55;
  target += "tail";
  const std::string d = encode(base, target);
  // Every truncation is caught (header checks, layout, or hash).
  for (std::size_t n = 0; n < d.size(); n += 1 + n / 8) expect_rejected(base, d.substr(0, n));
  // A flipped byte never yields wrong state: rejected, or (the block size field, which only the
  // encoder uses) the same result.
  for (std::size_t i = 0; i < d.size(); i += 1 + i / 16) {
    std::string bad = d;
    bad[i] ^= 0x01;
    if (i >= 4 && i < 8) {
      try {
        EXPECT_EQ(apply(base, bad, 1 << 24), target);
      } catch (const DeltaError&) {  // out of the block size range: rejected, also fine
      }
    } else {
      expect_rejected(base, bad);
    }
  }
  expect_rejected(base, d + "x");  // trailing bytes
  // A result beyond the caller's limit is refused before it is built.
  expect_rejected(base, d, target.size() - 1);
  // Random garbage.
  for (int i = 0; i < 200; ++i) expect_rejected(base, random_bytes(rng, rng() % 200));
}

TEST(SnapshotDelta, ForgedHeadersCannotAskForHugeResults) {
  std::string d = encode("", "");
  // new_len (offset 4+4+8+8) set to 2^62: refused by the limit, no allocation.
  for (int i = 0; i < 8; ++i) d[24 + i] = i == 7 ? 0x40 : 0;
  expect_rejected("", d, 1 << 20);
  // A block count larger than the result has blocks.
  std::string e = encode("", "");
  e[40] = 5;
  expect_rejected("", e);
}

TEST(SnapshotDelta, BadBlockSizesAreTypedErrors) {
  EXPECT_THROW((void)encode("a", "b", 1), DeltaError);
  EXPECT_THROW((void)encode("a", "b", kMaxBlockBytes + 1), DeltaError);
}

}  // namespace
}  // namespace amino::delta
