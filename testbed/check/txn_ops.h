// Transactions as the transactional checker reads them (transactions.h): each "txn" operation's
// micro-operations, checked against the model once and interned (keys and values as small ints),
// so the inference compares integers.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "testbed/check/history.h"
#include "testbed/check/transactions.h"

namespace amino::check::txn {

// Interned JSON scalars (compact JSON text <-> dense ids).
class Interner {
 public:
  int id(const Json& scalar);
  const std::string& text(int id) const { return texts_[static_cast<std::size_t>(id)]; }

 private:
  std::unordered_map<std::string, int> ids_;  // strings (and integers beyond int64), by JSON text
  std::unordered_map<std::int64_t, int> ints_;
  std::vector<std::string> texts_;
};

enum class MopKind { kAppend, kWrite, kRead };

struct Mop {
  MopKind kind = MopKind::kRead;
  int key = -1;
  int value = -1;         // append / write: the value; register read: the value read, -1 for null
  std::vector<int> list;  // list-append read: the list read (empty for null)
  bool known = false;     // a read's value is known (the transaction is ok)
};

struct Txn {
  int op = 0;  // the operation's id (its invoke's event index)
  std::int64_t process = 0;
  Outcome outcome = Outcome::kInfo;
  std::int64_t call = 0;
  std::int64_t ret = kNever;
  std::vector<Mop> mops;  // ok: the completion's; otherwise the invoke's (reads unknown)
};

struct Txns {
  TxnModel model = TxnModel::kListAppend;
  std::vector<Txn> txns;  // in invocation order
  Interner keys, values;
  std::string describe(int txn) const;  // "#12 (process 3)"
};

// Every operation of `h` must be a "txn" of `model`'s micro-operations; TxnHistoryError otherwise.
Txns read_txns(const History& h, TxnModel model);

}  // namespace amino::check::txn
