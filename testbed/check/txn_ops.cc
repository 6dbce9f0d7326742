#include "testbed/check/txn_ops.h"

namespace amino::check::txn {

int Interner::id(const Json& scalar) {
  // Integers (the common case, and every element of a list read) skip the JSON text.
  if (scalar.is_number_integer() && (!scalar.is_number_unsigned() || scalar.get<std::uint64_t>() <= INT64_MAX)) {
    const std::int64_t v = scalar.get<std::int64_t>();
    auto [it, fresh] = ints_.emplace(v, static_cast<int>(texts_.size()));
    if (fresh) texts_.push_back(std::to_string(v));
    return it->second;
  }
  std::string text = scalar.dump();
  auto [it, fresh] = ids_.emplace(std::move(text), static_cast<int>(texts_.size()));
  if (fresh) texts_.push_back(it->first);
  return it->second;
}

std::string Txns::describe(int txn) const {
  const Txn& t = txns[static_cast<std::size_t>(txn)];
  return "#" + std::to_string(t.op) + " (process " + std::to_string(t.process) + ")";
}

namespace {

// Keys and values: integers or strings (JSON scalars that compare by their text).
bool scalar(const Json& j) { return j.is_string() || j.is_number_integer(); }

class Reader {
 public:
  Reader(const Operation& op, TxnModel model, Txns& out) : op_(op), model_(model), out_(out) {}

  Txn read() {
    if (op_.f != "txn") fail("f is \"" + op_.f + "\", not \"txn\"");
    Txn t;
    t.op = op_.id;
    t.process = op_.process;
    t.outcome = op_.outcome;
    t.call = op_.call;
    t.ret = op_.ret;
    const Json& in = op_.input;
    if (!in.is_array()) fail("the invoke's value is not a list of micro-operations: " + excerpt(in));
    const bool ok = op_.outcome == Outcome::kOk;
    if (ok) {
      const Json& out = op_.output;
      if (!out.is_array()) fail("the ok completion's value is not a list of micro-operations: " + excerpt(out));
      if (out.size() != in.size()) {
        fail("the ok completion has " + std::to_string(out.size()) + " micro-operations, the invoke " +
             std::to_string(in.size()));
      }
    }
    t.mops.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      Mop m = mop(in[i], i, false);
      if (ok) {
        Mop done = mop(op_.output[i], i, true);
        if (done.kind != m.kind || done.key != m.key || (m.kind != MopKind::kRead && done.value != m.value)) {
          fail("micro-operation " + std::to_string(i) + " differs between invoke " + in[i].dump() + " and ok " +
               op_.output[i].dump());
        }
        m = std::move(done);
      }
      t.mops.push_back(std::move(m));
    }
    return t;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw TxnHistoryError(op_.id, "operation #" + std::to_string(op_.id) + " (process " + std::to_string(op_.process) +
                                      "): " + what);
  }
  static std::string excerpt(const Json& j) {
    std::string s = j.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
  }

  Mop mop(const Json& j, std::size_t i, bool completed) {
    const std::string where = "micro-operation " + std::to_string(i) + " " + excerpt(j);
    if (!j.is_array() || j.size() != 3 || !j[0].is_string()) fail(where + " is not [f, key, value]");
    const std::string f = j[0].get<std::string>();
    if (!scalar(j[1])) fail(where + ": the key must be an integer or a string");
    Mop m;
    m.key = out_.keys.id(j[1]);
    const Json& v = j[2];
    const bool list_append = model_ == TxnModel::kListAppend;
    if (f == "r") {
      m.kind = MopKind::kRead;
      if (!completed) return m;  // an invoke's read value is a placeholder (null)
      m.known = true;
      if (v.is_null()) return m;  // never written: empty list, or the register's initial null
      if (list_append) {
        if (!v.is_array()) fail(where + ": a list-append read returns a list or null");
        m.list.reserve(v.size());
        for (const Json& e : v) {
          if (!scalar(e)) fail(where + ": list elements must be integers or strings");
          m.list.push_back(out_.values.id(e));
        }
      } else {
        if (!scalar(v)) fail(where + ": a register read returns an integer, a string or null");
        m.value = out_.values.id(v);
      }
      return m;
    }
    const char* write = list_append ? "append" : "w";
    if (f != write) {
      fail(where + ": " + to_string(model_) + " knows \"" + write + "\" and \"r\", not \"" + f + "\"");
    }
    if (!scalar(v)) fail(where + ": the value written must be an integer or a string");
    m.kind = list_append ? MopKind::kAppend : MopKind::kWrite;
    m.value = out_.values.id(v);
    return m;
  }

  const Operation& op_;
  TxnModel model_;
  Txns& out_;
};

}  // namespace

Txns read_txns(const History& h, TxnModel model) {
  Txns out;
  out.model = model;
  out.txns.reserve(h.operations().size());
  for (const Operation& op : h.operations()) out.txns.push_back(Reader(op, model, out).read());
  return out;
}

}  // namespace amino::check::txn
