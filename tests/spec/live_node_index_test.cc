// The placement index (runtime/live_node_index.h) must give exactly what a scan of the live nodes in
// id order gives — the same nodes, in the same order — since placement draws a position in that list
// and a different list would move objects (and change seeded runs). Checked on seeded random nodes
// and selectors of every operator, including labels that "region" and "node" shadow.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/live_node_index.h"
#include "runtime/rng.h"

namespace amino {
namespace {

const std::vector<std::string> kKeys = {"region", "node", "tier", "zone", "name"};

std::string value_for(Rng& rng, const std::string& key) {
  if (key == "node") return "n" + std::to_string(rng.uniform_int(0, 60));
  return key.substr(0, 1) + std::to_string(rng.uniform_int(0, 4));
}

std::map<NodeId, NodeInfo> random_nodes(Rng& rng, int count) {
  std::map<NodeId, NodeInfo> nodes;
  for (int i = 0; i < count; ++i) {
    NodeInfo n;
    n.id = "n" + std::to_string(rng.uniform_int(0, 60));
    n.region = value_for(rng, "region");
    for (const auto& key : kKeys) {
      if (rng.chance(0.5)) n.labels[key] = value_for(rng, key);  // "region"/"node" entries are shadowed
    }
    n.alive = rng.chance(0.8);
    nodes[n.id] = n;
  }
  return nodes;
}

Requirement random_requirement(Rng& rng) {
  Requirement r;
  r.key = kKeys[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(kKeys.size()) - 1))];
  r.op = static_cast<Requirement::Op>(rng.uniform_int(0, 3));
  const auto values = rng.uniform_int(0, 3);
  for (std::int64_t i = 0; i < values; ++i) r.values.push_back(value_for(rng, r.key));
  return r;
}

NodeSelector random_selector(Rng& rng) {
  NodeSelector s;
  const auto terms = rng.uniform_int(0, 3);
  for (std::int64_t t = 0; t < terms; ++t) {
    std::vector<Requirement> term;
    const auto reqs = rng.uniform_int(1, 3);
    for (std::int64_t i = 0; i < reqs; ++i) term.push_back(random_requirement(rng));
    s.terms.push_back(term);
  }
  return s;
}

std::vector<NodeId> ids(const NodeCandidates& c) {
  std::vector<NodeId> out;
  for (std::size_t i = 0; i < c.size(); ++i) out.push_back(c[i].id);
  return out;
}

TEST(LiveNodeIndex, GivesWhatAScanOfTheLiveNodesGivesInIdOrder) {
  Rng rng(20261126);
  for (int round = 0; round < 300; ++round) {
    const std::map<NodeId, NodeInfo> nodes = random_nodes(rng, static_cast<int>(rng.uniform_int(0, 40)));
    std::vector<const NodeInfo*> live;
    for (const auto& [id, n] : nodes) {
      if (n.alive) live.push_back(&n);
    }
    LiveNodeIndex index;
    index.assign(live);
    for (int q = 0; q < 20; ++q) {
      std::vector<NodeSelector> selectors;
      const auto count = rng.uniform_int(0, 3);
      for (std::int64_t i = 0; i < count; ++i) selectors.push_back(random_selector(rng));
      std::vector<const NodeSelector*> all_of;
      for (const auto& s : selectors) all_of.push_back(&s);
      std::vector<NodeId> scan;
      for (const NodeInfo* n : live) {
        bool ok = true;
        for (const auto& s : selectors) ok = ok && s.matches(*n);
        if (ok) scan.push_back(n->id);
      }
      const NodeCandidates got = index.matching(all_of);
      ASSERT_EQ(ids(got), scan) << "round " << round << ", query " << q;
      for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got.position(got[i].id), i);
      EXPECT_EQ(got.position("absent"), got.size());
    }
  }
}

TEST(LiveNodeIndex, EmptyIndexHasNoCandidates) {
  LiveNodeIndex index;
  EXPECT_TRUE(index.matching({}).empty());
  NodeSelector s;
  s.terms = {{Requirement{"name", Requirement::Op::kEquals, {"ks1"}}}};
  EXPECT_TRUE(index.matching({&s}).empty());
}

}  // namespace
}  // namespace amino
