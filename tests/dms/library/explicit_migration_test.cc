// ExplicitMigration: migrateTo(node) moves the object; other calls are forwarded.
#include <gtest/gtest.h>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {
namespace {

const char* kSpec = R"(
class: Workpad
nodeSelector: [{key: region, operator: =, values: [region-1]}]
dmList: [{name: ExplicitMigration}]
)";

TEST(ExplicitMigration, MigrateToMovesTheObjectWithItsState) {
  LibCluster c;
  Stub s = c.create(kSpec);
  ASSERT_EQ(c.host(s), "ks1");
  ASSERT_EQ(c.call("client", s, "add", {Value(3)}).value.as_int(), 3);
  // The selector only constrains the first placement here; migrate within what it allows.
  Stub free_spec = c.create("class: Workpad\ndmList: [{name: ExplicitMigration}]\n");
  Reply moved = c.call("client", free_spec, "migrateTo", {Value("ks2")});
  ASSERT_TRUE(moved.ok()) << moved.status.to_string();
  EXPECT_EQ(c.host(free_spec), "ks2");
  EXPECT_EQ(c.call("client", free_spec, "where").value.as_string(), "ks2");
  ASSERT_TRUE(c.call("client", free_spec, "add", {Value(2)}).ok());
  ASSERT_TRUE(c.call("client", free_spec, "migrateTo", {Value("ks3")}).ok());
  EXPECT_EQ(c.call("client", free_spec, "where").value.as_string(), "ks3");
  EXPECT_EQ(c.call("client", free_spec, "total").value.as_int(), 2);
}

TEST(ExplicitMigration, RefusesTargetsOutsideTheSelectorOrNotAlive) {
  LibCluster c;
  Stub s = c.create(kSpec);
  Reply outside = c.call("client", s, "migrateTo", {Value("ks2")});
  EXPECT_EQ(outside.status.code, Code::kPlacement) << outside.status.to_string();
  Reply unknown = c.call("client", s, "migrateTo", {Value("ks9")});
  EXPECT_EQ(unknown.status.code, Code::kPlacement) << unknown.status.to_string();
  Reply bad = c.call("client", s, "migrateTo", {Value(7)});
  EXPECT_EQ(bad.status.code, Code::kBadArguments) << bad.status.to_string();
  EXPECT_EQ(c.host(s), "ks1");
}

TEST(ExplicitMigration, TheMethodNameIsConfigurable) {
  LibCluster c;
  Stub s = c.create("class: Workpad\ndmList: [{name: ExplicitMigration, config: {migrateMethod: setOffloaded}}]\n");
  // migrateTo is now an ordinary method: it reaches the object, which throws.
  EXPECT_EQ(c.call("client", s, "migrateTo", {Value("ks2")}).status.code, Code::kAppError);
}

}  // namespace
}  // namespace amino::testing
