// Kernel servers as the OMS knows them, and Kubernetes-style node selectors over their labels.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/env.h"

namespace amino {

struct NodeInfo {
  NodeId id;
  std::string region = "default-region";
  std::map<std::string, std::string> labels;  // "region" is also visible here as a label
  bool alive = true;
  // The label value, treating "region" and "node" (the node id) as labels too.
  const std::string* label(const std::string& key) const;
};

// One requirement: key OP values. Operators as in Amino.Run PR #649.
struct Requirement {
  enum class Op { kEquals, kIn, kNotIn, kExists };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
  bool matches(const NodeInfo& n) const;
  std::string to_string() const;
};

// Terms are ORed; requirements within a term are ANDed. An empty selector matches every node.
struct NodeSelector {
  std::vector<std::vector<Requirement>> terms;
  bool empty() const { return terms.empty(); }
  bool matches(const NodeInfo& n) const;
  std::string to_string() const;
};

}  // namespace amino
