// What each consistency level forbids: the one table (transactions.h, consistency_levels()).
//
// Sources: Adya's thesis (1999) defines PL-1 (no G0), PL-2 (no G1: G1a, G1b, G1c), PL-2.99 (no
// G1, no G2-item) and PL-3 (no G1, no G2); here every read is of items, never of predicates, so G2
// is G2-item and PL-2.99 and PL-3 forbid the same cycles. Snapshot isolation allows write skew
// (cycles of two adjacent rw edges) but no cycle whose rw edges are all non-adjacent (Cerone and
// Gotsman, "Analysing Snapshot Isolation", PODC 2016: G-single and G-nonadjacent, as Elle
// reports them). The strong session and strong/strict levels add process and real-time order to
// the graph (Elle's -process and -realtime anomalies; Daudjee & Salem, "Lazy Database Replication
// with Snapshot Isolation", VLDB 2006, for strong (session) snapshot isolation). Every level forbids what no isolation
// level explains: garbage, duplicated elements, reads that disagree on an order, a transaction
// contradicting itself. A lost update (two committed transactions read one version of a key and
// both wrote it) makes a G-single cycle in any version order (Adya's P4, which SI forbids), so the
// levels that forbid G-single forbid it, also where the order of the two writes is unknown.
#include <stdexcept>

#include "testbed/check/transactions.h"

namespace amino::check {

namespace {

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> suffixed(const std::vector<std::string>& cycles, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& c : cycles) out.push_back(c + suffix);
  return out;
}

}  // namespace

const std::vector<ConsistencyLevel>& consistency_levels() {
  static const std::vector<ConsistencyLevel> levels = [] {
    const std::vector<std::string> always{"garbage-read", "duplicate-elements", "incompatible-order", "internal"};
    const auto ru = plus(always, {"G0"});
    const auto rc = plus(ru, {"G1a", "G1b", "G1c"});
    const auto si = plus(rc, {"lost-update", "G-single", "G-nonadjacent"});
    const auto ser = plus(si, {"G2-item"});
    const std::vector<std::string> cycles{"G0", "G1c", "G-single", "G-nonadjacent", "G2-item"};
    const std::vector<std::string> si_cycles{"G0", "G1c", "G-single", "G-nonadjacent"};
    const auto strong_session_si = plus(si, suffixed(si_cycles, "-process"));
    return std::vector<ConsistencyLevel>{
        {"read-uncommitted", ru, "", "Adya PL-1: no G0 (write cycles)"},
        {"read-committed", rc, "", "Adya PL-2: no G0, no G1 (aborted reads, intermediate reads, ww/wr cycles)"},
        {"snapshot-isolation", si, "",
         "PL-2 and no G-single or G-nonadjacent (Cerone & Gotsman 2016): write skew is allowed"},
        {"strong-session-snapshot-isolation", strong_session_si, "process",
         "snapshot isolation, and each process's transactions in its order (Daudjee & Salem 2006)"},
        {"strong-snapshot-isolation", plus(strong_session_si, suffixed(si_cycles, "-realtime")), "realtime",
         "snapshot isolation whose snapshots respect real time: a transaction sees every one that committed "
         "before it began"},
        {"repeatable-read", ser, "", "Adya PL-2.99: no G1, no G2-item (item anti-dependency cycles)"},
        {"serializable", ser, "", "Adya PL-3: no G1, no G2 (with item reads only, the same as PL-2.99)"},
        {"strong-session-serializable", plus(ser, suffixed(cycles, "-process")), "process",
         "serializable, and each process's transactions in its order (Elle's -process cycles)"},
        {"strict-serializable", plus(plus(ser, suffixed(cycles, "-process")), suffixed(cycles, "-realtime")),
         "realtime", "serializable, and a transaction that completed before another began precedes it"},
    };
  }();
  return levels;
}

const ConsistencyLevel& consistency_level(const std::string& name) {
  std::string known;
  for (const auto& l : consistency_levels()) {
    if (l.name == name) return l;
    known += (known.empty() ? "" : ", ") + l.name;
  }
  throw std::invalid_argument("unknown consistency level \"" + name + "\" (known: " + known + ")");
}

}  // namespace amino::check
