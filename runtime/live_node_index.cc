#include "runtime/live_node_index.h"

#include <algorithm>

namespace amino {

namespace {
bool by_id(const NodeInfo* a, const NodeInfo* b) { return a->id < b->id; }
}  // namespace

std::size_t NodeCandidates::position(const NodeId& id) const {
  const auto& l = list();
  auto it = std::lower_bound(l.begin(), l.end(), id, [](const NodeInfo* n, const NodeId& x) { return n->id < x; });
  return it != l.end() && (*it)->id == id ? static_cast<std::size_t>(it - l.begin()) : l.size();
}

void LiveNodeIndex::assign(std::vector<const NodeInfo*> live) {
  by_label_.clear();
  for (const NodeInfo* n : live) {
    // The labels as NodeInfo::label sees them: "region" and "node" shadow entries of the same key.
    by_label_["region"][n->region].push_back(n);
    by_label_["node"][n->id].push_back(n);
    for (const auto& [key, value] : n->labels) {
      if (key != "region" && key != "node") by_label_[key][value].push_back(n);
    }
  }
  live_ = std::make_shared<const std::vector<const NodeInfo*>>(std::move(live));
}

const LiveNodeIndex::Postings* LiveNodeIndex::postings(const std::string& key, const std::string& value) const {
  auto k = by_label_.find(key);
  if (k == by_label_.end()) return nullptr;
  auto v = k->second.find(value);
  return v == k->second.end() ? nullptr : &v->second;
}

std::size_t LiveNodeIndex::bound(const Requirement& r) const {
  switch (r.op) {
    case Requirement::Op::kEquals: {
      if (r.values.empty()) return 0;  // matches nothing
      const Postings* p = postings(r.key, r.values.front());
      return p == nullptr ? 0 : p->size();
    }
    case Requirement::Op::kIn: {
      std::size_t n = 0;
      for (const auto& v : r.values) {
        if (const Postings* p = postings(r.key, v)) n += p->size();
      }
      return n;
    }
    default: return kUnbounded;
  }
}

std::size_t LiveNodeIndex::bound(const NodeSelector& s) const {
  std::size_t total = 0;
  for (const auto& term : s.terms) {
    std::size_t best = kUnbounded;
    for (const auto& r : term) best = std::min(best, bound(r));
    if (best == kUnbounded) return kUnbounded;
    total += best;
  }
  return total;
}

NodeCandidates LiveNodeIndex::matching(const std::vector<const NodeSelector*>& all_of) const {
  const NodeSelector* narrowest = nullptr;
  std::size_t narrowest_bound = kUnbounded;
  bool any = false;
  for (const NodeSelector* s : all_of) {
    if (s->empty()) continue;
    any = true;
    const std::size_t b = bound(*s);
    if (b < narrowest_bound) {
      narrowest_bound = b;
      narrowest = s;
    }
  }
  if (!any) return NodeCandidates(live_);
  auto admits = [&](const NodeInfo& n) {
    return std::all_of(all_of.begin(), all_of.end(), [&](const NodeSelector* s) { return s->matches(n); });
  };
  std::vector<const NodeInfo*> out;
  if (narrowest == nullptr) {  // nothing indexable: scan
    for (const NodeInfo* n : *live_) {
      if (admits(*n)) out.push_back(n);
    }
    return NodeCandidates(std::move(out));
  }
  // Each term of the narrowest selector contributes the postings of its most selective requirement:
  // a superset of what the term admits. The union, filtered by every selector, sorted, without
  // duplicates, is the scan's answer.
  for (const auto& term : narrowest->terms) {
    const Requirement* best = nullptr;
    std::size_t best_bound = kUnbounded;
    for (const auto& r : term) {
      const std::size_t b = bound(r);
      if (best == nullptr || b < best_bound) {
        best = &r;
        best_bound = b;
      }
    }
    if (best_bound == 0) continue;
    const std::vector<std::string> values =
        best->op == Requirement::Op::kEquals ? std::vector<std::string>{best->values.front()} : best->values;
    for (const auto& v : values) {
      if (const Postings* p = postings(best->key, v)) {
        for (const NodeInfo* n : *p) {
          if (admits(*n)) out.push_back(n);
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), by_id);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return NodeCandidates(std::move(out));
}

}  // namespace amino
