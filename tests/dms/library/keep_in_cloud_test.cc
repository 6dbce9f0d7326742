// KeepInCloud: the object lives on a node labelled as cloud.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

std::string spec(const std::string& config) {
  return "class: Counter\nargs: [5]\nnodeSelector: [{key: role, operator: notin, values: [client]}]\n"
         "dmList:\n  - name: KeepInCloud\n    config: " + config + "\n";
}

TEST(KeepInCloud, MovesTheObjectOntoACloudNode) {
  LibCluster c(2);
  for (int i = 0; i < 4; ++i) {
    Stub s = c.create(spec("{}"));
    const NodeId h = c.host(s);
    EXPECT_TRUE(h == "cloud1" || h == "cloud2") << "placed on " << h;
    EXPECT_EQ(c.call("client", s, "add", {Value(1)}).value.as_int(), 6);
  }
}

TEST(KeepInCloud, TheCloudLabelIsConfigurable) {
  LibCluster c(1);
  Stub s = c.create(spec("{labelKey: region, labelValue: region-3}"));
  EXPECT_EQ(c.host(s), "ks3");
}

TEST(KeepInCloud, WithNoCloudNodeTheObjectStaysUsable) {
  LibCluster c;
  Stub s = c.create(spec("{}"));
  const NodeId h = c.host(s);
  EXPECT_EQ(h.rfind("ks", 0), 0u) << h;
  EXPECT_EQ(c.call("client", s, "get").value.as_int(), 5);
}

}  // namespace
}  // namespace amino::testing
