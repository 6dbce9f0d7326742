#include "testbed/check/txn_graph.h"

#include <algorithm>

namespace amino::check::txn {

const char* edge_name(std::uint8_t bit) {
  switch (bit) {
    case kWW: return "ww";
    case kWR: return "wr";
    case kRW: return "rw";
    case kProcess: return "process";
    case kRealtime: return "realtime";
  }
  return "?";
}

std::uint8_t preferred(std::uint8_t types, std::uint8_t mask) {
  for (std::uint8_t bit : kOrder) {
    if (types & mask & bit) return bit;
  }
  return 0;
}

void DepGraph::add(int from, int to, std::uint8_t bit, Why why) {
  if (from == to) return;
  auto& index = index_[static_cast<std::size_t>(from)];
  auto& out = out_[static_cast<std::size_t>(from)];
  auto [it, fresh] = index.emplace(to, static_cast<int>(out.size()));
  if (fresh) {
    out.push_back(Edge{to, 0, {}});
    ++edges_;
  }
  Edge& e = out[static_cast<std::size_t>(it->second)];
  if (e.types & bit) return;
  e.types |= bit;
  if (bit == kWW) e.why[0] = why;
  if (bit == kWR) e.why[1] = why;
  if (bit == kRW) e.why[2] = why;
}

const Edge* DepGraph::edge(int from, int to) const {
  const auto& index = index_[static_cast<std::size_t>(from)];
  auto it = index.find(to);
  return it == index.end() ? nullptr : &out_[static_cast<std::size_t>(from)][static_cast<std::size_t>(it->second)];
}

bool Budget::spend(std::uint64_t n) {
  if (exhausted_) return false;
  steps_ += n;
  if (steps_ > max_) exhausted_ = true;
  if (!exhausted_ && out_of_time_ && steps_ >= next_poll_) {
    next_poll_ = steps_ + 4096;
    if (out_of_time_()) exhausted_ = true;
  }
  return !exhausted_;
}

std::vector<std::vector<int>> components(const DepGraph& g, std::uint8_t mask, const std::vector<int>* nodes) {
  // Local numbering: position in `nodes`, or the node itself.
  std::unordered_map<int, int> local;
  const int n = nodes ? static_cast<int>(nodes->size()) : g.size();
  if (nodes) {
    local.reserve(nodes->size());
    for (int i = 0; i < n; ++i) local.emplace((*nodes)[static_cast<std::size_t>(i)], i);
  }
  auto node_of = [&](int i) { return nodes ? (*nodes)[static_cast<std::size_t>(i)] : i; };
  auto local_of = [&](int v) -> int {
    if (!nodes) return v;
    auto it = local.find(v);
    return it == local.end() ? -1 : it->second;
  };
  std::vector<int> index(static_cast<std::size_t>(n), -1), low(static_cast<std::size_t>(n), 0);
  std::vector<char> on_stack(static_cast<std::size_t>(n), 0);
  std::vector<int> stack;
  struct Frame {
    int v;
    std::size_t next;
  };
  std::vector<Frame> frames;
  std::vector<std::vector<int>> out;
  int counter = 0;
  auto visit = [&](int v) {
    index[static_cast<std::size_t>(v)] = low[static_cast<std::size_t>(v)] = counter++;
    stack.push_back(v);
    on_stack[static_cast<std::size_t>(v)] = 1;
    frames.push_back({v, 0});
  };
  for (int s = 0; s < n; ++s) {
    if (index[static_cast<std::size_t>(s)] >= 0) continue;
    visit(s);
    while (!frames.empty()) {
      Frame& f = frames.back();
      const int v = f.v;
      const auto& es = g.out(node_of(v));
      if (f.next < es.size()) {
        const Edge& e = es[f.next++];
        if (!(e.types & mask)) continue;
        const int w = local_of(e.to);
        if (w < 0) continue;
        if (index[static_cast<std::size_t>(w)] < 0) {
          visit(w);
        } else if (on_stack[static_cast<std::size_t>(w)]) {
          low[static_cast<std::size_t>(v)] = std::min(low[static_cast<std::size_t>(v)], index[static_cast<std::size_t>(w)]);
        }
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) {
        const int u = frames.back().v;
        low[static_cast<std::size_t>(u)] = std::min(low[static_cast<std::size_t>(u)], low[static_cast<std::size_t>(v)]);
      }
      if (low[static_cast<std::size_t>(v)] == index[static_cast<std::size_t>(v)]) {
        std::vector<int> comp;
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[static_cast<std::size_t>(w)] = 0;
          comp.push_back(node_of(w));
        } while (w != v);
        if (comp.size() > 1) {
          std::sort(comp.begin(), comp.end());
          out.push_back(std::move(comp));
        }
      }
    }
  }
  return out;
}

