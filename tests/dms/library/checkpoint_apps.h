// Application classes and helpers for the checkpointing DMs' tests (ExplicitCheckpoint,
// PeriodicCheckpoint, DurableSerializableRPC), in-process and on SimGrid.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "runtime/microservice.h"
#include "tests/dms/library/library_apps.h"

namespace amino::testing {

// A running total with a count of entries. add_then_fail writes, then throws (a call that fails
// half-way); slow_add blocks mid-method for `ops` of CPU work (1e9 ops = 1 s), so other calls and
// checkpoints can arrive while it is inside. checkpoint/rollback/save/undo are declared for the DMs
// that intercept them; their bodies must never run under those DMs.
class Ledger : public MicroService {
 public:
  Ledger() = default;
  explicit Ledger(std::int64_t start) : total_(start) {}
  std::int64_t add(std::int64_t d) {
    ++entries_;
    return total_ += d;
  }
  std::int64_t add_then_fail(std::int64_t d) {
    total_ += d;
    ++entries_;
    throw std::runtime_error("failed after writing");
  }
  std::int64_t slow_add(std::int64_t d, double ops) {
    const std::int64_t before = total_;
    runtime().compute(ops);
    ++entries_;
    return total_ = before + d;
  }
  std::int64_t total() const { return total_; }
  std::int64_t entries() const { return entries_; }
  void checkpoint() { throw std::logic_error("checkpoint reached the object"); }
  void rollback() { throw std::logic_error("rollback reached the object"); }
  void save() { throw std::logic_error("save reached the object"); }
  void undo() { throw std::logic_error("undo reached the object"); }
  static void describe(ClassBuilder<Ledger>& c) {
    c.constructor<std::int64_t>()
        .writes("add", &Ledger::add)
        .writes("add_then_fail", &Ledger::add_then_fail)
        .writes("slow_add", &Ledger::slow_add)
        .reads("total", &Ledger::total)
        .reads("entries", &Ledger::entries)
        .writes("checkpoint", &Ledger::checkpoint)
        .writes("rollback", &Ledger::rollback)
        .writes("save", &Ledger::save)
        .writes("undo", &Ledger::undo)
        .field("total", &Ledger::total_)
        .field("entries", &Ledger::entries_);
  }

 private:
  std::int64_t total_ = 0;
  std::int64_t entries_ = 0;
};

// The DM library cluster plus Ledger, and a kernel server crash + restart with its storage.
class CheckpointCluster : public LibCluster {
 public:
  CheckpointCluster() { classes().add<Ledger>("Ledger"); }

  // A Ledger (starting at `start`) on ks1 under `dm_list` ("[{name: X, config: {...}}]").
  Stub ledger(const std::string& dm_list, std::int64_t start = 0) {
    return create("class: Ledger\nargs: [" + std::to_string(start) + "]\ndmList: " + dm_list +
                  "\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n");
  }

  // kill -9 of `node`'s kernel server and a restart with the same storage; runs until the new
  // incarnation has registered again.
  void crash_and_restart(const NodeId& node) {
    restart_kernel(node, /*keep_storage=*/true);
    world().run_for(2 * kSecond);
  }

  std::int64_t total(const Stub& s, const NodeId& from = "client") {
    Reply r = call(from, s, "total");
    if (!r.ok()) throw std::runtime_error("total failed: " + r.status.to_string());
    return r.value.as_int();
  }
};

}  // namespace amino::testing
