// What the two inferrers (txn_list_append.cc, txn_rw_register.cc) share: the history they read,
// the graph and findings they add to, and the index of writers by (key, value), which the
// workloads make unique per key so that a read names its writer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "testbed/check/txn_infer.h"

namespace amino::check::txn {

// One 64-bit map key for a (key, value) pair of interned ids.
inline std::uint64_t pair_key(int key, int value) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(key)) << 32) | static_cast<std::uint32_t>(value);
}

// Writer: what an inferrer remembers of the transaction that wrote a value; it has a `txn` index.
template <class Writer>
class Inferrer {
 protected:
  Inferrer(const Txns& txns, DepGraph& g, Findings& out) : t_(txns), g_(g), out_(out) {}

  const Txn& txn(int i) const { return t_.txns[static_cast<std::size_t>(i)]; }
  const std::string& key(int k) const { return t_.keys.text(k); }
  const Writer* writer(int k, int v) const {
    auto it = writers_.find(pair_key(k, v));
    return it == writers_.end() ? nullptr : &it->second;
  }
  // A writer whose writes may be visible (ok or unknown).
  bool live(const Writer* w) const { return w && txn(w->txn).outcome != Outcome::kFail; }
  // The explanation is built only for the anomalies kept (Findings::wanted): a history full of
  // one anomaly costs a count, not a story each.
  template <class Why>
  void report(const char* type, std::vector<int> ops, Why why) {
    if (out_.wanted(type)) out_.anomalies.push_back(TxnAnomaly{type, std::move(ops), why(), true});
  }

  // Reports each version (a pair_key of key and value read, -1: the initial state) that two or more
  // committed transactions read and then wrote: each update was made without seeing the others'.
  // `what(key, value)` completes "<transactions> all ...".
  template <class What>
  void report_lost_updates(const std::map<std::uint64_t, std::vector<int>>& by_version, What what) {
    for (const auto& [kv, txns] : by_version) {
      if (txns.size() < 2) continue;
      const int k = static_cast<int>(kv >> 32);
      const int v = static_cast<int>(static_cast<std::uint32_t>(kv));
      std::vector<int> ops;
      std::string who;
      for (int i : txns) {
        ops.push_back(txn(i).op);
        who += (who.empty() ? "" : ", ") + t_.describe(i);
      }
      report("lost-update", ops, [&] { return who + " all " + what(k, v); });
    }
  }

  const Txns& t_;
  DepGraph& g_;
  Findings& out_;
  std::unordered_map<std::uint64_t, Writer> writers_;  // by pair_key(key, value)
};

}  // namespace amino::check::txn