CycleSearch::CycleSearch(const DepGraph& g, const std::vector<int>& nodes, Budget& budget)
    : g_(g), nodes_(nodes), budget_(budget) {
  local_.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) local_.emplace(nodes[i], static_cast<int>(i));
}

namespace {

// Breadth-first search state over a component's local numbering.
struct Tree {
  std::vector<int> prev;  // local index of the predecessor; -2 unvisited, -1 the root
  std::vector<std::uint8_t> type;
};

}  // namespace

std::optional<Cycle> CycleSearch::path(int from, int to, std::uint8_t mask) {
  const std::size_t n = nodes_.size();
  Tree t{std::vector<int>(n, -2), std::vector<std::uint8_t>(n, 0)};
  const int root = local_.at(from), goal = local_.at(to);
  std::vector<int> queue{root};
  t.prev[static_cast<std::size_t>(root)] = -1;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int u = queue[head];
    if (u == goal) break;
    const auto& es = g_.out(nodes_[static_cast<std::size_t>(u)]);
    if (!budget_.spend(es.size() + 1)) return std::nullopt;
    for (const Edge& e : es) {
      if (!(e.types & mask)) continue;
      auto it = local_.find(e.to);
      if (it == local_.end() || t.prev[static_cast<std::size_t>(it->second)] != -2) continue;
      t.prev[static_cast<std::size_t>(it->second)] = u;
      t.type[static_cast<std::size_t>(it->second)] = preferred(e.types, mask);
      queue.push_back(it->second);
    }
  }
  if (t.prev[static_cast<std::size_t>(goal)] == -2) return std::nullopt;
  Cycle steps;
  for (int v = goal; v != root; v = t.prev[static_cast<std::size_t>(v)]) {
    const int u = t.prev[static_cast<std::size_t>(v)];
    steps.push_back({nodes_[static_cast<std::size_t>(u)], nodes_[static_cast<std::size_t>(v)], t.type[static_cast<std::size_t>(v)]});
  }
  std::reverse(steps.begin(), steps.end());
  return steps;
}

std::optional<Cycle> CycleSearch::through(std::uint8_t mask, std::uint8_t required) {
  // A cycle over `mask` through an edge a -> b exists iff a and b share a component of that
  // subgraph; then the shortest way back from b to a closes it.
  for (const auto& sub : components(g_, mask, &nodes_)) {
    if (!budget_.spend(sub.size())) return std::nullopt;
    const std::unordered_map<int, int> in_sub = [&] {
      std::unordered_map<int, int> m;
      for (int v : sub) m.emplace(v, 1);
      return m;
    }();
    for (int a : sub) {
      for (const Edge& e : g_.out(a)) {
        if (!(e.types & mask & required) || !in_sub.count(e.to)) continue;
        auto back = path(e.to, a, mask);
        if (!back) {
          if (budget_.exhausted()) return std::nullopt;
          continue;
        }
        Cycle c{{a, e.to, preferred(e.types, mask)}};
        c.insert(c.end(), back->begin(), back->end());
        return c;
      }
    }
  }
  return std::nullopt;
}

