#include "pybind/experiment_backend.h"

#include <fstream>
#include <sstream>

#include "testbed/loopback_cluster.h"
#include "testbed/sim_cluster.h"
#include "sim/sim_world.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// What both backends do the same way: their cluster classes share these names.
template <class Cluster> class ClusterBackend : public ExperimentBackend {
 public:
  bool wait_registered(Duration limit) override { return cluster_->wait_registered(limit); }
  bool run_on(const NodeId& node, std::function<void()> fn, Duration limit) override {
    return cluster_->run_on(node, std::move(fn), limit);
  }
  Kernel& kernel(const NodeId& node) override { return cluster_->kernel(node); }

 protected:
  std::unique_ptr<Cluster> cluster_;
};

class SimBackend : public ClusterBackend<testbed::SimCluster> {
 public:
  SimBackend(const ClassRegistry& classes, const DmRegistry& dms, const BackendOptions& o) {
    sim::SimOptions so;
    so.seed = o.seed;
    so.platform = o.platform;
    so.log_level = o.log_level;
    so.keep_trace_events = o.keep_trace_events;
    so.simgrid_args = {"--log=root.thres:critical"};
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_host = o.oms_host;
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes, dms, co);
  }
  ~SimBackend() override { cluster_.reset(); }  // before world_: kernels hold the world's Envs

  Env& env(const NodeId& node) override { return world_->env(node); }
  Time now() const override { return world_->now(); }
  void schedule(Duration after, const testbed::Fault& fault) override { world_->schedule(world_->now() + after, fault); }
  void run_until(Time t) override { world_->run_until(t); }

  void finish(const std::string& chrome_trace, const std::string& jsonl_trace, json& out, json& errors) override {
    const sim::RunReport& rep = world_->report();
    for (const auto& e : rep.errors) errors.push_back("simulation: " + e);
    write(chrome_trace, [&] { return world_->chrome_trace(); }, errors);
    write(jsonl_trace, [&] { return world_->trace().to_jsonl(); }, errors);
    std::ostringstream hash;
    hash << std::hex << world_->trace_hash();
    out["trace_hash"] = hash.str();
    out["sim_end"] = to_seconds(world_->now());
    out["frames"] = {{"sent", rep.frames_sent}, {"delivered", rep.frames_delivered}, {"lost", rep.frames_lost}};
    out["deadlock"] = rep.deadlock;
  }

 private:
  static void write(const std::string& path, const std::function<std::string()>& text, json& errors) {
    if (path.empty()) return;
    std::ofstream f(path);
    f << text();
    if (!f) errors.push_back("could not write trace file " + path);
  }

  std::unique_ptr<sim::SimWorld> world_;
};

class SocketsBackend : public ClusterBackend<testbed::LoopbackCluster> {
 public:
  SocketsBackend(const ClassRegistry& classes, const DmRegistry& dms, const BackendOptions& o) {
    testbed::LoopbackClusterOptions lo;
    lo.platform = o.platform;
    lo.oms_host = o.oms_host;
    lo.seed = o.seed;
    lo.log_level = o.log_level;
    cluster_ = std::make_unique<testbed::LoopbackCluster>(classes, dms, lo);
  }

  Env& env(const NodeId& node) override { return cluster_->env(node); }
  Time now() const override { return cluster_->now(); }
  void schedule(Duration after, const testbed::Fault& fault) override { cluster_->schedule(after, fault); }
  void run_until(Time t) override { cluster_->run_for(std::max<Duration>(0, t - cluster_->now())); }

  void finish(const std::string&, const std::string&, json& out, json& errors) override {
    for (const auto& e : cluster_->errors()) errors.push_back("sockets: " + e);
    const testbed::FaultyStats s = cluster_->message_stats();
    out["trace_hash"] = nullptr;  // real time: no deterministic trace
    out["wall_end"] = to_seconds(cluster_->now());
    out["frames"] = {{"sent", s.sent}, {"dropped", s.dropped + s.blocked}, {"duplicated", s.duplicated}};
    out["deadlock"] = false;
  }
};

}  // namespace

std::unique_ptr<ExperimentBackend> make_sim_backend(const ClassRegistry& classes, const DmRegistry& dms,
                                                    const BackendOptions& options) {
  return std::make_unique<SimBackend>(classes, dms, options);
}

std::unique_ptr<ExperimentBackend> make_sockets_backend(const ClassRegistry& classes, const DmRegistry& dms,
                                                        const BackendOptions& options) {
  return std::make_unique<SocketsBackend>(classes, dms, options);
}

}  // namespace amino::pyrun
