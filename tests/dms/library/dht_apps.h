// Application classes for the tests of Amino.Run's DMs (DHT, TwoPhaseCommit): a keyed shelf for the
// DHT, bank accounts and an append-only log for TwoPhaseCommit's cohorts.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/microservice.h"

namespace amino::testing {

// Keyed state for the DHT: the key is the first argument of every keyed method (label's is the
// second, for keyArg: 1); keys() has no key argument at all.
class Shelf : public MicroService {
 public:
  Shelf() = default;
  explicit Shelf(std::map<std::string, std::string> initial) : values_(std::move(initial)) {}
  void put(const std::string& key, const std::string& value) { values_[key] = value; }
  std::string get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
  }
  std::string append(const std::string& key, const std::string& value) { return values_[key] += value; }
  void label(std::int64_t n, const std::string& key) { values_[key] = std::to_string(n); }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : values_) out.push_back(k);
    return out;
  }
  std::string where(const std::string&) const { return runtime().node(); }
  static void describe(ClassBuilder<Shelf>& c) {
    c.constructor<std::map<std::string, std::string>>()
        .writes("put", &Shelf::put)
        .reads("get", &Shelf::get)
        .writes("append", &Shelf::append)
        .writes("label", &Shelf::label)
        .reads("keys", &Shelf::keys)
        .reads("where", &Shelf::where)
        .field("values", &Shelf::values_);
  }

 private:
  std::map<std::string, std::string> values_;
};

// One bank account per microservice (TwoPhaseCommit cohorts): a transfer between two microservices
// is a transaction; withdrawing more than the balance throws (the transaction must then roll back).
class Account : public MicroService {
 public:
  Account() = default;
  explicit Account(std::int64_t balance) : balance_(balance) {}
  std::int64_t deposit(std::int64_t amount) { return balance_ += amount; }
  std::int64_t withdraw(std::int64_t amount) {
    if (amount > balance_) throw std::runtime_error("insufficient funds");
    return balance_ -= amount;
  }
  std::int64_t balance() const { return balance_; }
  // List-append micro-ops for the transactional checker: append(k, v) and read(k).
  void append(const std::string& key, std::int64_t v) { lists_[key].push_back(v); }
  std::vector<std::int64_t> read(const std::string& key) const {
    auto it = lists_.find(key);
    return it == lists_.end() ? std::vector<std::int64_t>{} : it->second;
  }
  // Declared for TwoPhaseCommit, which intercepts them; the bodies must never run.
  std::string startTransaction() { throw std::logic_error("startTransaction reached the object"); }
  bool commitTransaction() { throw std::logic_error("commitTransaction reached the object"); }
  bool rollbackTransaction() { throw std::logic_error("rollbackTransaction reached the object"); }
  static void describe(ClassBuilder<Account>& c) {
    c.constructor<std::int64_t>()
        .writes("startTransaction", &Account::startTransaction)
        .writes("commitTransaction", &Account::commitTransaction)
        .writes("rollbackTransaction", &Account::rollbackTransaction)
        .writes("deposit", &Account::deposit)
        .writes("withdraw", &Account::withdraw)
        .reads("balance", &Account::balance)
        .writes("append", &Account::append)
        .reads("read", &Account::read)
        .field("balance", &Account::balance_)
        .field("lists", &Account::lists_);
  }

 private:
  std::int64_t balance_ = 0;
  std::map<std::string, std::vector<std::int64_t>> lists_;
};

}  // namespace amino::testing
