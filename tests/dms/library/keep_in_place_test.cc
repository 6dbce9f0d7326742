// KeepInPlace: the object ends up on the node that created it.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

// The spec's selector makes the OMS place it on ks1 first; KeepInPlace must bring it home.
const char* kPlaced = R"(
class: Counter
args: [1]
nodeSelector: [{key: region, operator: =, values: [region-1]}]
dmList: [{name: KeepInPlace}]
)";

TEST(KeepInPlace, PinsTheObjectToItsCreator) {
  LibCluster c;
  Stub s = c.create(kPlaced, "client");
  EXPECT_EQ(c.host(s), "client");
  Reply where = c.call("client", s, "where");
  ASSERT_TRUE(where.ok()) << where.status.to_string();
  EXPECT_EQ(where.value.as_string(), "client");
}

TEST(KeepInPlace, EachCreatorKeepsItsOwn) {
  LibCluster c;
  Stub a = c.create(kPlaced, "ks2");
  Stub b = c.create(kPlaced, "ks3");
  EXPECT_EQ(c.host(a), "ks2");
  EXPECT_EQ(c.host(b), "ks3");
  EXPECT_EQ(c.call("client", a, "add", {Value(2)}).value.as_int(), 3);  // state intact after the move
}

TEST(KeepInPlace, WithoutItTheSelectorDecides) {
  LibCluster c;
  Stub s = c.create("class: Counter\nargs: [1]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n");
  EXPECT_EQ(c.host(s), "ks1");
}

}  // namespace
}  // namespace amino::testing
