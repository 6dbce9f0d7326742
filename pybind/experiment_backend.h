// Where a scenario runs: the SimGrid simulator (deterministic, simulated time, traces) or the
// sockets backend on loopback (testbed::LoopbackCluster: real TCP in one process, real time, the
// platform's latencies emulated). The Experiment in scenario_runner.cc drives either through this
// interface; only the factories below know which is which.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/kernel.h"
#include "testbed/fault_schedule.h"
#include "testbed/platform.h"

namespace amino::pyrun {

struct BackendOptions {
  std::uint64_t seed = 1;
  testbed::PlatformSpec platform;
  NodeId oms_host;
  LogLevel log_level = LogLevel::kError;
  bool keep_trace_events = false;  // sim only
};

class ExperimentBackend {
 public:
  virtual ~ExperimentBackend() = default;
  virtual bool wait_registered(Duration limit) = 0;
  // Runs fn in an execution context on `node`, and the backend until fn returns or `limit` passes.
  virtual bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) = 0;
  virtual Kernel& kernel(const NodeId& node) = 0;
  virtual Env& env(const NodeId& node) = 0;
  virtual Time now() const = 0;
  // The fault (already validated for this backend) acts `after` from now.
  virtual void schedule(Duration after, const testbed::Fault& fault) = 0;
  virtual void run_until(Time t) = 0;
  // Adds the backend's own results (trace hash, frame counts, end time...) to `out`, writes the
  // traces asked for, and appends what went wrong inside the run to `errors`.
  virtual void finish(const std::string& chrome_trace, const std::string& jsonl_trace, nlohmann::json& out,
                      nlohmann::json& errors) = 0;
};

std::unique_ptr<ExperimentBackend> make_sim_backend(const ClassRegistry& classes, const DmRegistry& dms,
                                                    const BackendOptions& options);
std::unique_ptr<ExperimentBackend> make_sockets_backend(const ClassRegistry& classes, const DmRegistry& dms,
                                                        const BackendOptions& options);

}  // namespace amino::pyrun
