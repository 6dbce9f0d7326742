// The live kernel servers indexed for placement: in id order, and by label value, so that choosing
// where an object goes costs what its selectors select, not what the cluster holds.
//
// Placement draws uniformly from the live nodes that match every selector, in id order (the order
// of Membership's map). The index yields exactly that list: for an empty set of selectors a view of
// all live nodes (no copy), otherwise the union of the postings of the most selective indexable
// requirement of each term ("key = v", "key in [...]"), filtered by the full selectors and sorted
// by id. Terms without such a requirement ("notin", "exists") fall back to a scan of the live nodes.
//
// The owner (Membership) rebuilds it after a node is added, changes labels or changes liveness;
// heartbeats that change nothing keep it. Rebuilding is O(live nodes); queries are O(log nodes +
// candidates).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/node_info.h"

namespace amino {

// Live nodes placement may choose, in id order. Pointers into Membership's records: use at once
// (they are valid until membership next changes).
class NodeCandidates {
 public:
  NodeCandidates() = default;
  explicit NodeCandidates(std::shared_ptr<const std::vector<const NodeInfo*>> all) : all_(std::move(all)) {}
  explicit NodeCandidates(std::vector<const NodeInfo*> some) : some_(std::move(some)) {}

  std::size_t size() const { return list().size(); }
  bool empty() const { return list().empty(); }
  const NodeInfo& operator[](std::size_t i) const { return *list()[i]; }
  // The position of `id` in the list, or size() if absent (the list is sorted by id).
  std::size_t position(const NodeId& id) const;

 private:
  const std::vector<const NodeInfo*>& list() const { return all_ ? *all_ : some_; }
  std::shared_ptr<const std::vector<const NodeInfo*>> all_;  // every live node (shared, not copied)
  std::vector<const NodeInfo*> some_;                        // the matches of some selectors
};

class LiveNodeIndex {
 public:
  // Replaces the contents: `live` are the live nodes in id order.
  void assign(std::vector<const NodeInfo*> live);
  // Live nodes matching every selector in `all_of` (empty selectors match every node).
  NodeCandidates matching(const std::vector<const NodeSelector*>& all_of) const;

 private:
  using Postings = std::vector<const NodeInfo*>;  // in id order
  static constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);

  const Postings* postings(const std::string& key, const std::string& value) const;
  // An upper bound on the nodes `r` admits from the index, or kUnbounded if it is not indexable.
  std::size_t bound(const Requirement& r) const;
  std::size_t bound(const NodeSelector& s) const;

  std::shared_ptr<const std::vector<const NodeInfo*>> live_ = std::make_shared<std::vector<const NodeInfo*>>();
  std::map<std::string, std::map<std::string, Postings>> by_label_;  // key -> value -> live nodes
};

}  // namespace amino
