// CodeOffloading: each method runs on whichever side measured faster, and re-probes the other.
#include <gtest/gtest.h>

#include <map>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

const char* kSpec = R"(
class: Workpad
dmList:
  - name: CodeOffloading
    config: {probeEvery: 10, probeIntervalMs: 0}
)";

// Runs `method` n times from the device; counts where each call ran.
std::map<std::string, int> run_many(LibCluster& c, const Stub& s, const std::string& method, double ops, int n) {
  std::map<std::string, int> where;
  for (int i = 0; i < n; ++i) {
    Reply r = c.call("client", s, method, {Value(ops)}, 30 * kSecond);
    EXPECT_TRUE(r.ok()) << r.status.to_string();
    if (r.ok()) ++where[r.value.as_string()];
  }
  return where;
}

TEST(CodeOffloading, HeavyWorkGoesToTheFasterCloud) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  // 1e8 ops: 2 s on the (20x slower) device, 0.1 s plus a few hops in the cloud.
  std::map<std::string, int> where = run_many(c, s, "crunch", 1e8, 30);
  EXPECT_GE(where["cloud1"], 26) << "device " << where["client"];
  EXPECT_GE(where["client"], 1);  // the first call measures the device
  EXPECT_LE(where["client"], 4);  // then only the periodic probes
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 30);
}

TEST(CodeOffloading, LightWorkStaysOnTheDevice) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  // 1e3 ops: 20 us on the device, less than one network hop to the cloud.
  std::map<std::string, int> where = run_many(c, s, "peek", 1e3, 30);
  EXPECT_GE(where["client"], 26) << "cloud " << where["cloud1"];
  EXPECT_GE(where["cloud1"], 1);  // it did measure the cloud
}

TEST(CodeOffloading, ChoicesArePerMethodAndStateStaysConsistent) {
  LibCluster c(1);
  Stub s = c.create(kSpec, "client");
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(c.call("client", s, "crunch", {Value(1e8)}, 30 * kSecond).ok());
    ASSERT_TRUE(c.call("client", s, "add", {Value(100)}).ok());
  }
  // Whichever side each ran on, every effect is in the device's state exactly once.
  EXPECT_EQ(c.call("client", s, "total").value.as_int(), 12 + 1200);
  EXPECT_EQ(c.call("client", s, "crunch", {Value(1e8)}, 30 * kSecond).value.as_string(), "cloud1");
}

}  // namespace
}  // namespace amino::testing
