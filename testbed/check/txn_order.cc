// Process and real-time order between transactions, for the "strong session" and "strict" levels.
#include <algorithm>
#include <unordered_map>

#include "testbed/check/txn_infer.h"

namespace amino::check::txn {

void add_process_order(const Txns& txns, DepGraph& g) {
  // A process runs one operation at a time, so its committed transactions precede its next one.
  // An unknown (info) one may take effect later still, so it orders nothing; a failed one is no node.
  std::unordered_map<std::int64_t, int> last_ok;
  for (int i = 0; i < static_cast<int>(txns.txns.size()); ++i) {
    const Txn& t = txns.txns[static_cast<std::size_t>(i)];
    auto it = last_ok.find(t.process);
    if (it != last_ok.end() && t.outcome != Outcome::kFail) g.add(it->second, i, kProcess);
    if (t.outcome == Outcome::kOk) last_ok[t.process] = i;
  }
}

void add_realtime_order(const Txns& txns, DepGraph& g) {
  // Walk invokes and completions in time order (at equal times invokes first: touching
  // transactions are concurrent, as in the linearizability checker). The frontier holds the
  // committed transactions not yet followed by a later-completed successor; each invoke gets an
  // edge from every frontier transaction, and a completion retires from the frontier the
  // transactions that precede it: the edges to them are implied through it.
  struct Ev {
    std::int64_t at;
    bool invoke;
    int txn;
  };
  std::vector<Ev> evs;
  for (int i = 0; i < static_cast<int>(txns.txns.size()); ++i) {
    const Txn& t = txns.txns[static_cast<std::size_t>(i)];
    if (t.outcome == Outcome::kFail) continue;
    evs.push_back({t.call, true, i});
    if (t.outcome == Outcome::kOk) evs.push_back({t.ret, false, i});
  }
  std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    if (a.at != b.at) return a.at < b.at;
    return a.invoke && !b.invoke;
  });
  std::vector<int> frontier;
  std::unordered_map<int, std::vector<int>> preds;  // txn -> the frontier at its invoke
  for (const Ev& e : evs) {
    if (e.invoke) {
      for (int f : frontier) g.add(f, e.txn, kRealtime);
      if (txns.txns[static_cast<std::size_t>(e.txn)].outcome == Outcome::kOk) preds.emplace(e.txn, frontier);
      continue;
    }
    auto it = preds.find(e.txn);
    if (it != preds.end()) {
      const std::vector<int>& before = it->second;
      frontier.erase(std::remove_if(frontier.begin(), frontier.end(),
                                    [&](int f) { return std::find(before.begin(), before.end(), f) != before.end(); }),
                     frontier.end());
      preds.erase(it);
    }
    frontier.push_back(e.txn);
  }
}

}  // namespace amino::check::txn
