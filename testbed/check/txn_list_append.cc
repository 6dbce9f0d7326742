// List-append inference (Elle, section 4): every append is unique, so each element of a read names
// its writer; a key's version order is its longest read, and every read must be a prefix of it.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "testbed/check/txn_inferrer.h"

namespace amino::check::txn {

namespace {

// Reads of a key's whole known list times the committed appends to it that no read shows: past
// this, those rw edges are not added for that key (not_checked says so).
constexpr std::size_t kMaxUnseenEdgesPerKey = 2'000'000;

struct Writer {
  int txn = -1;
  int index = 0;  // among the writer's appends to this key
  int count = 0;  // the writer's appends to this key
};

class ListAppend : Inferrer<Writer> {
 public:
  ListAppend(const Txns& txns, DepGraph& g, Findings& out) : Inferrer(txns, g, out) {}

  void run() {
    index_writers();
    for (int i = 0; i < static_cast<int>(t_.txns.size()); ++i) {
      if (t_.txns[static_cast<std::size_t>(i)].outcome == Outcome::kOk) check_reads(i);
    }
    lost_updates();
    version_orders();
    edges();
  }

 private:
  const std::string& val(int v) const { return t_.values.text(v); }
  // A list as an explanation shows it: a long one by its ends and its length.
  std::string list(const std::vector<int>& l) const {
    constexpr std::size_t kEnds = 5;
    std::string s = "[";
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l.size() > 4 * kEnds && i >= kEnds && i < l.size() - kEnds) {
        if (i == kEnds) s += ", ...";
        continue;
      }
      s += (i ? ", " : "") + val(l[i]);
    }
    return s + "]" + (l.size() > 4 * kEnds ? " (" + std::to_string(l.size()) + " elements)" : "");
  }

  void index_writers() {
    for (int i = 0; i < static_cast<int>(t_.txns.size()); ++i) {
      std::unordered_map<int, int> count;
      for (const Mop& m : txn(i).mops) {
        if (m.kind == MopKind::kAppend) ++count[m.key];
      }
      std::unordered_map<int, int> seen;
      for (const Mop& m : txn(i).mops) {
        if (m.kind != MopKind::kAppend) continue;
        auto [it, fresh] = writers_.emplace(pair_key(m.key, m.value), Writer{i, seen[m.key]++, count[m.key]});
        if (!fresh) {
          throw TxnHistoryError(txn(i).op, "operation #" + std::to_string(txn(i).op) + " (process " +
                                               std::to_string(txn(i).process) + "): appends " + val(m.value) +
                                               " to key " + key(m.key) + ", as #" +
                                               std::to_string(txn(it->second.txn).op) +
                                               " already did: list-append values must be unique per key");
        }
      }
    }
  }

  // Each read of a committed transaction: it must end with the transaction's own appends to that
  // key so far (else "internal"); what precedes them is what it saw of the others (external), each
  // element checked against its writer. Two reads of a key in one transaction may see different
  // states (a fuzzy read): that is no internal error but a cycle (rw, then wr) the graph will show.
  void check_reads(int i) {
    const Txn& t = txn(i);
    struct State {
      std::vector<int> own;  // own appends so far
      const std::vector<int>* last = nullptr;  // the last read's external part, before any own append
      std::size_t last_size = 0;
    };
    std::unordered_map<int, State> state;
    for (const Mop& m : t.mops) {
      State& s = state[m.key];
      if (m.kind == MopKind::kAppend) {
        if (s.own.empty() && s.last) {
          updates_[pair_key(m.key, s.last_size == 0 ? -1 : (*s.last)[s.last_size - 1])].push_back(i);
        }
        s.own.push_back(m.value);
        continue;
      }
      const bool ends_with_own = m.list.size() >= s.own.size() &&
                                 std::equal(s.own.begin(), s.own.end(), m.list.end() - static_cast<long>(s.own.size()));
      if (!ends_with_own) {
        report("internal", {t.op}, [&] {
          return t_.describe(i) + " read key " + key(m.key) + " = " + list(m.list) + ", which does not end with its own appends " +
                   list(s.own); });
        check_elements(i, m, m.list.size());
        continue;
      }
      const std::size_t external = m.list.size() - s.own.size();
      external_.push_back({i, &m, external});
      // Only the external part tells the order of committed appends: where a store shows a
      // transaction its own appends before it commits says nothing about where they end up.
      reads_[m.key].push_back({i, &m, external});
      if (s.own.empty()) {
        s.last = &m.list;
        s.last_size = external;
      }
      check_elements(i, m, external);
    }
  }

