// The in-process backend: every node in one thread, virtual time, a single event queue ordered by
// (time, sequence), fibers for execution contexts. Deterministic by construction, no network model
// beyond a fixed per-message latency; for unit tests and for measuring runtime overheads without a
// network. Crashing a node freezes it: its events are dropped and its contexts never resume.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "runtime/env.h"
#include "runtime/fiber/fiber_scheduler.h"

namespace amino::inproc {

class InProcEnv;

struct WorldOptions {
  std::uint64_t seed = 1;
  Duration latency = 100 * kMicrosecond;  // one-way, every message
  double cpu_ops_per_second = 1e9;        // Env::compute() charge
  bool log_to_stderr = false;
};

class InProcWorld {
 public:
  explicit InProcWorld(WorldOptions options = {});
  ~InProcWorld();
  InProcWorld(const InProcWorld&) = delete;
  InProcWorld& operator=(const InProcWorld&) = delete;

  Env& add_node(const NodeId& id);
  Env& node(const NodeId& id);
  Time now() const { return now_; }

  // Runs events up to and including time t, then sets the clock to t.
  void run_until(Time t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs until pred() holds (checked after every event) or the clock passes `limit`.
  bool run_until(const std::function<bool()>& pred, Time limit);
  // Runs fn in an execution context on `node` and the world until fn returns (or `limit`).
  bool run_task(const NodeId& node, std::function<void()> fn, Duration limit = 60 * kSecond);
  // Runs fn at time t (not earlier than now) outside every node, in (time, sequence) order with the
  // nodes' events: a harness's scheduled faults.
  void at(Time t, std::function<void()> fn) { (void)schedule(std::max(t, now_), nullptr, std::move(fn)); }

  // Faults for tests: a crashed node is frozen; a cut pair drops messages both ways.
  void crash(const NodeId& id);
  bool crashed(const NodeId& id) const;
  // Boots a crashed node again as a fresh Env (its old contexts stay frozen); with keep_storage its
  // synced durable storage survives, otherwise it starts empty. The caller re-creates its software.
  Env& restart(const NodeId& id, bool keep_storage);
  void cut(const NodeId& a, const NodeId& b);
  void heal(const NodeId& a, const NodeId& b);

  std::uint64_t events_run() const { return events_run_; }
  std::uint64_t messages_delivered() const { return messages_delivered_; }

 private:
  friend class InProcEnv;
  struct Event {
    Time at;
    std::uint64_t seq;
    InProcEnv* node;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };

  std::uint64_t schedule(Time at, InProcEnv* node, std::function<void()> fn);
  void cancel(std::uint64_t seq) { cancelled_.insert(seq); }
  bool step();
  void deliver(InProcEnv& from, const NodeId& to, std::string frame);
  bool is_cut(const NodeId& a, const NodeId& b) const;

  WorldOptions options_;
  Rng rng_;
  Time now_ = 0;
  std::uint64_t next_seq_ = 1;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::set<std::uint64_t> cancelled_;
  std::map<NodeId, std::unique_ptr<InProcEnv>> nodes_;
  std::vector<std::unique_ptr<InProcEnv>> retired_;  // crashed incarnations: frozen fibers point at them
  std::set<std::pair<NodeId, NodeId>> cuts_;
  fiber::FiberScheduler fibers_;
  std::uint64_t events_run_ = 0;
  std::uint64_t messages_delivered_ = 0;
};

}  // namespace amino::inproc
