#include "testbed/partitions.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace amino::testbed {

namespace {

void cut_both_ways(const Group& a, const Group& b, std::vector<DirectedPair>& out) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      out.emplace_back(x, y);
      out.emplace_back(y, x);
    }
  }
}

void require_distinct(const Group& nodes, std::size_t min_size, const char* what) {
  if (nodes.size() < min_size) {
    throw std::invalid_argument(std::string(what) + " partition needs at least " + std::to_string(min_size) +
                                " nodes");
  }
  if (std::string err = check_groups({nodes}); !err.empty()) throw std::invalid_argument(err);
}

}  // namespace

std::string check_groups(const std::vector<Group>& groups) {
  std::set<NodeId> seen;
  for (const auto& g : groups) {
    if (g.empty()) return "partition group is empty";
    for (const auto& n : g) {
      if (!seen.insert(n).second) return "node " + n + " appears twice in a partition (partitioned from itself)";
    }
  }
  return {};
}

std::vector<DirectedPair> full_partition(const std::vector<Group>& groups) {
  if (std::string err = check_groups(groups); !err.empty()) throw std::invalid_argument(err);
  std::vector<DirectedPair> out;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (std::size_t j = i + 1; j < groups.size(); ++j) cut_both_ways(groups[i], groups[j], out);
  }
  return out;
}

std::vector<DirectedPair> one_way_partition(const Group& from, const Group& to) {
  if (std::string err = check_groups({from, to}); !err.empty()) throw std::invalid_argument(err);
  std::vector<DirectedPair> out;
  for (const auto& x : from) {
    for (const auto& y : to) out.emplace_back(x, y);
  }
  return out;
}

std::vector<DirectedPair> bridge_partition(const Group& nodes) {
  require_distinct(nodes, 3, "bridge");
  const std::size_t mid = nodes.size() / 2;
  const Group left(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(mid));
  const Group right(nodes.begin() + static_cast<std::ptrdiff_t>(mid) + 1, nodes.end());
  std::vector<DirectedPair> out;
  cut_both_ways(left, right, out);
  return out;
}

std::vector<DirectedPair> majorities_ring_partition(const Group& nodes) {
  require_distinct(nodes, 3, "majorities-ring");
  const std::size_t n = nodes.size();
  const std::size_t majority = n / 2 + 1;
  const std::size_t radius = majority / 2;  // 2 * radius + 1 >= majority
  std::vector<DirectedPair> out;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t d = i > j ? i - j : j - i;
      const std::size_t ring = std::min(d, n - d);
      if (ring > radius) out.emplace_back(nodes[i], nodes[j]);
    }
  }
  return out;
}

}  // namespace amino::testbed
