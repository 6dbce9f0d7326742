#include "testbed/check/transactions.h"

#include <algorithm>
#include <set>

#include "testbed/check/txn_graph.h"
#include "testbed/check/txn_infer.h"
#include "testbed/check/txn_ops.h"

namespace amino::check {

const char* to_string(TxnModel m) {
  switch (m) {
    case TxnModel::kListAppend: return "list-append";
    case TxnModel::kRwRegister: return "rw-register";
  }
  return "?";
}

TxnModel txn_model_from(const std::string& name) {
  for (TxnModel m : {TxnModel::kListAppend, TxnModel::kRwRegister}) {
    if (name == to_string(m)) return m;
  }
  throw std::invalid_argument("unknown transaction model \"" + name + "\" (known: list-append, rw-register)");
}

namespace {

using txn::Cycle;
using txn::Step;

// A cycle's name from its edges (Adya; Elle for G-nonadjacent and the order suffixes).
std::string classify(const Cycle& c) {
  std::size_t rw = 0;
  bool wr = false, process = false, realtime = false, adjacent = false;
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::uint8_t t = c[i].type;
    rw += t == txn::kRW;
    wr |= t == txn::kWR;
    process |= t == txn::kProcess;
    realtime |= t == txn::kRealtime;
    adjacent |= t == txn::kRW && c[(i + 1) % c.size()].type == txn::kRW;
  }
  std::string name = rw == 0 ? (wr ? "G1c" : "G0") : rw == 1 ? "G-single" : adjacent ? "G2-item" : "G-nonadjacent";
  if (realtime) return name + "-realtime";
  if (process) return name + "-process";
  return name;
}

class Explainer {
 public:
  explicit Explainer(const txn::Txns& t) : t_(t) {}

  // A long cycle shows its first and last edges (its ops list them all): a report stays readable.
  static constexpr std::size_t kShownEdges = 40;

  std::string cycle(const std::string& type, const Cycle& c, const txn::DepGraph& g) const {
    const bool cut = c.size() > kShownEdges;
    const std::size_t head = cut ? kShownEdges - 10 : c.size();
    auto shown = [&](std::size_t i) { return i < head || i >= c.size() - (cut ? 10 : 0); };
    std::string s = type + " cycle of " + std::to_string(c.size()) + " transactions: ";
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (!shown(i)) {
        if (i == head) s += "... ";
        continue;
      }
      s += "#" + std::to_string(op(c[i].from)) + " -" + txn::edge_name(c[i].type) + "-> ";
    }
    s += "#" + std::to_string(op(c.front().from));
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (!shown(i)) {
        if (i == head) s += "\n  ... " + std::to_string(c.size() - kShownEdges) + " more edges ...";
        continue;
      }
      const Step& st = c[i];
      s += "\n  #" + std::to_string(op(st.from)) + " -" + txn::edge_name(st.type) + "-> #" + std::to_string(op(st.to)) + ": " +
           edge(st, *g.edge(st.from, st.to));
    }
    return s;
  }

 private:
  int op(int i) const { return t_.txns[static_cast<std::size_t>(i)].op; }
  std::string d(int i) const { return t_.describe(i); }
  std::string key(int k) const { return t_.keys.text(k); }
  std::string val(int v) const { return v < 0 ? std::string("null") : t_.values.text(v); }

  std::string edge(const Step& st, const txn::Edge& e) const {
    const bool list = t_.model == TxnModel::kListAppend;
    const txn::Txn& from = t_.txns[static_cast<std::size_t>(st.from)];
    const txn::Txn& to = t_.txns[static_cast<std::size_t>(st.to)];
    switch (st.type) {
      case txn::kWW: {
        const txn::Why& w = e.why[0];
        if (list) {
          return d(st.to) + " appended " + val(w.v2) + " to key " + key(w.key) + " after " + d(st.from) + "'s " + val(w.v1) +
                 " (the key's order: its longest read, then the committed appends no read shows)";
        }
        return d(st.to) + " read key " + key(w.key) + " = " + val(w.v1) + " (written by " + d(st.from) + ") and then wrote " +
               val(w.v2) + ", so its version came later";
      }
      case txn::kWR: {
        const txn::Why& w = e.why[1];
        if (list) return d(st.to) + " read key " + key(w.key) + " ending in " + val(w.v1) + ", appended by " + d(st.from);
        return d(st.to) + " read key " + key(w.key) + " = " + val(w.v1) + ", written by " + d(st.from);
      }
      case txn::kRW: {
        const txn::Why& w = e.why[2];
        if (list) {
          return d(st.from) + " read key " + key(w.key) + (w.v1 < 0 ? " empty" : " ending in " + val(w.v1)) + ", without " + val(w.v2) +
                 ", which " + d(st.to) + " appended after that: it did not see that write";
        }
        return d(st.from) + " read key " + key(w.key) + " = " + val(w.v1) + (w.v1 < 0 ? " (its initial state)" : "") + ", and " + d(st.to) +
               " installed " + val(w.v2) + " after that version: it did not see that write";
      }
      case txn::kProcess:
        return d(st.to) + " is the next transaction of process " + std::to_string(from.process) + " after " + d(st.from);
      case txn::kRealtime:
        return d(st.from) + " completed (at " + std::to_string(from.ret) + ") before " + d(st.to) + " was invoked (at " +
               std::to_string(to.call) + ")";
    }
    return "?";
  }

  const txn::Txns& t_;
};

