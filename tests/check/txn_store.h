// A small in-memory transactional store run by seeded clients, recording the history the
// transactional checker reads: the checker's tests need histories of real executions, some
// correct (serializable) and some of a deliberately weakened store.
//
// Isolation::kSerializable  each transaction runs whole, at one scheduler step between its invoke
//                           and its completion: strictly serializable by construction.
// Isolation::kReadCommitted each micro-operation is its own step, interleaved with other clients';
//                           reads see the last committed state (and the transaction's own
//                           buffered writes), writes are buffered and installed at commit. No
//                           dirty or intermediate reads, no write cycles; but nothing stops read
//                           skew, write skew or lost updates: the bug the checker must find.
// Isolation::kReadUncommitted  weaker still: writes go to the shared state as they run (no
//                           locks), reads see whatever is there, and an aborting transaction runs
//                           and then undoes its writes: dirty (aborted) and intermediate reads.
//
// Some transactions abort before running (fail) and some lose their acknowledgement (info; half of
// them committed first). Values are unique per key (a global counter).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "testbed/check/history.h"
#include "testbed/check/transactions.h"

namespace amino::check::testing {

enum class Isolation { kSerializable, kReadCommitted, kReadUncommitted };

struct StoreRun {
  TxnModel model = TxnModel::kListAppend;
  Isolation isolation = Isolation::kSerializable;
  int processes = 8;
  int keys = 20;
  int transactions = 1000;
  int max_mops = 4;
  double read_ratio = 0.5;
  double abort_ratio = 0.02;
  double lost_ack_ratio = 0.02;
  std::uint64_t seed = 1;
};

class TxnStore {
 public:
  explicit TxnStore(const StoreRun& run) : run_(run), rng_(run.seed) {}

  History record() {
    History h;
    std::vector<Client> clients(static_cast<std::size_t>(run_.processes));
    int started = 0, done = 0;
    std::int64_t now = 0;
    // Every step advances one client; a bounded loop (each transaction takes at most max_mops + 3 steps).
    const std::int64_t max_steps = static_cast<std::int64_t>(run_.transactions) * (run_.max_mops + 3) * run_.processes * 4;
    for (std::int64_t step = 0; done < run_.transactions && step < max_steps; ++step) {
      const int p = pick(run_.processes);
      Client& c = clients[static_cast<std::size_t>(p)];
      ++now;
      if (!c.busy) {
        if (started == run_.transactions) continue;
        ++started;
        begin(h, c, p, now);
      } else if (!advance(c)) {
        finish(h, c, now);
        ++done;
      }
    }
    return h;
  }

 private:
  struct Client {
    bool busy = false;
    int op = -1;
    Json mops;             // as they will complete (reads filled in as they run)
    std::size_t next = 0;  // next micro-operation to run (read-committed)
    std::map<int, Json> buffer;  // own writes: key -> list appended (list-append) or value (register)
    std::map<int, std::optional<int>> before;  // read uncommitted: each register's value before its first own write
    enum { kRun, kAbort, kLoseAck, kCommitLoseAck } fate = kRun;
  };

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void begin(History& h, Client& c, int p, std::int64_t now) {
    const bool list = run_.model == TxnModel::kListAppend;
    c = Client{};
    c.busy = true;
    c.mops = Json::array();
    const int n = 1 + pick(run_.max_mops);
    for (int i = 0; i < n; ++i) {
      const int k = pick(run_.keys);
      if (chance(run_.read_ratio)) {
        c.mops.push_back(Json::array({"r", k, nullptr}));
      } else {
        c.mops.push_back(Json::array({list ? "append" : "w", k, ++counter_}));
      }
    }
    if (chance(run_.abort_ratio)) {
      c.fate = Client::kAbort;
    } else if (chance(run_.lost_ack_ratio)) {
      c.fate = chance(0.5) ? Client::kLoseAck : Client::kCommitLoseAck;
    }
    c.op = h.invoke(p, "txn", std::nullopt, c.mops, now);
  }

