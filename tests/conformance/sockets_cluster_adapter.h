// The conformance harness on the sockets backend: the OMS and every kernel server are SocketsEnvs
// on one loop in this process, talking real TCP over loopback.
#pragma once

#include <map>
#include <memory>

#include "runtime/sockets/sockets_env.h"
#include "tests/conformance/conformance.h"

namespace amino::conformance {

class SocketsConformanceCluster : public ConformanceCluster {
 public:
  SocketsConformanceCluster();
  ~SocketsConformanceCluster() override;
  bool run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) override;
  bool run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) override;
  void crash(const std::string& name) override;
  void idle(Duration d) override { loop_.run_for(d); }

 private:
  bool run_on(sockets::SocketsEnv& env, const std::function<void()>& fn, Duration limit);

  ClassRegistry classes_;
  DmRegistry dms_;
  sockets::SocketsLoop loop_;
  std::map<std::string, std::unique_ptr<sockets::SocketsEnv>> envs_;
  std::unique_ptr<Rpc> oms_rpc_;
  std::unique_ptr<Oms> oms_;
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;
};

}  // namespace amino::conformance