// Searches each component of the graph for the weakest cycles of each kind (one of each type per
// component: enough to name what is wrong and show it; the count is of components).
std::vector<TxnAnomaly> find_cycles(const txn::Txns& txns, const txn::DepGraph& g, std::uint8_t order,
                                    txn::Budget& budget) {
  using namespace txn;  // NOLINT: the edge bits
  const Explainer explain(txns);
  std::vector<TxnAnomaly> out;
  for (const auto& comp : components(g, kData | order)) {
    CycleSearch s(g, comp, budget);
    std::set<std::string> found;
    auto take = [&](std::optional<Cycle> c) {
      if (!c) return;
      const std::string type = classify(*c);
      if (!found.insert(type).second) return;
      TxnAnomaly a;
      a.type = type;
      for (const Step& st : *c) a.ops.push_back(txns.txns[static_cast<std::size_t>(st.from)].op);
      a.explanation = explain.cycle(type, *c, g);
      out.push_back(std::move(a));
    };
    take(s.through(kWW, kWW));                      // G0
    take(s.through(kWW | kWR, kWR));                // G1c
    take(s.with_one(kRW, kWW | kWR));               // G-single
    take(s.nonadjacent(kWW | kWR));                 // G-nonadjacent (or G-single)
    take(s.through(kData, kRW));                    // G2-item (or one of the above)
    if (order) {
      take(s.through(kWW | order, order));
      take(s.through(kWW | kWR | order, order));
      if (!found.count("G-single")) take(s.with_one(kRW, kWW | kWR | order));
      take(s.nonadjacent(kWW | kWR | order));
      take(s.through(kData | order, order));
    }
    if (budget.exhausted()) break;
  }
  return out;
}

}  // namespace

std::vector<std::string> TxnCheckResult::anomaly_types() const {
  std::set<std::string> types;
  for (const auto& a : anomalies) types.insert(a.type);
  return {types.begin(), types.end()};
}

std::string TxnCheckResult::verdict() const {
  if (!anomalies.empty()) return "invalid";
  return complete ? "valid" : "unknown";
}

Json TxnAnomaly::to_json() const {
  return Json{{"type", type}, {"ops", ops}, {"explanation", explanation}, {"forbidden", forbidden}};
}

