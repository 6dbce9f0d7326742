// The checkpointing DMs' record and write path (dms/support_checkpoint.h): a damaged record is never
// taken for a checkpoint, and a crash at any storage operation of a write, with or without a torn
// record, leaves the previous checkpoint or the new one, never nothing.
#include <gtest/gtest.h>

#include "dms/support_checkpoint.h"
#include "runtime/memory_storage.h"

namespace amino::testing {
namespace {

using dms::checkpoint::decode;
using dms::checkpoint::encode;
using dms::checkpoint::Store;

const Value kState = ValueMap{{"total", Value(42)}, {"name", Value("ledger")}};

TEST(CheckpointRecord, RoundTrips) {
  auto r = decode(encode(7, kState));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->generation, 7u);
  EXPECT_EQ(r->state, kState);
}

TEST(CheckpointRecord, EveryTruncationIsRejected) {
  const std::string bytes = encode(3, kState);
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode(bytes.substr(0, n)).has_value()) << n;
}

TEST(CheckpointRecord, EverySingleBitFlipIsRejected) {
  const std::string bytes = encode(3, kState);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      EXPECT_FALSE(decode(flipped).has_value()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(CheckpointRecord, ForeignBytesAreRejected) {
  EXPECT_FALSE(decode("").has_value());
  EXPECT_FALSE(decode(std::string(64, '\0')).has_value());
  EXPECT_FALSE(decode(encode(1, kState) + "x").has_value());
}

TEST(CheckpointStore, SaveLoadAndOnlyTheNewestRecordStays) {
  MemoryStorage disk;
  Store store(disk, "ckpt/r1/");
  EXPECT_FALSE(store.load().has_value());
  EXPECT_EQ(store.save(Value(1)), 1u);
  EXPECT_EQ(store.save(Value(2)), 2u);
  EXPECT_EQ(store.save(Value(3)), 3u);
  EXPECT_EQ(disk.keys("ckpt/r1/"), std::vector<std::string>{store.key_of(3)});
  EXPECT_EQ(disk.unsynced_writes(), 0u);
  auto r = store.load();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->state, Value(3));
  // Another replica's records are not ours.
  Store other(disk, "ckpt/r10/");
  EXPECT_FALSE(other.load().has_value());
}

// A write of generation 2 over generation 1 is four storage operations that reach the disk: put,
// its sync, the erase of generation 1, its sync. Crash points 0..5 cover before, between and after
// each of them (a sync counts once per write it makes durable); each with and without the record
// being written torn at the crash.
TEST(CheckpointStore, ACrashAtEveryStepOfAWriteKeepsTheLastGoodCheckpoint) {
  for (std::size_t point = 0; point <= 5; ++point) {
    for (bool torn : {false, true}) {
      SCOPED_TRACE("crash point " + std::to_string(point) + (torn ? ", torn" : ""));
      MemoryStorage disk;
      Store store(disk, "ckpt/r1/");
      ASSERT_EQ(store.save(Value("old")), 1u);
      disk.arm_crash_point(point);
      if (torn) disk.arm_torn_write();
      ASSERT_EQ(store.save(Value("new")), 2u);
      (void)disk.crash(/*wipe_synced=*/false);
      std::vector<std::string> skipped;
      auto r = Store(disk, "ckpt/r1/").load(&skipped);
      ASSERT_TRUE(r.has_value());
      // The new record is durable once its sync has made it so (operation 2).
      EXPECT_EQ(r->state, Value(point >= 2 ? "new" : "old"));
      EXPECT_EQ(r->generation, point >= 2 ? 2u : 1u);
      // Torn at point 1 (put issued, not synced): half of the new record reached the disk and was skipped.
      EXPECT_EQ(skipped.size(), torn && point == 1 ? 1u : 0u);
      // The next write goes above whatever is on the disk (the torn record too) and cleans up.
      Store after(disk, "ckpt/r1/");
      const std::uint64_t next = after.save(Value("next"));
      EXPECT_EQ(next, point >= 2 || torn && point == 1 ? 3u : 2u);
      EXPECT_EQ(disk.keys("ckpt/r1/"), std::vector<std::string>{after.key_of(next)});
      EXPECT_EQ(after.load()->state, Value("next"));
    }
  }
}

TEST(MemoryStorageCrashPoint, UndoesEverythingAfterThePointEvenInsideASync) {
  MemoryStorage disk;
  disk.put("a", "1");
  disk.put("b", "1");
  disk.arm_crash_point(3);  // put c; then the sync makes a, b durable (ops 2, 3) before c
  disk.put("c", "1");
  disk.sync();
  disk.put("d", "1");
  disk.sync();
  (void)disk.crash(false);
  EXPECT_EQ(disk.keys(""), (std::vector<std::string>{"a", "b"}));
  // Disarmed by the crash: the next crash is ordinary.
  disk.put("e", "1");
  disk.sync();
  (void)disk.crash(false);
  EXPECT_EQ(disk.keys(""), (std::vector<std::string>{"a", "b", "e"}));
}

}  // namespace
}  // namespace amino::testing
