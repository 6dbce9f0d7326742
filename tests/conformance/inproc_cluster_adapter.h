// The conformance harness on the in-process backend.
#pragma once

#include <map>
#include <memory>

#include "runtime/inproc/inproc_world.h"
#include "tests/conformance/conformance.h"

namespace amino::conformance {

class InProcConformanceCluster : public ConformanceCluster {
 public:
  InProcConformanceCluster();
  ~InProcConformanceCluster() override;
  bool run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) override;
  bool run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) override;
  void crash(const std::string& name) override { world_.crash(name); }
  void idle(Duration d) override { world_.run_for(d); }

 private:
  inproc::InProcWorld world_;
  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<Rpc> oms_rpc_;
  std::unique_ptr<Oms> oms_;
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;
};

}  // namespace amino::conformance
