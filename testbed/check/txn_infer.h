// The inference of the transactional checker (transactions.h): from what committed transactions
// read, the dependencies between transactions (edges of the graph, one node per transaction, its
// index in Txns::txns) and the anomalies that need no cycle.
//
// Non-cycle anomalies (types):
//   G1a               aborted read: a committed transaction read a value written by a failed one
//   G1b               intermediate read: it read a value its writer later overwrote (list-append:
//                     a list ending in an append that was not the writer's last to that key)
//   garbage-read      it read a value nobody wrote
//   duplicate-elements  a list read holds the same element twice (list-append)
//   incompatible-order  two reads of a key are not prefixes of one another (list-append)
//   internal          a transaction's read disagrees with its own earlier reads and writes
//   lost-update       two committed transactions read the same version of a key and both wrote it
#pragma once

#include <map>
#include <string>
#include <vector>

#include "testbed/check/transactions.h"
#include "testbed/check/txn_graph.h"
#include "testbed/check/txn_ops.h"

namespace amino::check::txn {

struct Findings {
  std::size_t cap = 8;                // anomalies kept per type (TxnCheckOptions::max_reported_per_type)
  std::vector<TxnAnomaly> anomalies;  // ops as operation ids; at most `cap` of each type
  std::map<std::string, std::size_t> counts;  // every one found, by type
  std::vector<std::string> not_checked;
  // Counts one anomaly of `type`; true when it is to be kept (and so explained).
  bool wanted(const std::string& type) { return ++counts[type] <= cap; }
};

// Both add the data edges (ww, wr, rw) to `g` (sized txns.txns.size()) and append to `out`.
// TxnHistoryError when a value is written twice to one key (the workload's contract).
void infer_list_append(const Txns& txns, DepGraph& g, Findings& out);
void infer_rw_register(const Txns& txns, DepGraph& g, Findings& out);

// The order edges: process (each committed transaction to the next one of its process) and
// realtime (each committed transaction to every one invoked after it completed, transitively
// reduced: only from the last completed ones, so the edges stay few).
void add_process_order(const Txns& txns, DepGraph& g);
void add_realtime_order(const Txns& txns, DepGraph& g);

}  // namespace amino::check::txn
