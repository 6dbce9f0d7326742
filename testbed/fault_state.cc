#include "testbed/fault_state.h"

namespace amino::testbed {

namespace {
bool is_probability(double p) { return p >= 0.0 && p <= 1.0; }
}  // namespace

std::string LinkFaults::check() const {
  if (!is_probability(drop)) return "drop probability must be in [0, 1]";
  if (!is_probability(duplicate)) return "duplicate probability must be in [0, 1]";
  if (!is_probability(reorder)) return "reorder probability must be in [0, 1]";
  if (reorder_window < 0 || delay < 0 || jitter < 0) return "delays must be >= 0";
  if (reorder > 0 && reorder_window == 0) return "reorder needs a positive reorder_window";
  return {};
}

const char* block_mode_name(BlockMode m) { return m == BlockMode::kDrop ? "drop" : "reset"; }

std::optional<BlockMode> parse_block_mode(const std::string& s) {
  if (s == "drop") return BlockMode::kDrop;
  if (s == "reset") return BlockMode::kReset;
  return std::nullopt;
}

void FaultState::set_default(const LinkFaults& f) {
  default_ = f;
  ++version_;
}

void FaultState::set_for_destination(const NodeId& to, const LinkFaults& f) {
  by_dest_[to] = f;
  ++version_;
}

void FaultState::set_for_pair(const NodeId& from, const NodeId& to, const LinkFaults& f) {
  by_pair_[{from, to}] = f;
  ++version_;
}

void FaultState::unblock(const NodeId& from, const NodeId& to) {
  blocked_.erase({from, to});
  ++version_;
}

void FaultState::heal() {
  blocked_.clear();
  ++version_;
}

void FaultState::clear_message_faults() {
  default_ = {};
  by_dest_.clear();
  by_pair_.clear();
  ++version_;
}

const LinkFaults& FaultState::faults_for(const NodeId& from, const NodeId& to) const {
  if (auto p = by_pair_.find({from, to}); p != by_pair_.end()) return p->second;
  if (auto d = by_dest_.find(to); d != by_dest_.end()) return d->second;
  return default_;
}

void FaultState::block(const NodeId& from, const NodeId& to, BlockMode mode) {
  blocked_[{from, to}] = mode;
  ++version_;
}

void FaultState::block_all(const std::vector<DirectedPair>& pairs, BlockMode mode) {
  for (const auto& [from, to] : pairs) blocked_[{from, to}] = mode;
  ++version_;
}

std::optional<BlockMode> FaultState::blocked(const NodeId& from, const NodeId& to) const {
  auto it = blocked_.find({from, to});
  if (it == blocked_.end()) return std::nullopt;
  return it->second;
}

void FaultState::set_path(const NodeId& from, const NodeId& to, const PathModel& p) {
  if (p.any()) {
    paths_[{from, to}] = p;
  } else {
    paths_.erase({from, to});
  }
  ++version_;
}

const PathModel& FaultState::path(const NodeId& from, const NodeId& to) const {
  static const PathModel kNone;
  if (paths_.empty()) return kNone;
  auto it = paths_.find({from, to});
  return it == paths_.end() ? kNone : it->second;
}

}  // namespace amino::testbed
