// NodeSelector semantics (terms ORed, requirements ANDed), exercised through parsed specs so the
// YAML forms and the matcher are checked together.
#include "tests/spec/test_registry.h"

namespace amino {
namespace {

NodeInfo node(std::string id, std::string region, std::map<std::string, std::string> labels = {}) {
  NodeInfo n;
  n.id = std::move(id);
  n.region = std::move(region);
  n.labels = std::move(labels);
  return n;
}

NodeSelector selector(const std::string& yaml_selector) {
  return parse_spec("class: A\nnodeSelector: " + yaml_selector + "\n", testing::test_registry()).selector;
}

const NodeInfo kCloudGold = node("c1", "cloud", {{"tier", "gold"}});
const NodeInfo kCloudPlain = node("c2", "cloud");
const NodeInfo kEdgeSilver = node("e1", "edge", {{"tier", "silver"}});

TEST(NodeSelector, EmptyMatchesEveryNode) {
  NodeSelector s = selector("[]");
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.matches(kEdgeSilver));
}

TEST(NodeSelector, EqualsComparesOneValue) {
  NodeSelector s = selector("[{key: tier, operator: '=', values: [gold]}]");
  EXPECT_TRUE(s.matches(kCloudGold));
  EXPECT_FALSE(s.matches(kEdgeSilver));
  EXPECT_FALSE(s.matches(kCloudPlain));  // label absent
  EXPECT_TRUE(selector("[{key: node, operator: '==', values: [e1]}]").matches(kEdgeSilver));
}

TEST(NodeSelector, InAndNotIn) {
  NodeSelector in = selector("[{key: region, operator: in, values: [cloud, lab]}]");
  EXPECT_TRUE(in.matches(kCloudPlain));
  EXPECT_FALSE(in.matches(kEdgeSilver));
  NodeSelector notin = selector("[{key: tier, operator: notin, values: [gold]}]");
  EXPECT_FALSE(notin.matches(kCloudGold));
  EXPECT_TRUE(notin.matches(kEdgeSilver));
  EXPECT_TRUE(notin.matches(kCloudPlain));  // an absent label is not in any set
}

TEST(NodeSelector, Exists) {
  NodeSelector s = selector("[{key: tier, operator: exists}]");
  EXPECT_TRUE(s.matches(kCloudGold));
  EXPECT_FALSE(s.matches(kCloudPlain));
}

TEST(NodeSelector, RequirementsInATermAreAnded) {
  NodeSelector s = selector("[{key: region, operator: in, values: [cloud]}, {key: tier, operator: exists}]");
  ASSERT_EQ(s.terms.size(), 1u);
  EXPECT_TRUE(s.matches(kCloudGold));
  EXPECT_FALSE(s.matches(kCloudPlain));
  EXPECT_FALSE(s.matches(kEdgeSilver));
}

TEST(NodeSelector, TermsAreOred) {
  NodeSelector s = selector(
      "[[{key: region, operator: in, values: [cloud]}, {key: tier, operator: exists}],"
      " [{key: tier, operator: '=', values: [silver]}]]");
  ASSERT_EQ(s.terms.size(), 2u);
  EXPECT_TRUE(s.matches(kCloudGold));    // first term
  EXPECT_TRUE(s.matches(kEdgeSilver));   // second term
  EXPECT_FALSE(s.matches(kCloudPlain));  // neither
}

}  // namespace
}  // namespace amino
