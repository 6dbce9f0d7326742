#include "scenarios/transactions/txn_store.h"

namespace amino::scenarios::transactions {

void TxnStore::append(const std::string& key, std::int64_t v) { lists_[key].push_back(v); }

std::vector<std::int64_t> TxnStore::read(const std::string& key) const {
  auto it = lists_.find(key);
  return it == lists_.end() ? std::vector<std::int64_t>{} : it->second;
}

void TxnStore::write(const std::string& key, std::int64_t v) { registers_[key] = v; }

std::optional<std::int64_t> TxnStore::get(const std::string& key) const {
  auto it = registers_.find(key);
  if (it == registers_.end()) return std::nullopt;
  return it->second;
}

void TxnStore::describe(ClassBuilder<TxnStore>& c) {
  c.writes("append", &TxnStore::append)
      .reads("read", &TxnStore::read)
      .writes("write", &TxnStore::write)
      .reads("get", &TxnStore::get)
      .reads("lists", &TxnStore::lists)
      .field("lists", &TxnStore::lists_)
      .field("registers", &TxnStore::registers_);
}

}  // namespace amino::scenarios::transactions
