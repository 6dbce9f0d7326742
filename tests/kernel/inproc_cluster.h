// An OMS and N kernel servers in one InProcWorld, for kernel and DM unit tests.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dms/all.h"
#include "runtime/inproc/inproc_world.h"
#include "runtime/kernel.h"
#include "runtime/kernel_object.h"
#include "runtime/oms.h"
#include "tests/kernel/test_apps.h"

namespace amino::testing {

struct ClusterOptions {
  int servers = 3;
  std::uint64_t seed = 7;
  KernelOptions kernel;
  OmsOptions oms;
};

class InProcCluster {
 public:
  explicit InProcCluster(ClusterOptions o = {}) : options_(std::move(o)), world_(inproc::WorldOptions{o.seed}) {
    dms::register_all(dms_);
    dms_.add(trace_dm("TraceA"));
    dms_.add(trace_dm("TraceB"));
    DmDescriptor durable = trace_dm("TraceDurable");
    durable.durable = true;
    dms_.add(durable);
    classes_.add<Counter>("Counter");
    classes_.add<Greeter>("Greeter");
    oms_rpc_ = std::make_unique<Rpc>(world_.add_node("oms"));
    oms_ = std::make_unique<Oms>(*oms_rpc_, dms_, options_.oms);
    oms_->start();
    for (int i = 1; i <= options_.servers; ++i) add_kernel("ks" + std::to_string(i), "region-" + std::to_string(i));
    add_kernel("client", "edge", {{"role", "client"}});
    // Wait until every kernel server has registered.
    world_.run_until([this] { return oms_->nodes().size() == kernels_.size(); }, world_.now() + 5 * kSecond);
  }

  Kernel& add_kernel(const NodeId& id, const std::string& region, std::map<std::string, std::string> labels = {}) {
    KernelOptions ko = options_.kernel;
    ko.oms = "oms";
    ko.region = region;
    ko.labels = std::move(labels);
    return boot(world_.add_node(id), ko);
  }

  // Crashes a kernel server and boots it again (with or without its durable storage), as a real
  // process restart would: a fresh Env and a fresh Kernel with the same options.
  Kernel& restart_kernel(const NodeId& id, bool keep_storage) {
    if (!world_.crashed(id)) world_.crash(id);
    KernelOptions ko = kernels_.at(id)->options();
    retired_.push_back(std::move(kernels_.at(id)));
    return boot(world_.restart(id, keep_storage), ko);
  }

  // Runs fn in an execution context on `node` until it returns; false if it did not in time.
  bool run(const NodeId& node, std::function<void()> fn, Duration limit = 60 * kSecond) {
    return world_.run_task(node, std::move(fn), limit);
  }

  Kernel& kernel(const NodeId& id) { return *kernels_.at(id); }
  Kernel& client() { return kernel("client"); }
  Oms& oms() { return *oms_; }
  inproc::InProcWorld& world() { return world_; }
  DmRegistry& dms() { return dms_; }
  ClassRegistry& classes() { return classes_; }
  // Which kernel server hosts the physical replica `oid` (empty if none).
  NodeId host_of(std::uint64_t oid) {
    for (auto& [id, k] : kernels_) {
      if (k->object(oid) != nullptr) return id;
    }
    return {};
  }

 private:
  Kernel& boot(Env& env, const KernelOptions& ko) {
    auto k = std::make_unique<Kernel>(env, classes_, dms_, ko);
    k->start();
    Kernel& ref = *k;
    kernels_[env.self()] = std::move(k);
    return ref;
  }

  ClusterOptions options_;
  inproc::InProcWorld world_;
  DmRegistry dms_;
  ClassRegistry classes_;
  std::unique_ptr<Rpc> oms_rpc_;
  std::unique_ptr<Oms> oms_;
  std::map<NodeId, std::unique_ptr<Kernel>> kernels_;
  std::vector<std::unique_ptr<Kernel>> retired_;  // crashed incarnations: frozen contexts refer to them
};

}  // namespace amino::testing
