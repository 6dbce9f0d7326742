// DmRegistry: registration, lookup, and the chain rules consulted when a spec is loaded; plus the
// Value encodings of ReplicaRef and Metrics that dm_registry.cc also provides.
#include <stdexcept>

#include "tests/spec/test_registry.h"

namespace amino {
namespace {

using testing::describe;
using testing::test_registry;

TEST(DmRegistry, FindsRegisteredDmsAndListsNamesSorted) {
  DmRegistry r = test_registry();
  ASSERT_NE(r.find("ConsensusRSM"), nullptr);
  EXPECT_EQ(r.find("ConsensusRSM")->config.size(), 5u);
  EXPECT_EQ(r.find("NoSuchDM"), nullptr);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"AtLeastOnceRPC", "ConsensusRSM", "DefaultDM", "KeepInCloud",
                                                 "KeepOnDevice"}));
}

TEST(DmRegistry, RejectsDuplicateRegistration) {
  DmRegistry r = test_registry();
  EXPECT_THROW(r.add(describe("KeepInCloud")), std::invalid_argument);
  EXPECT_THROW(r.add(describe("")), std::invalid_argument);
}

TEST(DmRegistry, AcceptsValidChains) {
  DmRegistry r = test_registry();
  EXPECT_EQ(r.check_chain({}), std::nullopt);
  EXPECT_EQ(r.check_chain({"DefaultDM"}), std::nullopt);
  EXPECT_EQ(r.check_chain({"AtLeastOnceRPC", "KeepInCloud", "ConsensusRSM"}), std::nullopt);
}

TEST(DmRegistry, RejectsUnknownDm) {
  auto reason = test_registry().check_chain({"AtLeastOnceRPC", "Teleport"});
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("unknown DM 'Teleport'"), std::string::npos) << *reason;
}

TEST(DmRegistry, RejectsDmListedTwice) {
  auto reason = test_registry().check_chain({"AtLeastOnceRPC", "KeepInCloud", "AtLeastOnceRPC"});
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "DM 'AtLeastOnceRPC' is listed twice");
}

TEST(DmRegistry, RejectsTwoDmsOfOneCategory) {
  auto reason = test_registry().check_chain({"KeepInCloud", "AtLeastOnceRPC", "KeepOnDevice"});
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "KeepInCloud and KeepOnDevice are both placement DMs: mutually exclusive");
}

TEST(DmRegistry, ForbidMatchesOuterAnywhereBeforeInnerButNotAfter) {
  DmRegistry r = test_registry();
  auto reason = r.check_chain({"ConsensusRSM", "KeepInCloud", "AtLeastOnceRPC"});
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("LeaderException"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("ConsensusRSM may not be listed before AtLeastOnceRPC"), std::string::npos)
      << *reason;
  EXPECT_EQ(r.check_chain({"AtLeastOnceRPC", "ConsensusRSM"}), std::nullopt);
}

TEST(DmRegistry, WildcardOuterMakesInnerOutermostOnly) {
  DmRegistry r = test_registry();
  r.forbid("*", "KeepOnDevice", "placement must be decided by the outermost group");
  EXPECT_EQ(r.check_chain({"KeepOnDevice", "AtLeastOnceRPC"}), std::nullopt);
  auto reason = r.check_chain({"DefaultDM", "AtLeastOnceRPC", "KeepOnDevice"});
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("outermost group"), std::string::npos) << *reason;
}

TEST(DmRegistry, WildcardInnerMakesOuterInnermostOnly) {
  DmRegistry r = test_registry();
  r.forbid("KeepInCloud", "*", "nothing may wrap below it");
  EXPECT_EQ(r.check_chain({"AtLeastOnceRPC", "KeepInCloud"}), std::nullopt);
  EXPECT_TRUE(r.check_chain({"KeepInCloud", "DefaultDM"}));
}

TEST(ReplicaRef, RoundTripsThroughValue) {
  ReplicaRef ref{"r7", "g2", "node-3", 42, "g9"};
  Value v = ref.to_value();
  EXPECT_EQ(v.at("rid").as_string(), "r7");
  EXPECT_EQ(v.at("oid").as_int(), 42);
  ReplicaRef back = ReplicaRef::from_value(v);
  EXPECT_EQ(back.rid, "r7");
  EXPECT_EQ(back.gid, "g2");
  EXPECT_EQ(back.node, "node-3");
  EXPECT_EQ(back.oid, 42u);
  EXPECT_EQ(back.child_gid, "g9");
  EXPECT_FALSE(back.physical());
  EXPECT_TRUE(ReplicaRef::from_value(ReplicaRef{}.to_value()).physical());
  EXPECT_FALSE(ReplicaRef::from_value(ReplicaRef{}.to_value()).valid());
}

TEST(ReplicaRef, FromValueRejectsMissingFields) {
  EXPECT_THROW(ReplicaRef::from_value(ValueMap{{"rid", "r1"}}), SystemError);
}

TEST(Metrics, RoundTripThroughValue) {
  Metrics m;
  m["n1"] = CallerMetrics{3, 1'500'000'000'000, 10, 20};
  m["n2/obj"] = CallerMetrics{1, 7, 0, 4096};
  Value v = metrics_to_value(m);
  EXPECT_EQ(v.at("n1").at("total_ns").as_int(), 1'500'000'000'000);
  Metrics back = metrics_from_value(v);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back["n1"].calls, 3u);
  EXPECT_EQ(back["n1"].bytes_out, 20u);
  EXPECT_EQ(back["n2/obj"].total_ns, 7);
  EXPECT_EQ(back["n2/obj"].bytes_out, 4096u);
  EXPECT_TRUE(metrics_from_value(metrics_to_value({})).empty());
}

}  // namespace
}  // namespace amino
