#include "runtime/memory_storage.h"

namespace amino {

void MemoryStorage::put(const std::string& key, std::string value) {
  log_.emplace_back(key, value);
  pending_[key] = std::move(value);
  count_operation();
}

void MemoryStorage::erase(const std::string& key) {
  log_.emplace_back(key, std::nullopt);
  pending_[key] = std::nullopt;
  count_operation();
}

std::optional<std::string> MemoryStorage::get(const std::string& key) const {
  if (auto p = pending_.find(key); p != pending_.end()) return p->second;
  auto s = synced_.find(key);
  return s == synced_.end() ? std::nullopt : std::optional<std::string>(s->second);
}

std::vector<std::string> MemoryStorage::keys(const std::string& prefix) const {
  std::map<std::string, bool> present;
  for (const auto& [k, v] : synced_) present[k] = true;
  for (const auto& [k, v] : pending_) present[k] = v.has_value();
  std::vector<std::string> out;
  for (const auto& [k, here] : present) {
    if (here && k.compare(0, prefix.size(), prefix) == 0) out.push_back(k);
  }
  return out;
}

void MemoryStorage::apply(const Write& w) {
  if (w.second) {
    synced_[w.first] = *w.second;
  } else {
    synced_.erase(w.first);
  }
}

void MemoryStorage::sync() {
  if (!ops_to_crash_point_ || at_crash_point_) {
    for (auto& [k, v] : pending_) apply({k, std::move(v)});
  } else {
    // One write at a time, in issue order (the same end state), so a crash point can fall in between.
    for (std::size_t i = 0; i < log_.size(); ++i) {
      apply(log_[i]);
      if (!at_crash_point_ && --*ops_to_crash_point_ == 0) {
        at_crash_point_ = DiskAt{synced_, std::vector<Write>(log_.begin() + static_cast<std::ptrdiff_t>(i) + 1, log_.end())};
      }
    }
  }
  pending_.clear();
  log_.clear();
}

void MemoryStorage::arm_crash_point(std::size_t ops) {
  ops_to_crash_point_ = ops;
  at_crash_point_.reset();
  if (ops == 0) at_crash_point_ = DiskAt{synced_, log_};
}

void MemoryStorage::count_operation() {
  if (!ops_to_crash_point_ || at_crash_point_) return;
  if (--*ops_to_crash_point_ == 0) at_crash_point_ = DiskAt{synced_, log_};
}

std::string MemoryStorage::crash(bool wipe_synced) {
  std::string what;
  if (at_crash_point_) {
    synced_ = std::move(at_crash_point_->synced);
    log_ = std::move(at_crash_point_->unsynced);
    what = "crash point: later storage operations undone; ";
  }
  ops_to_crash_point_.reset();
  at_crash_point_.reset();
  what += std::to_string(log_.size()) + " unsynced writes lost";
  if (torn_armed_ && !log_.empty() && log_.back().second) {
    const auto& [key, value] = log_.back();
    synced_[key] = value->substr(0, value->size() / 2);
    what += "; torn write of '" + key + "'";
  }
  torn_armed_ = false;
  pending_.clear();
  log_.clear();
  if (wipe_synced) {
    synced_.clear();
    what += "; synced state wiped";
  }
  return what;
}

}  // namespace amino