  // The first `external` elements of a read are others' appends. Reads of a key mostly repeat a
  // prefix already checked (each read extends the last), so per key the longest clean list checked
  // so far is kept, and only what follows the common prefix is looked at again: linear in the
  // distinct elements, not in the sum of the reads' lengths.
  void check_elements(int i, const Mop& m, std::size_t external) {
    Checked& c = checked_[m.key];
    const std::vector<int>& l = m.list;
    const std::size_t limit = std::min(l.size(), c.base.size());
    std::size_t common = 0;
    while (common < limit && l[common] == c.base[common]) ++common;
    if (common > c.first_bad) common = 0;  // the shared prefix holds a bad element: check it all again
    std::unordered_map<int, int> seen;  // elements after the common prefix -> occurrences
    std::size_t first_bad = kNone;
    for (std::size_t j = common; j < l.size(); ++j) {
      const int v = l[j];
      auto before = c.pos.find(v);
      const int occurrences = ++seen[v] + (common > 0 && before != c.pos.end() && static_cast<std::size_t>(before->second) < common);
      if (occurrences >= 2) first_bad = std::min(first_bad, j);
      if (occurrences == 2) {
        report("duplicate-elements", {txn(i).op}, [&] {
          return t_.describe(i) + " read key " + key(m.key) + " = " + list(l) + ": " + val(v) + " appears more than once"; });
      }
      if (element_bad(i, m, v)) first_bad = std::min(first_bad, j);
    }
    if (common == c.base.size() && l.size() > common) {  // l extends the base: it becomes the base
      for (std::size_t j = common; j < l.size(); ++j) {
        c.base.push_back(l[j]);
        c.pos.emplace(l[j], static_cast<int>(j));
      }
      c.first_bad = std::min(c.first_bad, first_bad);
    }
    intermediate(i, m, external);
  }

  // Garbage or aborted: reported, and true.
  bool element_bad(int i, const Mop& m, int v) {
    const Writer* w = writer(m.key, v);
    if (!w) {
      report("garbage-read", {txn(i).op}, [&] {
          return t_.describe(i) + " read key " + key(m.key) + " = " + list(m.list) + ": nobody appended " + val(v); });
      return true;
    }
    if (txn(w->txn).outcome == Outcome::kFail) {
      report("G1a", {txn(w->txn).op, txn(i).op}, [&] {
          return t_.describe(i) + " read key " + key(m.key) + " = " + list(m.list) + ": " + val(v) + " was appended by " +
                 t_.describe(w->txn) + ", which failed (aborted)"; });
      return true;
    }
    return false;
  }

  void intermediate(int i, const Mop& m, std::size_t external) {
    const Txn& t = txn(i);
    if (external == 0) return;
    const int last = m.list[external - 1];
    const Writer* w = writer(m.key, last);
    if (live(w) && w->txn != i && w->index + 1 < w->count) {
      report("G1b", {txn(w->txn).op, t.op}, [&] {
          return t_.describe(i) + " read key " + key(m.key) + " = " + list(m.list) + ", ending with " + val(last) + ", an intermediate append of " +
                 t_.describe(w->txn) + " (its append " + std::to_string(w->index + 1) + " of " + std::to_string(w->count) +
                 " to that key)"; });
    }
  }

  // Two committed transactions that read the same version of a key and both appended to it: in
  // any order of the appends, one of them overwrote a state the other never saw.
  void lost_updates() {
    report_lost_updates(updates_, [&](int k, int v) {
      return "read key " + key(k) + (v < 0 ? " empty" : " ending in " + val(v)) +
             " and then appended to it: each update was made without seeing the others'";
    });
  }

  void version_orders() {
    for (auto& [k, reads] : reads_) {
      const Read* longest = &reads.front();
      for (const Read& r : reads) {
        if (r.size > longest->size) longest = &r;
      }
      const std::vector<int>& l0 = longest->mop->list;
      std::vector<int> order(l0.begin(), l0.begin() + static_cast<long>(longest->size));
      bool compatible = true;
      for (const Read& r : reads) {
        const std::vector<int>& l = r.mop->list;
        if (std::equal(l.begin(), l.begin() + static_cast<long>(r.size), order.begin())) continue;
        report("incompatible-order", {txn(longest->txn).op, txn(r.txn).op}, [&, k = k] {
          return "key " + key(k) + ": " + t_.describe(r.txn) + " read " + list({l.begin(), l.begin() + static_cast<long>(r.size)}) +
                   ", which is not a prefix of " + t_.describe(longest->txn) + "'s " + list(order) +
                   ": no single order of appends explains both"; });
        out_.not_checked.push_back("key " + key(k) + ": reads disagree on the order of appends, so no ww or rw "
                                   "dependency was inferred from it");
        compatible = false;
        break;
      }
      if (compatible) order_.emplace(k, std::move(order));
    }
  }

