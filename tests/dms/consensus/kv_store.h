// The replicated application used by the ConsensusRSM tests: a string key-value store (registers
// with read, write and compare-and-set, the checker's model) plus a non-idempotent counter that
// exposes any call applied twice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "runtime/microservice.h"

namespace amino::testing {

class KvStore : public MicroService {
 public:
  void put(const std::string& key, const std::string& value) { data_[key] = value; }
  std::optional<std::string> get(const std::string& key) const {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }
  // Sets `key` to `value` iff it currently holds `expected` (an absent key holds nothing).
  bool cas(const std::string& key, const std::string& expected, const std::string& value) {
    auto it = data_.find(key);
    if (it == data_.end() || it->second != expected) return false;
    it->second = value;
    return true;
  }
  std::int64_t incr(const std::string& key) { return ++counters_[key]; }
  std::int64_t count(const std::string& key) const {
    auto it = counters_.find(key);
    return it == counters_.end() ? 0 : it->second;
  }

  static void describe(ClassBuilder<KvStore>& c) {
    c.writes("put", &KvStore::put)
        .reads("get", &KvStore::get)
        .writes("cas", &KvStore::cas)
        .writes("incr", &KvStore::incr)
        .reads("count", &KvStore::count)
        .field("data", &KvStore::data_)
        .field("counters", &KvStore::counters_);
  }

 private:
  std::map<std::string, std::string> data_;
  std::map<std::string, std::int64_t> counters_;
};

}  // namespace amino::testing