  // One step of a running transaction; false when it is ready to complete.
  bool advance(Client& c) {
    const bool dirty = run_.isolation == Isolation::kReadUncommitted;
    if ((c.fate == Client::kAbort && !dirty) || c.fate == Client::kLoseAck) return false;  // never runs
    if (run_.isolation == Isolation::kSerializable) {
      if (c.next == 0) {
        while (c.next < c.mops.size()) run_mop(c);
        commit(c);
        return true;
      }
      return false;
    }
    if (c.next < c.mops.size()) {
      run_mop(c);
      return true;
    }
    if (c.next == c.mops.size()) {
      if (!dirty) {
        commit(c);
      } else if (c.fate == Client::kAbort) {
        roll_back(c);
      }
      ++c.next;
      return true;
    }
    return false;
  }

  // Read uncommitted: undo an aborting transaction's writes that are still there.
  void roll_back(const Client& c) {
    for (const auto& [k, v] : c.buffer) {
      if (run_.model == TxnModel::kListAppend) {
        auto& l = lists_[k];
        for (const auto& e : v) {
          auto it = std::find(l.begin(), l.end(), e.get<int>());
          if (it != l.end()) l.erase(it);
        }
      } else if (registers_.count(k) && registers_[k] == v.get<int>()) {
        const std::optional<int>& old = c.before.at(k);
        if (old) {
          registers_[k] = *old;
        } else {
          registers_.erase(k);
        }
      }
    }
  }

  void run_mop(Client& c) {
    Json& m = c.mops[c.next++];
    const int k = m[1].get<int>();
    const bool list = run_.model == TxnModel::kListAppend;
    const bool dirty = run_.isolation == Isolation::kReadUncommitted;
    if (m[0] == "r" && dirty) {  // whatever is there, own writes included
      if (list) {
        m[2] = lists_.count(k) && !lists_[k].empty() ? Json(lists_[k]) : Json(nullptr);
      } else {
        m[2] = registers_.count(k) ? Json(registers_[k]) : Json(nullptr);
      }
      return;
    }
    if (m[0] == "r") {
      if (list) {
        Json seen = lists_.count(k) ? Json(lists_[k]) : Json::array();
        if (c.buffer.count(k)) {
          for (const auto& v : c.buffer[k]) seen.push_back(v);
        }
        m[2] = seen.empty() ? Json(nullptr) : seen;
      } else {
        m[2] = c.buffer.count(k) ? c.buffer[k] : (registers_.count(k) ? Json(registers_[k]) : Json(nullptr));
      }
      return;
    }
    if (list) {
      auto [it, fresh] = c.buffer.try_emplace(k, Json::array());
      it->second.push_back(m[2]);
    } else {
      if (dirty && !c.buffer.count(k)) c.before[k] = registers_.count(k) ? std::optional<int>(registers_[k]) : std::nullopt;
      c.buffer[k] = m[2];
    }
    if (dirty) {  // in place, now
      if (list) {
        lists_[k].push_back(m[2].get<int>());
      } else {
        registers_[k] = m[2].get<int>();
      }
    }
  }

  void commit(Client& c) {
    for (const auto& [k, v] : c.buffer) {
      if (run_.model == TxnModel::kListAppend) {
        for (const auto& e : v) lists_[k].push_back(e.get<int>());
      } else {
        registers_[k] = v.get<int>();
      }
    }
  }

  void finish(History& h, Client& c, std::int64_t now) {
    switch (c.fate) {
      case Client::kRun: h.complete(c.op, EventType::kOk, c.mops, now); break;
      case Client::kAbort: h.complete(c.op, EventType::kFail, h.operations()[static_cast<std::size_t>(c.op)].input, now); break;
      case Client::kLoseAck:
      case Client::kCommitLoseAck:
        h.complete(c.op, EventType::kInfo, h.operations()[static_cast<std::size_t>(c.op)].input, now);
        break;
    }
    c.busy = false;
  }

  StoreRun run_;
  std::mt19937_64 rng_;
  int counter_ = 0;
  std::map<int, std::vector<int>> lists_;
  std::map<int, int> registers_;
};

}  // namespace amino::check::testing
