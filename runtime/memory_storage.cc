#include "runtime/memory_storage.h"

namespace amino {

void MemoryStorage::put(const std::string& key, std::string value) {
  log_.emplace_back(key, value);
  pending_[key] = std::move(value);
}

void MemoryStorage::erase(const std::string& key) {
  log_.emplace_back(key, std::nullopt);
  pending_[key] = std::nullopt;
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

void MemoryStorage::sync() {
  for (auto& [k, v] : pending_) {
    if (v) {
      synced_[k] = std::move(*v);
    } else {
      synced_.erase(k);
    }
  }
  pending_.clear();
  log_.clear();
}

std::string MemoryStorage::crash(bool wipe_synced) {
  std::string what = std::to_string(log_.size()) + " unsynced writes lost";
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
