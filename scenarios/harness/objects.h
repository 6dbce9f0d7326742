// Objects for testing DMs with generated workloads (amino.workload): each one's methods are the
// operations of a checker model (testbed/check/model.h), with the key as the first argument, so a
// run's history maps onto the model one to one (pybind/amino/workload.py holds the mapping).
// Plain single-threaded code, like every microservice.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/microservice.h"

namespace amino::scenarios::harness {

// Model "register": read (absent: null), write, cas (true iff it swapped).
class Register : public MicroService {
 public:
  std::optional<std::string> read(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  void write(const std::string& key, const std::string& value) { values_[key] = value; }
  bool cas(const std::string& key, const std::string& expected, const std::string& value) {
    auto it = values_.find(key);
    if (it == values_.end() || it->second != expected) return false;
    it->second = value;
    return true;
  }
  static void describe(ClassBuilder<Register>& c) {
    c.reads("read", &Register::read).writes("write", &Register::write).writes("cas", &Register::cas)
        .field("values", &Register::values_);
  }

 private:
  std::map<std::string, std::string> values_;
};

// Model "register" for a read-only DM (Immutable): the same read and write as Register, but built
// with its contents as the constructor argument ({key: value}), so there is a state to read back
// without any write reaching it.
class PresetRegister : public MicroService {
 public:
  PresetRegister() = default;
  explicit PresetRegister(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  std::optional<std::string> read(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  void write(const std::string& key, const std::string& value) { values_[key] = value; }
  static void describe(ClassBuilder<PresetRegister>& c) {
    c.constructor<std::map<std::string, std::string>>()
        .reads("read", &PresetRegister::read)
        .writes("write", &PresetRegister::write)
        .field("values", &PresetRegister::values_);
  }

 private:
  std::map<std::string, std::string> values_;
};

// Model "kv": get (absent: ""), put, append (not idempotent: a call applied twice shows).
class KvStore : public MicroService {
 public:
  std::string get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
  }
  void put(const std::string& key, const std::string& value) { values_[key] = value; }
  void append(const std::string& key, const std::string& value) { values_[key] += value; }
  static void describe(ClassBuilder<KvStore>& c) {
    c.reads("get", &KvStore::get).writes("put", &KvStore::put).writes("append", &KvStore::append)
        .field("values", &KvStore::values_);
  }

 private:
  std::map<std::string, std::string> values_;
};

// Model "counter": add (returns the new count; not idempotent), read.
class Counter : public MicroService {
 public:
  std::int64_t add(const std::string& key, std::int64_t delta) { return counts_[key] += delta; }
  std::int64_t read(const std::string& key) const {
    auto it = counts_.find(key);
    return it == counts_.end() ? 0 : it->second;
  }
  static void describe(ClassBuilder<Counter>& c) {
    c.writes("add", &Counter::add).reads("read", &Counter::read).field("counts", &Counter::counts_);
  }

 private:
  std::map<std::string, std::int64_t> counts_;
};

// Model "counter" for the checkpointing DMs: Counter plus the two methods ExplicitCheckpoint
// intercepts by default, declared only for it (their bodies never run under it).
class CheckpointedCounter : public MicroService {
 public:
  std::int64_t add(const std::string& key, std::int64_t delta) { return counts_[key] += delta; }
  std::int64_t read(const std::string& key) const {
    auto it = counts_.find(key);
    return it == counts_.end() ? 0 : it->second;
  }
  void checkpoint() { throw std::logic_error("checkpoint runs only under ExplicitCheckpoint"); }
  void rollback() { throw std::logic_error("rollback runs only under ExplicitCheckpoint"); }
  static void describe(ClassBuilder<CheckpointedCounter>& c) {
    c.writes("add", &CheckpointedCounter::add)
        .reads("read", &CheckpointedCounter::read)
        .writes("checkpoint", &CheckpointedCounter::checkpoint)
        .writes("rollback", &CheckpointedCounter::rollback)
        .field("counts", &CheckpointedCounter::counts_);
  }

 private:
  std::map<std::string, std::int64_t> counts_;
};

// Bank transfers (amino.workload.bank): accounts 0..n-1 opened with `open`, transfers that never
// overdraw, and a read of every balance at once; any serial order conserves the total, which the
// bank check verifies on every read.
class Bank : public MicroService {
 public:
  void open(std::int64_t accounts, std::int64_t balance) {
    balances_.assign(static_cast<std::size_t>(std::max<std::int64_t>(0, std::min<std::int64_t>(accounts, kMaxAccounts))),
                     balance);
  }
  // Moves `amount` from `from` to `to`; false (and nothing changes) if that is impossible.
  bool transfer(std::int64_t from, std::int64_t to, std::int64_t amount) {
    if (!account(from) || !account(to) || amount < 0 || balances_[static_cast<std::size_t>(from)] < amount) return false;
    balances_[static_cast<std::size_t>(from)] -= amount;
    balances_[static_cast<std::size_t>(to)] += amount;
    return true;
  }
  std::vector<std::int64_t> balances() const { return balances_; }
  static void describe(ClassBuilder<Bank>& c) {
    c.writes("open", &Bank::open).writes("transfer", &Bank::transfer).reads("balances", &Bank::balances)
        .field("balances", &Bank::balances_);
  }

 private:
  static constexpr std::int64_t kMaxAccounts = 1024;
  bool account(std::int64_t a) const { return a >= 0 && a < static_cast<std::int64_t>(balances_.size()); }
  std::vector<std::int64_t> balances_;
};

}  // namespace amino::scenarios::harness