std::string TxnCheckResult::summary() const {
  std::string s = verdict() + " (" + consistency + ", " + model + ", " + std::to_string(transactions) + " transactions: " +
                  std::to_string(ok) + " ok, " + std::to_string(failed) + " failed, " + std::to_string(unknown) + " unknown)";
  auto list = [](const std::vector<TxnAnomaly>& as) {
    std::string out;
    for (const auto& a : as) out += "\n[" + a.type + "] " + a.explanation;
    return out;
  };
  if (!anomalies.empty()) {
    s += "\nforbidden at " + consistency + ":";
    for (const auto& t : anomaly_types()) s += " " + t + " (" + std::to_string(counts.at(t)) + ")";
    s += list(anomalies);
  }
  if (!allowed_anomalies.empty()) {
    std::set<std::string> types;
    for (const auto& a : allowed_anomalies) types.insert(a.type);
    s += "\nallowed at " + consistency + ":";
    for (const auto& t : types) s += " " + t + " (" + std::to_string(counts.at(t)) + ")";
    s += list(allowed_anomalies);
  }
  for (const auto& n : not_checked) s += "\nnot checked: " + n;
  return s;
}

Json TxnCheckResult::to_json() const {
  Json as = Json::array(), allowed = Json::array();
  for (const auto& a : anomalies) as.push_back(a.to_json());
  for (const auto& a : allowed_anomalies) allowed.push_back(a.to_json());
  return Json{{"valid", valid},
              {"verdict", verdict()},
              {"complete", complete},
              {"model", model},
              {"consistency", consistency},
              {"transactions", transactions},
              {"ok", ok},
              {"failed", failed},
              {"unknown", unknown},
              {"anomalies", as},
              {"allowed_anomalies", allowed},
              {"anomaly_types", anomaly_types()},
              {"counts", counts},
              {"not_checked", not_checked}};
}

TxnCheckResult check_transactions(const History& history, const TxnCheckOptions& options) {
  const ConsistencyLevel& level = consistency_level(options.consistency);
  const txn::Txns txns = txn::read_txns(history, options.model);
  TxnCheckResult r;
  r.model = to_string(options.model);
  r.consistency = level.name;
  r.transactions = txns.txns.size();
  for (const auto& t : txns.txns) {
    r.ok += t.outcome == Outcome::kOk;
    r.failed += t.outcome == Outcome::kFail;
    r.unknown += t.outcome == Outcome::kInfo;
  }

  txn::DepGraph g(static_cast<int>(txns.txns.size()));
  txn::Findings found;
  found.cap = options.max_reported_per_type;
  if (options.model == TxnModel::kListAppend) {
    txn::infer_list_append(txns, g, found);
  } else {
    txn::infer_rw_register(txns, g, found);
  }
  std::uint8_t order = 0;
  if (level.order == "process" || level.order == "realtime") {
    txn::add_process_order(txns, g);
    order |= txn::kProcess;
  }
  if (level.order == "realtime") {
    txn::add_realtime_order(txns, g);
    order |= txn::kRealtime;
  }
  txn::Budget budget(options.max_search_steps, options.out_of_time);
  for (auto& a : find_cycles(txns, g, order, budget)) {
    if (found.wanted(a.type)) found.anomalies.push_back(std::move(a));
  }
  if (budget.exhausted()) {
    r.complete = false;
    found.not_checked.push_back("the cycle search stopped at its step or time limit: cycles may be missing");
  }

  const std::set<std::string> forbidden(level.forbidden.begin(), level.forbidden.end());
  for (auto& a : found.anomalies) {
    a.forbidden = forbidden.count(a.type) > 0;
    (a.forbidden ? r.anomalies : r.allowed_anomalies).push_back(std::move(a));
  }
  r.counts = std::move(found.counts);
  r.not_checked = std::move(found.not_checked);
  r.valid = r.anomalies.empty() && r.complete;
  return r;
}

}  // namespace amino::check
