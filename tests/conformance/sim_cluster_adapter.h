// The conformance harness on the SimGrid backend: one SimWorld per process (one test per process).
#pragma once

#include <memory>

#include "testbed/sim_cluster.h"
#include "tests/conformance/conformance.h"

namespace amino::conformance {

class SimConformanceCluster : public ConformanceCluster {
 public:
  SimConformanceCluster();
  ~SimConformanceCluster() override;
  bool run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) override;
  bool run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) override;
  void crash(const std::string& name) override;
  void idle(Duration d) override { world_->run_for(d); }

 private:
  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
};

}  // namespace amino::conformance
