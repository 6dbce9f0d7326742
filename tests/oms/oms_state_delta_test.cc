// The OMS's replicated state changes (replicated_oms/oms_state_delta.h): applying the delta of
// (a, b) to a gives b, and a malformed command changes nothing.
#include "replicated_oms/oms_state_delta.h"

#include <gtest/gtest.h>

namespace amino::replicated_oms {
namespace {

Value state(std::int64_t next, ValueMap ms, ValueMap nodes) {
  return ValueMap{{"meta", ValueMap{{"next_id", next}}}, {"ms", std::move(ms)}, {"nodes", std::move(nodes)}};
}

TEST(OmsStateDelta, ApplyingTheDeltaGivesTheTarget) {
  const Value a = state(5, {{"ms1", ValueMap{{"refs", 1}}}, {"ms2", ValueMap{{"refs", 2}}}}, {{"ks1", 1}});
  const Value b = state(9, {{"ms1", ValueMap{{"refs", 3}}}, {"ms4", ValueMap{{"refs", 1}}}}, {});
  Value x = a;
  const Value d = state_delta(a, b);
  EXPECT_FALSE(delta_empty(d));
  apply_delta(x, d);
  // Removing the last node leaves an empty section: the same records, which is what counts.
  EXPECT_EQ(x.at("ms"), b.at("ms"));
  EXPECT_EQ(x.at("meta"), b.at("meta"));
  EXPECT_TRUE(x.at("nodes").as_map().empty());
  // Only what changed travels.
  EXPECT_EQ(d.at("set").at("ms").as_map().count("ms2"), 0u);
  EXPECT_EQ(d.at("del").at("ms").as_list(), (ValueList{Value("ms2")}));
}

TEST(OmsStateDelta, NoChangeIsAnEmptyDelta) {
  const Value a = state(5, {{"ms1", ValueMap{{"refs", 1}}}}, {});
  EXPECT_TRUE(delta_empty(state_delta(a, a)));
  EXPECT_TRUE(delta_empty(state_delta(Value(), ValueMap{})));
  Value x = a;
  apply_delta(x, state_delta(a, a));
  EXPECT_EQ(x, a);
}

TEST(OmsStateDelta, FromNothingToAState) {
  const Value b = state(3, {{"ms1", ValueMap{{"refs", 1}}}}, {{"ks1", ValueMap{{"incarnation", 7}}}});
  Value x = ValueMap{};
  apply_delta(x, state_delta(ValueMap{}, b));
  EXPECT_EQ(x, b);
}

TEST(OmsStateDelta, MalformedDeltaIsRejectedAndChangesNothing) {
  const Value a = state(5, {{"ms1", ValueMap{{"refs", 1}}}}, {});
  Value x = a;
  // "set" fine, "del" naming a key that is not a string: nothing may be applied.
  const Value bad = ValueMap{{"set", ValueMap{{"ms", ValueMap{{"ms9", 1}}}}}, {"del", ValueMap{{"ms", ValueList{Value(3)}}}}};
  EXPECT_ANY_THROW(apply_delta(x, bad));
  EXPECT_EQ(x, a);
  EXPECT_ANY_THROW(apply_delta(x, Value(ValueMap{{"set", 1}})));
  EXPECT_EQ(x, a);
}

}  // namespace
}  // namespace amino::replicated_oms