  void edges() {
    // ww: consecutive elements of each version order, by different writers.
    for (const auto& [k, order] : order_) {
      for (std::size_t j = 0; j + 1 < order.size(); ++j) {
        const Writer* a = writer(k, order[j]);
        const Writer* b = writer(k, order[j + 1]);
        if (live(a) && live(b)) g_.add(a->txn, b->txn, kWW, {k, order[j], order[j + 1]});
      }
    }
    for (const Read& r : external_) {
      const int k = r.mop->key;
      const std::vector<int>& l = r.mop->list;
      const std::size_t n = r.size;  // the part others appended
      // wr: from the writer of the last element read.
      if (n > 0) {
        const Writer* w = writer(k, l[n - 1]);
        if (live(w)) g_.add(w->txn, r.txn, kWR, {k, l[n - 1], -1});
      }
      // rw: to the writer of the element that follows what was read.
      auto it = order_.find(k);
      if (it == order_.end() || n >= it->second.size()) continue;
      const int next = it->second[n];
      const Writer* w = writer(k, next);
      if (live(w)) g_.add(r.txn, w->txn, kRW, {k, n == 0 ? -1 : l[n - 1], next});
    }
    unobserved_edges();
  }

  // A committed append that no read shows still happened: every read is a prefix of the key's
  // final list, so it comes after all the elements read (in an unknown order among such appends).
  // Its writer follows the last element's writer (ww), and whoever read the whole known list
  // did not see it (rw). Unknown (info) transactions' unseen appends may never have happened.
  void unobserved_edges() {
    std::map<int, std::vector<std::pair<int, int>>> unseen;  // key -> (txn, its first unseen value)
    std::map<int, std::unordered_map<int, int>> observed;    // key -> elements of its order
    for (const auto& [k, order] : order_) {
      auto& o = observed[k];
      for (int v : order) o.emplace(v, 1);
    }
    for (int i = 0; i < static_cast<int>(t_.txns.size()); ++i) {
      if (txn(i).outcome != Outcome::kOk) continue;
      std::unordered_map<int, int> done;
      for (const Mop& m : txn(i).mops) {
        if (m.kind != MopKind::kAppend || !order_.count(m.key) || observed[m.key].count(m.value)) continue;
        if (done.emplace(m.key, 1).second) unseen[m.key].push_back({i, m.value});
      }
    }
    std::map<int, std::vector<const Read*>> complete;  // key -> reads of its whole known list
    for (const Read& r : external_) {
      auto it = order_.find(r.mop->key);
      if (it != order_.end() && r.size == it->second.size()) complete[r.mop->key].push_back(&r);
    }
    for (const auto& [k, writers] : unseen) {
      const std::vector<int>& order = order_.at(k);
      const std::vector<const Read*>& readers = complete[k];
      if (readers.size() * writers.size() > kMaxUnseenEdgesPerKey) {
        out_.not_checked.push_back("key " + key(k) + ": " + std::to_string(readers.size()) + " reads of its whole list times " +
                                   std::to_string(writers.size()) + " appends no read saw is too many rw dependencies; not inferred");
        continue;
      }
      const Writer* last = order.empty() ? nullptr : writer(k, order.back());
      for (const auto& [w, v] : writers) {
        if (live(last)) g_.add(last->txn, w, kWW, {k, order.back(), v});
        for (const Read* r : readers) g_.add(r->txn, w, kRW, {k, order.empty() ? -1 : order.back(), v});
      }
    }
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Checked {
    std::vector<int> base;  // the longest list checked so far (every read checked extended it)
    std::unordered_map<int, int> pos;  // element -> its first position in base
    std::size_t first_bad = kNone;     // position of base's first duplicate, garbage or aborted element
  };
  std::unordered_map<int, Checked> checked_;  // key -> what its reads showed so far

  struct Read {
    int txn;
    const Mop* mop;
    std::size_t size;  // external reads: the elements others appended (before the own ones)
  };
  std::vector<Read> external_;  // every read, its external part
  std::map<int, std::vector<Read>> reads_;  // key -> every committed read, its external part (std::map: deterministic order)
  std::map<std::uint64_t, std::vector<int>> updates_;  // (key, last element read or -1) -> who then appended
  std::map<int, std::vector<int>> order_;  // key -> its version order (the longest external read)
};

}  // namespace

void infer_list_append(const Txns& txns, DepGraph& g, Findings& out) { ListAppend(txns, g, out).run(); }

}  // namespace amino::check::txn
