// WriteThroughCaching: writes go through the server; reads come from the local copy.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config) {
  return "class: Counter\nargs: [1]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n"
         "dmList:\n  - name: WriteThroughCaching\n    config: " + config + "\n";
}

TEST(WriteThroughCaching, ReadsDoNotHitTheServer) {
  LibCluster c;
  Stub s = c.create(spec("{refreshMs: 0}"));
  EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 2);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.call("client", s, "get").value.as_int(), 2);
  EXPECT_EQ(c.metrics(s).at("client").calls, 1u) << "reads reached the server";
}

TEST(WriteThroughCaching, ReadsAreStaleForAtMostRefreshMs) {
  LibCluster c;
  Stub s = c.create(spec("{refreshMs: 500}"));
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);
  Stub other = c.acquire_on("ks2", s.id());
  EXPECT_EQ(c.call("ks2", other, "add", {Value(10)}).value.as_int(), 11);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);  // the copy is young: stale read
  EXPECT_EQ(c.call("ks2", other, "get").value.as_int(), 11);  // the writer reads its own write
  c.world().run_for(600 * kMillisecond);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 11);
}

TEST(WriteThroughCaching, AWriterReadsItsOwnWriteFromItsYoungCopy) {
  LibCluster c;
  Stub s = c.create(spec("{refreshMs: 10000}"));
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 1);  // the copy: young for 10 s
  EXPECT_EQ(c.call("client", s, "add", {Value(2)}).value.as_int(), 3);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 3) << "the write did not refresh the writer's copy";
}

TEST(WriteThroughCaching, WritesAreSerializedAtTheServer) {
  LibCluster c;
  Stub s = c.create(spec("{}"));
  Stub other = c.acquire_on("ks2", s.id());
  EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 2);
  EXPECT_EQ(c.call("ks2", other, "add", {Value(1)}).value.as_int(), 3);
  EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 4);
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 4);
}

TEST(WriteThroughCaching, ServesTheLastCopyWhileTheServerIsDown) {
  LibCluster c;
  Stub s = c.create(spec("{refreshMs: 100}"));
  EXPECT_EQ(c.call("client", s, "add", {Value(4)}).value.as_int(), 5);
  c.world().crash("ks1");
  c.world().run_for(200 * kMillisecond);
  Reply r = c.call("client", s, "get", {}, kSecond);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_int(), 5);
  EXPECT_FALSE(c.call("client", s, "add", {Value(1)}, kSecond).ok());
}

}  // namespace
}  // namespace amino::testing
