// The dependency graph of the transactional checker (transactions.h): one node per transaction,
// typed edges (ww, wr, rw from the inference; process and realtime order from the history), each
// type with the reason it was added; Tarjan's strongly connected components without recursion;
// and the search for cycles of a kind inside a component.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace amino::check::txn {

// Edge types as bits; kOrder is the order of preference when an edge has several (a cycle is
// named by its strongest edges: ww before wr before rw before process before realtime).
enum EdgeBits : std::uint8_t { kWW = 1, kWR = 2, kRW = 4, kProcess = 8, kRealtime = 16 };
inline constexpr std::array<std::uint8_t, 5> kOrder{kWW, kWR, kRW, kProcess, kRealtime};
inline constexpr std::uint8_t kData = kWW | kWR | kRW;
const char* edge_name(std::uint8_t bit);

// Why an edge of one type exists: the key and the versions involved (interned ids; -1: none or
// the initial state), as the inference found them.
struct Why {
  int key = -1;
  int v1 = -1;
  int v2 = -1;
};

struct Edge {
  int to = 0;
  std::uint8_t types = 0;
  std::array<Why, 3> why{};  // for ww, wr, rw (order edges need no reason)
};

class DepGraph {
 public:
  explicit DepGraph(int nodes) : out_(static_cast<std::size_t>(nodes)), index_(static_cast<std::size_t>(nodes)) {}
  int size() const { return static_cast<int>(out_.size()); }
  // Adds type `bit` to from -> to (a self edge is ignored: a transaction's own order is internal);
  // the first reason given for a type is kept.
  void add(int from, int to, std::uint8_t bit, Why why = {});
  const std::vector<Edge>& out(int v) const { return out_[static_cast<std::size_t>(v)]; }
  const Edge* edge(int from, int to) const;
  std::size_t edges() const { return edges_; }

 private:
  std::vector<std::vector<Edge>> out_;
  std::vector<std::unordered_map<int, int>> index_;  // to -> position in out_[from]
  std::size_t edges_ = 0;
};

// Counts steps and polls the caller's clock; once exhausted, every search answers "not found".
class Budget {
 public:
  Budget(std::uint64_t max_steps, std::function<bool()> out_of_time)
      : max_(max_steps), out_of_time_(std::move(out_of_time)) {}
  bool spend(std::uint64_t n = 1);  // false once exhausted
  bool exhausted() const { return exhausted_; }

 private:
  std::uint64_t steps_ = 0, max_;
  std::uint64_t next_poll_ = 0;
  std::function<bool()> out_of_time_;
  bool exhausted_ = false;
};

// The strongly connected components with more than one node of the subgraph of edges with a type
// in `mask`, restricted to `nodes` (all nodes when null). Iterative: no recursion depth to blow.
std::vector<std::vector<int>> components(const DepGraph& g, std::uint8_t mask, const std::vector<int>* nodes = nullptr);

// One step of a cycle: from -> to by an edge of type `type` (one bit).
struct Step {
  int from = 0, to = 0;
  std::uint8_t type = 0;
};
using Cycle = std::vector<Step>;

// Searches inside the component `nodes` (nodes in any order).
class CycleSearch {
 public:
  CycleSearch(const DepGraph& g, const std::vector<int>& nodes, Budget& budget);
  // A shortest cycle using edges of `mask` that contains an edge with a type in `required` (taken
  // as that type), if there is one.
  std::optional<Cycle> through(std::uint8_t mask, std::uint8_t required);
  // A shortest cycle of exactly one edge of type `single` (one bit), the others of `rest`.
  std::optional<Cycle> with_one(std::uint8_t single, std::uint8_t rest);
  // A shortest cycle with at least one rw edge and no two rw edges adjacent (G-single or
  // G-nonadjacent), the others of `rest`: a search over (node, was the last edge rw).
  std::optional<Cycle> nonadjacent(std::uint8_t rest);

 private:
  // Shortest path from -> to over `mask` inside the component; empty optional if none.
  std::optional<Cycle> path(int from, int to, std::uint8_t mask);
  const DepGraph& g_;
  const std::vector<int>& nodes_;
  Budget& budget_;
  std::unordered_map<int, int> local_;  // node -> its position in nodes_
};

// The type a cycle's edge is taken as: its preferred type within `mask`.
std::uint8_t preferred(std::uint8_t types, std::uint8_t mask);

}  // namespace amino::check::txn
