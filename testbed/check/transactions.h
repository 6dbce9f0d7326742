// Transactional consistency checking, after Elle (Kingsbury & Alvaro, "Elle: Inferring Isolation
// Anomalies from Experimental Observations", VLDB 2020) with Adya's anomalies (Adya, "Weak
// Consistency", MIT PhD thesis, 1999): from the values transactions read, infer which transaction
// depended on which (write-write, write-read, read-write), then look for cycles in that dependency
// graph and for the anomalies that need no cycle (aborted and intermediate reads, garbage, ...).
//
// History: the events of history.h with f = "txn" and as value a JSON list of micro-operations.
//   list-append:  ["append", k, v]; ["r", k, null] at invoke, ["r", k, [v1, v2, ...]] at ok
//                 (null: the key was never written)
//   rw-register:  ["w", k, v]; ["r", k, null] at invoke, ["r", k, v | null] at ok
// Keys and values are integers or strings; a value is written to a key at most once in the
// history (Elle's workloads make them unique, which is what makes the inference sound).
// ok = committed; fail = certainly aborted (its writes must never be seen); info or never
// completed = unknown: its writes may or may not be visible, and its reads are unknown.
//
// What is inferred (testbed/check/txn_infer.h):
//   list-append  the version order of each key is its longest read (of each read, the part before
//                the reader's own appends: where a store shows a transaction its own uncommitted
//                appends says nothing about where they land); every read must be a prefix of it,
//                else "incompatible-order"; committed appends that no read shows come after it (in
//                an unknown order). Each element's writer is known, so every ww, wr and rw
//                dependency between observed versions follows, from every read (two reads of a key
//                in one transaction that differ, a fuzzy read, show as a G-single cycle).
//   rw-register  the order of versions is known only where it is sound without more assumptions:
//                the initial state (null) precedes every write, and a committed transaction that
//                read v1 of k and then wrote v2 to k installed v2 after v1 (Elle's "write follows
//                read"). The order of blind writes cannot be inferred, so cycles through it go
//                unseen (result.not_checked says so); wr dependencies and the non-cycle anomalies
//                are exact. An rw edge may lead to a later version than the next one (the next one's
//                writer is unknown): a path of one rw edge and ww edges shortened, so a cycle is
//                real but may be named G2-item where a G-single is hidden; lost updates, the common
//                case of that, are reported on their own.
//
// Cycles: Tarjan's strongly connected components (iterative), then in each component a search
// for the weakest cycle of each kind, shortest first (breadth-first), classified by its edges:
// G0 (ww only), G1c (ww and wr), G-single (exactly one rw), G-nonadjacent (several rw, no two
// adjacent), G2-item (several rw, some adjacent). With process or real-time order edges (the
// "strong session" and "strict" levels) a cycle that needs them is named with the suffix
// "-process" or "-realtime" (G-single-realtime, ...). Which anomalies each consistency level
// forbids is one table, consistency_levels().
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "testbed/check/history.h"

namespace amino::check {

enum class TxnModel { kListAppend, kRwRegister };
const char* to_string(TxnModel m);
// "list-append" or "rw-register"; std::invalid_argument naming both otherwise.
TxnModel txn_model_from(const std::string& name);

// A transaction whose value the model cannot read: what() names the operation (its id, the
// invoke's event index, and its process) and what is wrong.
class TxnHistoryError : public std::invalid_argument {
 public:
  TxnHistoryError(int op, const std::string& what) : std::invalid_argument(what), op_(op) {}
  int op() const { return op_; }

 private:
  int op_;
};

struct TxnCheckOptions {
  TxnModel model = TxnModel::kListAppend;
  // A name of consistency_levels(): read-uncommitted, read-committed, snapshot-isolation,
  // strong-session-snapshot-isolation, strong-snapshot-isolation, repeatable-read, serializable,
  // strong-session-serializable, strict-serializable.
  std::string consistency = "serializable";
  // Polled during the cycle search; returning true stops it (result.complete = false). The caller
  // owns the clock, so the checker itself stays deterministic.
  std::function<bool()> out_of_time;
  // Bound on the cycle search's steps (edges visited) over the whole history; past it: incomplete.
  std::uint64_t max_search_steps = 200'000'000;
  // Anomalies kept per type (the counts count them all).
  std::size_t max_reported_per_type = 8;
};

struct TxnAnomaly {
  std::string type;         // "G1a", "G-single", "G2-item-realtime", "lost-update", "internal", ... (txn_infer.h)
  std::vector<int> ops;     // the operations (ids) involved; for a cycle, in cycle order
  std::string explanation;  // for a cycle, each edge named (ww / wr / rw / process / realtime) and why
  bool forbidden = true;    // forbidden by the level checked (allowed ones are in allowed_anomalies)
  Json to_json() const;
};

// A consistency level and the anomalies it forbids.
struct ConsistencyLevel {
  std::string name;
  std::vector<std::string> forbidden;
  std::string order;        // "" (dependencies only), "process" or "realtime": extra order edges
  std::string description;  // one line, with its source
};
// The table: one source of truth for what each level forbids.
const std::vector<ConsistencyLevel>& consistency_levels();
// std::invalid_argument listing the known levels when `name` is not one.
const ConsistencyLevel& consistency_level(const std::string& name);

struct TxnCheckResult {
  bool valid = true;         // no forbidden anomaly and the search completed
  bool complete = true;      // false: a limit (time, steps) stopped the cycle search
  std::string model;
  std::string consistency;
  std::size_t transactions = 0;  // in the history (ok / fail / info below)
  std::size_t ok = 0, failed = 0, unknown = 0;
  std::vector<TxnAnomaly> anomalies;          // forbidden at this level (at most max_reported_per_type each)
  std::vector<TxnAnomaly> allowed_anomalies;  // found, but allowed at this level
  std::map<std::string, std::size_t> counts;  // every anomaly found, forbidden or not, by type
  std::vector<std::string> not_checked;       // what could not be checked, and why
  std::vector<std::string> anomaly_types() const;  // the forbidden types found, sorted
  // "valid", "invalid" (a forbidden anomaly), or "unknown" (none found, search incomplete).
  std::string verdict() const;
  std::string summary() const;  // a verdict line, then each anomaly's explanation
  Json to_json() const;
};

// Throws TxnHistoryError for a malformed transaction, std::invalid_argument for an unknown level.
TxnCheckResult check_transactions(const History& history, const TxnCheckOptions& options = {});

}  // namespace amino::check
