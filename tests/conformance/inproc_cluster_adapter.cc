#include "tests/conformance/inproc_cluster_adapter.h"

namespace amino::conformance {

InProcConformanceCluster::InProcConformanceCluster() : world_(inproc::WorldOptions{11}) {
  register_classes(classes_);
  register_dms(dms_);
  oms_rpc_ = std::make_unique<Rpc>(world_.add_node("oms"));
  oms_ = std::make_unique<Oms>(*oms_rpc_, dms_);
  oms_->start();
  for (int i = 0; i <= kServers; ++i) {
    const std::string name = i == 0 ? "client" : "ks" + std::to_string(i);
    KernelOptions ko;
    ko.oms = "oms";
    ko.region = i == 0 ? "edge" : "region-" + std::to_string(i);
    ko.labels = {{"name", name}};
    if (i == 0) ko.labels["role"] = "client";
    auto k = std::make_unique<Kernel>(world_.add_node(name), classes_, dms_, ko);
    k->start();
    kernels_[name] = std::move(k);
  }
  world_.run_until([this] { return oms_->nodes().size() == kernels_.size(); }, world_.now() + 5 * kSecond);
}

InProcConformanceCluster::~InProcConformanceCluster() = default;

bool InProcConformanceCluster::run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) {
  return world_.run_task("client", [&] { fn(*kernels_.at("client")); }, limit);
}

bool InProcConformanceCluster::run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) {
  return world_.run_task("oms", [&] { fn(*oms_); }, limit);
}

}  // namespace amino::conformance
