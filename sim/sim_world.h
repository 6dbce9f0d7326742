// SimWorld: one simulation run. It owns the SimGrid Engine, the platform, the run's seeded Rng, the
// shared FaultState, the trace, and one node (SimEnv wrapped in a FaultyEnv) per platform host.
//
// Exactly one SimWorld per process, ever: SimGrid's Engine cannot be reset (its clock, pids, config
// and RNG leak into a second Engine, TOOLCHAIN.md §8), so a second construction throws. Run each
// simulation in a fresh process: ctest runs each TEST in its own process, and sim/isolate.h forks a
// child per run for sweeps. The Engine is deliberately never destroyed.
//
// Determinism: given the same binary, platform, boot functions, fault schedule and seed, a run
// produces the same trace and trace hash. Randomness: Rng(seed) forks, in node-name order, each
// node's Env::rng() and then its FaultyEnv's Rng; the world's own stream (rng()) comes last.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

#include "runtime/env.h"
#include "runtime/probe.h"
#include "testbed/faulty_env.h"
#include "testbed/fault_schedule.h"
#include "testbed/platform.h"
#include "sim/call_labels.h"
#include "sim/sim_env.h"
#include "sim/trace.h"

namespace amino::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  testbed::PlatformSpec platform;
  LogLevel log_level = LogLevel::kWarn;  // Env::log lines at or above go to stderr
  bool keep_trace_events = true;         // false: keep only the trace hash (long runs)
  std::uint64_t frame_overhead_bytes = 0;  // added to every frame's simulated size
  int stack_kib = 512;                     // per actor (execution contexts run user code)
  std::vector<std::string> simgrid_args;   // extra --cfg= / --log= flags; never --help/--version
};

// The node's software: called with the node's Env at first boot and after every restart, in an
// execution context on that node (so it may block).
using BootFn = std::function<void(Env& env)>;

struct RunReport {
  Time now = 0;
  bool deadlock = false;               // contexts wait forever and nothing can wake them
  std::vector<std::string> blocked;    // those contexts, as "node:context"
  std::vector<std::string> errors;     // exceptions stopped at actor boundaries, failed faults
  std::uint64_t frames_sent = 0, frames_delivered = 0, frames_lost = 0;
  bool ok() const { return !deadlock && errors.empty(); }
  std::string to_string() const;
};

class SimWorld {
 public:
  explicit SimWorld(SimOptions options);  // validates the platform; throws std::invalid_argument
  ~SimWorld();
  SimWorld(const SimWorld&) = delete;
  SimWorld& operator=(const SimWorld&) = delete;

  const testbed::PlatformSpec& platform() const { return options_.platform; }
  std::vector<NodeId> nodes() const;
  bool up(const NodeId& node);  // not crashed (a paused node is up)
  Env& env(const NodeId& node);  // what the runtime uses: the testbed::FaultyEnv over the SimEnv
  SimEnv& sim_env(const NodeId& node);
  testbed::FaultyEnv& faulty_env(const NodeId& node);
  testbed::FaultState& fault_state() { return *fault_state_; }
  Rng& rng() { return rng_; }

  // Installs the node's software and boots it now (at the current simulated time).
  void set_boot(const NodeId& node, BootFn boot);

  Time now() const;
  RunReport run_until(Time t);
  RunReport run_for(Duration d) { return run_until(now() + d); }
  const RunReport& report() const { return report_; }

  // Faults. apply() acts now; schedule() at a simulated time (>= now). Both validate first and
  // throw std::invalid_argument with every problem found.
  void apply(const testbed::Fault& fault);
  void schedule(Time at, testbed::Fault fault);
  void schedule(const testbed::FaultSchedule& schedule);  // its faults, and arms its triggers
  // Arms a trigger (its from/until are simulated times): from then on probes count for it, and the
  // probe that completes its count schedules its faults ("$node" = the probe's node) that much
  // later. Validates first, like schedule(). A trigger fires at most once.
  void arm(testbed::ProbeTrigger trigger);

  // Probes (runtime/probe.h): every probe of the run in order, each also a trace event of kind
  // "probe" outside the hash (Trace::note).
  const std::vector<ProbeRecord>& probes() const { return probes_; }
  // A trigger that fired: which (arming order), the probe (index into probes()), and the faults it
  // scheduled, resolved, at their simulated times.
  struct Firing {
    std::size_t trigger = 0;
    std::size_t probe = 0;
    std::vector<testbed::ScheduledFault> faults;
  };
  const std::vector<Firing>& firings() const { return firings_; }

  const Trace& trace() const { return trace_; }
  std::uint64_t trace_hash() const { return trace_.hash(); }
  std::string chrome_trace() const { return trace_.to_chrome_json(nodes()); }

  // For SimEnv and the controller.
  void transmit(SimEnv& from, const NodeId& to, std::string frame);
  void record(TraceEvent e);
  // Records a probe and counts it for the armed triggers. True when one fired: the caller (node
  // code, holding its node's lock) then wakes the controller as its task yields
  // (controller_wake()), so that no simcall splits the task that reported the probe.
  bool record_probe(const NodeId& node, std::string_view kind, ProbeFields fields);
  const simgrid::s4u::SemaphorePtr& controller_wake() const { return controller_wake_; }
  void record_error(const std::string& what);
  void count_delivered() { ++report_.frames_delivered; }
  void count_lost() { ++report_.frames_lost; }
  LogLevel log_level() const { return options_.log_level; }
  static Time true_now();

 private:
  struct Node {
    std::unique_ptr<SimEnv> sim;
    std::unique_ptr<testbed::FaultyEnv> faulty;
  };
  struct PendingFault {
    testbed::Fault fault;
    bool triggered = false;  // scheduled by a trigger
  };
  struct Armed {
    testbed::ProbeTrigger trigger;
    std::int64_t seen = 0;  // probes counted so far
    bool fired = false;
  };

  void create_engine();
  void create_nodes();
  Node& node(const NodeId& id);
  void apply_now(const testbed::Fault& fault);
  void fire(std::size_t armed, std::size_t probe);
  std::string lifecycle_misfit(const testbed::Fault& fault);
  void open_partition(const testbed::Fault& f);  // trace span of a partition, until the next heal
  void close_partitions();
  void controller_loop();
  void check_deadlock();

  SimOptions options_;
  testbed::TransportModel transport_{options_.platform};  // inert unless a host enables tcp/radio
  Rng rng_;
  std::shared_ptr<testbed::FaultState> fault_state_;
  Trace trace_;
  CallLabels call_labels_;
  RunReport report_;
  std::map<NodeId, Node> nodes_;
  std::multimap<Time, PendingFault> pending_;  // scheduled faults; equal times keep insertion order
  std::vector<Armed> armed_;
  std::vector<ProbeRecord> probes_;
  std::vector<Firing> firings_;
  // Nodes that triggered faults crashed, restarted, paused or resumed: a later crash/restart/
  // pause/resume of theirs that no longer fits their state is skipped, not an error (the schedule
  // was validated without knowing when triggers fire).
  std::set<NodeId> triggered_nodes_;
  simgrid::s4u::SemaphorePtr controller_wake_;
  std::vector<std::string> open_partitions_;
  std::uint64_t next_message_ = 0;
};

}  // namespace amino::sim
