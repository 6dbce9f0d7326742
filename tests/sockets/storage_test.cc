// File-backed durable storage: buffered writes, durability on sync(), survival across nodes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/sockets/file_storage.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(SocketsStorage, SyncedWritesSurviveANewEnvOnTheSameDirectoryAndUnsyncedOnesDoNot) {
  TempDir dir;
  SocketsLoop loop;
  SocketsEnvOptions options;
  options.storage_dir = dir.path();
  {
    SocketsEnv first(loop, options);
    first.storage().put("stack/1", "spec one");
    first.storage().put("stack/2", "spec two");
    first.storage().sync();
    first.storage().put("stack/3", "never synced");
    first.storage().erase("stack/2");  // erased, but not synced: stack/2 stays on disk
    EXPECT_EQ(first.storage().get("stack/3"), "never synced");  // buffered writes are visible
    EXPECT_EQ(first.storage().get("stack/2"), std::nullopt);
    EXPECT_EQ(first.storage().keys("stack/"), (std::vector<std::string>{"stack/1", "stack/3"}));
    EXPECT_EQ(files_in(dir.path()), 2u);  // only the synced keys have files
  }
  SocketsEnv second(loop, options);
  EXPECT_EQ(second.storage().get("stack/1"), "spec one");
  EXPECT_EQ(second.storage().get("stack/2"), "spec two");
  EXPECT_EQ(second.storage().get("stack/3"), std::nullopt);
  EXPECT_EQ(second.storage().keys("stack/"), (std::vector<std::string>{"stack/1", "stack/2"}));
}

TEST(SocketsStorage, EraseBecomesDurableOnSync) {
  TempDir dir;
  {
    FileStorage storage(dir.path());
    storage.put("a", "1");
    storage.put("b", "2");
    storage.sync();
    storage.erase("a");
    storage.sync();
  }
  FileStorage reopened(dir.path());
  EXPECT_EQ(reopened.get("a"), std::nullopt);
  EXPECT_EQ(reopened.get("b"), "2");
  EXPECT_EQ(reopened.keys(""), (std::vector<std::string>{"b"}));
}

TEST(SocketsStorage, AnyKeyBytesAndValueBytesRoundTrip) {
  TempDir dir;
  const std::string odd_key = std::string("../slash/\0nul\xff", 14);
  const std::string binary_value = std::string("\0\1\2\xfe\xff", 5);
  {
    FileStorage storage(dir.path());
    storage.put(odd_key, binary_value);
    storage.put("overwritten", "old");
    storage.sync();
    storage.put("overwritten", "new");
    storage.sync();
  }
  FileStorage reopened(dir.path());
  EXPECT_EQ(reopened.get(odd_key), binary_value);
  EXPECT_EQ(reopened.get("overwritten"), "new");
  EXPECT_EQ(files_in(dir.path()), 2u);  // nothing escaped the directory, no temp files left
}

TEST(SocketsStorage, KeysFilterByPrefix) {
  TempDir dir;
  FileStorage storage(dir.path());
  storage.put("stack/1", "x");
  storage.put("meta/1", "y");
  storage.sync();
  storage.put("stack/2", "z");
  EXPECT_EQ(storage.keys("stack/"), (std::vector<std::string>{"stack/1", "stack/2"}));
  EXPECT_EQ(storage.keys("meta/"), (std::vector<std::string>{"meta/1"}));
  EXPECT_TRUE(storage.keys("none/").empty());
}

TEST(SocketsStorage, LeftoverTempFilesFromAnInterruptedSyncAreIgnoredAndRemoved) {
  TempDir dir;
  { std::ofstream(dir.path() / "6b.tmp") << "half written"; }  // "k" hex-encoded, mid-sync crash
  FileStorage storage(dir.path());
  EXPECT_EQ(storage.get("k"), std::nullopt);
  EXPECT_TRUE(storage.keys("").empty());
  EXPECT_EQ(files_in(dir.path()), 0u);
}

TEST(SocketsStorage, InvalidKeysAreRejected) {
  TempDir dir;
  FileStorage storage(dir.path());
  EXPECT_THROW(storage.put("", "v"), std::invalid_argument);
  EXPECT_THROW(storage.erase(""), std::invalid_argument);
  EXPECT_THROW(storage.put(std::string(121, 'k'), "v"), std::invalid_argument);
  EXPECT_EQ(storage.get(""), std::nullopt);
}

}  // namespace
}  // namespace amino::sockets::testing