std::optional<Cycle> CycleSearch::with_one(std::uint8_t single, std::uint8_t rest) {
  // Edges a -> b taken as `single` (no `rest` type on them), grouped by b: one search from each b
  // over `rest` answers every a at once.
  std::unordered_map<int, std::vector<int>> sources;  // b -> the a's
  std::vector<int> targets;
  for (int a : nodes_) {
    for (const Edge& e : g_.out(a)) {
      if (preferred(e.types, single | rest) != single || !local_.count(e.to)) continue;
      auto [it, fresh] = sources.try_emplace(e.to);
      if (fresh) targets.push_back(e.to);
      it->second.push_back(a);
    }
  }
  const std::size_t n = nodes_.size();
  std::optional<Cycle> best;
  for (int b : targets) {
    Tree t{std::vector<int>(n, -2), std::vector<std::uint8_t>(n, 0)};
    const int root = local_.at(b);
    std::vector<int> queue{root};
    t.prev[static_cast<std::size_t>(root)] = -1;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const auto& es = g_.out(nodes_[static_cast<std::size_t>(queue[head])]);
      if (!budget_.spend(es.size() + 1)) return best;
      for (const Edge& e : es) {
        if (!(e.types & rest)) continue;
        auto it = local_.find(e.to);
        if (it == local_.end() || t.prev[static_cast<std::size_t>(it->second)] != -2) continue;
        t.prev[static_cast<std::size_t>(it->second)] = queue[head];
        t.type[static_cast<std::size_t>(it->second)] = preferred(e.types, rest);
        queue.push_back(it->second);
      }
    }
    for (int a : sources[b]) {
      const int goal = local_.at(a);
      if (t.prev[static_cast<std::size_t>(goal)] == -2) continue;
      Cycle back;
      for (int v = goal; v != root; v = t.prev[static_cast<std::size_t>(v)]) {
        const int u = t.prev[static_cast<std::size_t>(v)];
        back.push_back({nodes_[static_cast<std::size_t>(u)], nodes_[static_cast<std::size_t>(v)], t.type[static_cast<std::size_t>(v)]});
      }
      std::reverse(back.begin(), back.end());
      Cycle c{{a, b, single}};
      c.insert(c.end(), back.begin(), back.end());
      if (!best || c.size() < best->size()) best = std::move(c);
    }
    if (best) return best;  // the shortest from the first target that closes one: enough per component
  }
  return best;
}

std::optional<Cycle> CycleSearch::nonadjacent(std::uint8_t rest) {
  // Start from each rw edge a -> b (one that is only rw among the types searched) and look for
  // the way back from b to a over states (node, last edge was rw): an rw edge may not follow an rw
  // edge, and the edge into a may not be rw (the cycle goes on with a -> b). State s = 2 * local + rw.
  std::unordered_map<int, std::vector<int>> sources;
  std::vector<int> targets;
  for (int a : nodes_) {
    for (const Edge& e : g_.out(a)) {
      if (preferred(e.types, kRW | rest) != kRW || !local_.count(e.to)) continue;
      auto [it, fresh] = sources.try_emplace(e.to);
      if (fresh) targets.push_back(e.to);
      it->second.push_back(a);
    }
  }
  const std::size_t n = nodes_.size();
  for (int b : targets) {
    std::vector<int> prev(2 * n, -2);
    std::vector<std::uint8_t> type(2 * n, 0);
    const int root = 2 * local_.at(b) + 1;
    std::vector<int> queue{root};
    prev[static_cast<std::size_t>(root)] = -1;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int s = queue[head];
      const bool after_rw = s % 2 == 1;
      const auto& es = g_.out(nodes_[static_cast<std::size_t>(s / 2)]);
      if (!budget_.spend(es.size() + 1)) return std::nullopt;
      for (const Edge& e : es) {
        auto it = local_.find(e.to);
        if (it == local_.end()) continue;
        std::uint8_t as = 0;
        if (e.types & rest) {
          as = preferred(e.types, rest);  // not rw: constrains nothing
        } else if ((e.types & kRW) && !after_rw) {
          as = kRW;
        } else {
          continue;
        }
        const int next = 2 * it->second + (as == kRW ? 1 : 0);
        if (prev[static_cast<std::size_t>(next)] != -2) continue;
        prev[static_cast<std::size_t>(next)] = s;
        type[static_cast<std::size_t>(next)] = as;
        queue.push_back(next);
      }
    }
    std::optional<Cycle> best;
    for (int a : sources[b]) {
      const int goal = 2 * local_.at(a);  // reached by a non-rw edge
      if (prev[static_cast<std::size_t>(goal)] == -2) continue;
      Cycle back;
      for (int v = goal; v != root; v = prev[static_cast<std::size_t>(v)]) {
        const int u = prev[static_cast<std::size_t>(v)];
        back.push_back({nodes_[static_cast<std::size_t>(u / 2)], nodes_[static_cast<std::size_t>(v / 2)], type[static_cast<std::size_t>(v)]});
      }
      std::reverse(back.begin(), back.end());
      Cycle c{{a, b, kRW}};
      c.insert(c.end(), back.begin(), back.end());
      if (!best || c.size() < best->size()) best = std::move(c);
    }
    if (best) return best;
  }
  return std::nullopt;
}

}  // namespace amino::check::txn
