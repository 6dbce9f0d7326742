// TxnStore: a multi-key store for the transaction DMs' tests and hunts. Each key holds both a list
// (append, read: Elle's list-append histories) and a register (write, get: read-write-register
// histories), so one object serves both kinds of transactional check. Plain single-threaded code:
// the transactions come from the DMs, not from the class.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/microservice.h"

namespace amino::scenarios::transactions {

class TxnStore : public MicroService {
 public:
  // Appends v to key's list (not idempotent: an append applied twice shows in every later read).
  void append(const std::string& key, std::int64_t v);
  // key's list (empty when never appended to).
  std::vector<std::int64_t> read(const std::string& key) const;
  // Sets key's register.
  void write(const std::string& key, std::int64_t v);
  // key's register (null when never written).
  std::optional<std::int64_t> get(const std::string& key) const;
  // Every list, for final-state checks.
  std::map<std::string, std::vector<std::int64_t>> lists() const { return lists_; }

  static void describe(ClassBuilder<TxnStore>& c);

 private:
  std::map<std::string, std::vector<std::int64_t>> lists_;
  std::map<std::string, std::int64_t> registers_;
};

}  // namespace amino::scenarios::transactions
