// ExplicitCodeOffloading: marked methods run on the cloud replica, the rest on the device; the
// state stays consistent across sides and survives the cloud replica's loss.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

const char* kSpec = R"(
class: Workpad
dmList:
  - name: ExplicitCodeOffloading
    config: {offloadMethods: [crunch], cloudRetryMs: 1000}
)";

TEST(ExplicitCodeOffloading, MarkedMethodsRunInTheCloudWithTheDevicesState) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  EXPECT_EQ(c.host(s), "client");  // the device replica lives on the creator
  ASSERT_EQ(c.oms().stacks_of(s.id()).size(), 2u);
  ASSERT_EQ(c.call("client", s, "add", {Value(10)}).value.as_int(), 10);         // on the device
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e6)}).value.as_string(), "cloud1");
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 11);  // the cloud's effect came home
  EXPECT_EQ(c.call("client", s, "where").value.as_string(), "client");
  ASSERT_EQ(c.call("client", s, "add", {Value(100)}).value.as_int(), 111);
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e6)}).value.as_string(), "cloud1");
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 112);  // the cloud saw the device's add
}

TEST(ExplicitCodeOffloading, TheSwitchMethodChangesWhereCallsRun) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  ASSERT_TRUE(c.call("client", s, "setOffloaded", {Value("crunch"), Value(false)}).ok());
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e6)}).value.as_string(), "client");
  ASSERT_TRUE(c.call("client", s, "setOffloaded", {Value("*"), Value(true)}).ok());
  EXPECT_EQ(c.call("client", s, "peek", {Value(1e6)}).value.as_string(), "cloud1");
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e6)}).value.as_string(), "cloud1");
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 2);
}

TEST(ExplicitCodeOffloading, LosingTheCloudFallsBackToTheDevice) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e6)}).value.as_string(), "cloud1");
  c.world().crash("cloud1");
  Reply r = c.call("client", s, "crunch", {Value(1e6)}, 10 * kSecond);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value.as_string(), "client");
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 2);  // no effect lost or doubled
}

}  // namespace
}  // namespace amino::testing
