#include "tests/conformance/sim_cluster_adapter.h"

namespace amino::conformance {

namespace {
testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
  for (int i = 1; i <= kServers; ++i) {
    p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-" + std::to_string(i), {}});
  }
  p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
  return p;
}
}  // namespace

SimConformanceCluster::SimConformanceCluster() {
  register_classes(classes_);
  register_dms(dms_);
  sim::SimOptions so;
  so.seed = 11;
  so.platform = platform();
  world_ = std::make_unique<sim::SimWorld>(so);
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
  if (!cluster_->wait_registered(5 * kSecond)) throw std::runtime_error("kernel servers did not register");
}

SimConformanceCluster::~SimConformanceCluster() = default;

bool SimConformanceCluster::run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) {
  return cluster_->run_on("client", [&] { fn(cluster_->kernel("client")); }, limit);
}

bool SimConformanceCluster::run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) {
  return cluster_->run_on("oms", [&] { fn(cluster_->oms()); }, limit);
}

void SimConformanceCluster::crash(const std::string& name) { world_->apply(testbed::CrashFault{name}); }

}  // namespace amino::conformance
