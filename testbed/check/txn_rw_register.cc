// Read-write register inference (Elle, section 4.3), only what is sound without assumptions about
// the database: values are unique per key, so a read names its writer (wr); the initial state
// (null) precedes every version; and a committed transaction that read v1 of k and then wrote k
// installed its version after v1 ("write follows read"). The order of blind writes is unknown.
#include <map>
#include <unordered_map>

#include "testbed/check/txn_inferrer.h"

namespace amino::check::txn {

namespace {

// Readers of the initial state times writers of a key: past this, the rw edges from the initial
// state are not added for that key (not_checked says so).
constexpr std::size_t kMaxInitialEdgesPerKey = 2'000'000;

struct Writer {
  int txn = -1;
  bool final = false;  // the writer's last write to the key: the version it installed
};

class RwRegister : Inferrer<Writer> {
 public:
  RwRegister(const Txns& txns, DepGraph& g, Findings& out) : Inferrer(txns, g, out) {}

  void run() {
    index_writers();
    for (int i = 0; i < static_cast<int>(t_.txns.size()); ++i) {
      if (txn(i).outcome == Outcome::kOk) check_reads(i);
    }
    lost_updates();
    edges();
    out_.not_checked.push_back(
        "rw-register: the order of versions is known only from the initial state and from transactions that "
        "read a key before writing it; the order of blind writes is unknown, so ww and rw dependencies through "
        "it are not inferred and cycles needing them go unseen");
  }

 private:
  std::string val(int v) const { return v < 0 ? std::string("null") : t_.values.text(v); }

  void index_writers() {
    for (int i = 0; i < static_cast<int>(t_.txns.size()); ++i) {
      std::unordered_map<int, int> last;  // key -> value of the last write
      for (const Mop& m : txn(i).mops) {
        if (m.kind != MopKind::kWrite) continue;
        auto [it, fresh] = writers_.emplace(pair_key(m.key, m.value), Writer{i, false});
        if (!fresh && it->second.txn != i) {
          throw TxnHistoryError(txn(i).op, "operation #" + std::to_string(txn(i).op) + " (process " +
                                               std::to_string(txn(i).process) + "): writes " + val(m.value) +
                                               " to key " + key(m.key) + ", as #" +
                                               std::to_string(txn(it->second.txn).op) +
                                               " already did: rw-register values must be unique per key");
        }
        last[m.key] = m.value;
      }
      for (const auto& [k, v] : last) {
        writers_[pair_key(k, v)].final = true;
        writes_[k].push_back({i, v});
      }
    }
  }

  void check_reads(int i) {
    const Txn& t = txn(i);
    struct State {
      bool wrote = false;
      int written = -1;  // own last write
      bool external = false;
      int external_value = -1;  // the value its last read before its first write saw
    };
    std::unordered_map<int, State> state;
    std::vector<int> keys;  // in first-touch order
    for (const Mop& m : t.mops) {
      auto [it, fresh] = state.try_emplace(m.key);
      if (fresh) keys.push_back(m.key);
      State& s = it->second;
      if (m.kind == MopKind::kWrite) {
        s.wrote = true;
        s.written = m.value;
        continue;
      }
      const int v = m.value;
      if (s.wrote) {
        if (v != s.written) {
          report("internal", {t.op}, [&] { return t_.describe(i) + " read key " + key(m.key) + " = " + val(v) + " after writing " + val(s.written) +
                                         " to it"; });
        }
      } else {
        // Before its own write, every read shows others' state; two that differ are a fuzzy read,
        // which the graph shows as a cycle (rw to the newer version's writer, wr back).
        s.external = true;
        s.external_value = v;
        external(i, m.key, v);
      }
    }
    // Write follows read: its installed version comes after the one it read.
    for (int k : keys) {
      const State& s = state[k];
      if (s.external && s.wrote) follows_.push_back({i, k, s.external_value, s.written});
    }
  }

  // A read before any write of its key in its transaction.
  void external(int i, int k, int v) {
    const Txn& t = txn(i);
    if (v < 0) {
      initial_readers_[k].push_back(i);
      return;
    }
    readers_[pair_key(k, v)].push_back(i);
    const Writer* w = writer(k, v);
    if (!w) {
      report("garbage-read", {t.op}, [&] { return t_.describe(i) + " read key " + key(k) + " = " + val(v) + ", which nobody wrote"; });
    } else if (w->txn == i) {
      report("internal", {t.op}, [&] { return t_.describe(i) + " read key " + key(k) + " = " + val(v) + " before writing it itself"; });
    } else if (txn(w->txn).outcome == Outcome::kFail) {
      report("G1a", {txn(w->txn).op, t.op}, [&] { return t_.describe(i) + " read key " + key(k) + " = " + val(v) + ", written by " +
                                                t_.describe(w->txn) + ", which failed (aborted)"; });
    } else {
      if (!w->final) {
        report("G1b", {txn(w->txn).op, t.op}, [&] { return t_.describe(i) + " read key " + key(k) + " = " + val(v) + ", which " +
                                                  t_.describe(w->txn) + " overwrote later in the same transaction"; });
      }
      g_.add(w->txn, i, kWR, {k, v, -1});
    }
  }

  // Two committed transactions that read the same version of a key and both wrote it.
  void lost_updates() {
    std::map<std::uint64_t, std::vector<int>> by_version;  // (key, value read or -1) -> writers
    for (const Follow& f : follows_) by_version[pair_key(f.key, f.read)].push_back(f.txn);
    report_lost_updates(by_version, [&](int k, int v) {
      return "read key " + key(k) + " = " + val(v) + " and then wrote it: each update was made without seeing the others'";
    });
  }

  void edges() {
    for (const Follow& f : follows_) {
      // ww: the version read was installed before this one.
      if (f.read >= 0) {
        const Writer* w = writer(f.key, f.read);
        if (live(w)) g_.add(w->txn, f.txn, kWW, {f.key, f.read, f.wrote});
      }
      // rw: whoever read that version did not see this one.
      if (f.read < 0) continue;  // the initial state's readers: below, for every writer
      auto it = readers_.find(pair_key(f.key, f.read));
      if (it == readers_.end()) continue;
      for (int r : it->second) g_.add(r, f.txn, kRW, {f.key, f.read, f.wrote});
    }
    for (const auto& [k, readers] : initial_readers_) {
      auto it = writes_.find(k);
      if (it == writes_.end()) continue;
      if (readers.size() * it->second.size() > kMaxInitialEdgesPerKey) {
        out_.not_checked.push_back("key " + key(k) + ": " + std::to_string(readers.size()) + " reads of the initial state times " +
                                   std::to_string(it->second.size()) + " writes is too many rw dependencies; not inferred");
        continue;
      }
      for (int r : readers) {
        for (const auto& [w, v] : it->second) {
          if (txn(w).outcome != Outcome::kFail) g_.add(r, w, kRW, {k, -1, v});
        }
      }
    }
  }

  struct Follow {
    int txn, key, read, wrote;
  };
  std::map<int, std::vector<std::pair<int, int>>> writes_;  // key -> (txn, installed value)
  std::unordered_map<std::uint64_t, std::vector<int>> readers_;  // (key, value) -> external readers
  std::map<int, std::vector<int>> initial_readers_;              // key -> readers of null
  std::vector<Follow> follows_;
};

}  // namespace

void infer_rw_register(const Txns& txns, DepGraph& g, Findings& out) { RwRegister(txns, g, out).run(); }

}  // namespace amino::check::txn
