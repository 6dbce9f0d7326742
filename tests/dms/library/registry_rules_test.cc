// The library's registrations: every DM is known with its config schema, and the compatibility
// table (categories and forbidden pairs) rejects the chains that cannot work.
#include <gtest/gtest.h>

#include "dms/all.h"
#include "runtime/spec.h"

namespace amino::testing {
namespace {

std::optional<std::string> check(const std::vector<std::string>& chain) { return dms::builtin().check_chain(chain); }

TEST(LibraryRegistry, EveryLibraryDmIsRegistered) {
  for (const char* name : {"AtLeastOnceRPC", "Immutable", "KeepInPlace", "KeepInCloud", "KeepOnDevice", "LeaseCaching",
                           "WriteThroughCaching", "SerializableRPC", "ExplicitMigration", "DynamicMigration",
                           "ExplicitCodeOffloading", "CodeOffloading"}) {
    const DmDescriptor* d = dms::builtin().find(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_TRUE(d->make_client && d->make_server && d->make_group) << name;
  }
}

TEST(LibraryRegistry, PlacementDmsAreMutuallyExclusive) {
  EXPECT_TRUE(check({"KeepInPlace", "KeepInCloud"}).has_value());
  EXPECT_TRUE(check({"KeepOnDevice", "DynamicMigration"}).has_value());
  EXPECT_TRUE(check({"ExplicitMigration", "KeepInPlace"}).has_value());
  EXPECT_TRUE(check({"CodeOffloading", "KeepInCloud"}).has_value());
  EXPECT_FALSE(check({"AtLeastOnceRPC", "KeepInCloud"}).has_value());
}

TEST(LibraryRegistry, CachesExcludeEachOtherAndOffloading) {
  EXPECT_TRUE(check({"LeaseCaching", "WriteThroughCaching"}).has_value());
  auto why = check({"WriteThroughCaching", "CodeOffloading"});
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("local copy"), std::string::npos) << *why;
  EXPECT_TRUE(check({"ExplicitCodeOffloading", "Immutable"}).has_value());
  EXPECT_FALSE(check({"AtLeastOnceRPC", "LeaseCaching"}).has_value());
  EXPECT_FALSE(check({"SerializableRPC", "DynamicMigration"}).has_value());
}

TEST(LibraryRegistry, ConfigsAreTypedAndDefaulted) {
  MicroServiceSpec spec = parse_spec(
      "class: Counter\ndmList:\n  - name: AtLeastOnceRPC\n    config: {timeoutMs: 500}\n"
      "  - name: ExplicitCodeOffloading\n    config: {offloadMethods: [a, b]}\n",
      dms::builtin());
  EXPECT_EQ(spec.dms[0].config.at("timeoutMs").as_int(), 500);
  EXPECT_EQ(spec.dms[0].config.at("multiplier").as_double(), 2.0);
  EXPECT_EQ(spec.dms[1].config.at("offloadMethods").as_list().size(), 2u);
  EXPECT_EQ(spec.dms[1].config.at("cloudLabelKey").as_string(), "tier");
  EXPECT_THROW(parse_spec("class: Counter\ndmList: [{name: LeaseCaching, config: {leaseMs: soon}}]\n", dms::builtin()),
               SpecError);
}

}  // namespace
}  // namespace amino::testing
