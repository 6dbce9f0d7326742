#include "tests/conformance/sockets_cluster_adapter.h"

#include <filesystem>

namespace amino::conformance {

namespace {
sockets::SocketsEnvOptions env_options(const std::string& name) {
  sockets::SocketsEnvOptions o;
  o.min_log_level = LogLevel::kError;
  o.storage_dir = std::filesystem::temp_directory_path() / ("amino-conformance-" + std::to_string(::getpid()) + "-" + name);
  return o;
}
}  // namespace

SocketsConformanceCluster::SocketsConformanceCluster() {
  register_classes(classes_);
  register_dms(dms_);
  envs_["oms"] = std::make_unique<sockets::SocketsEnv>(loop_, env_options("oms"));
  oms_rpc_ = std::make_unique<Rpc>(*envs_["oms"]);
  OmsOptions oo;
  oo.heartbeat_timeout = 2 * kSecond;
  oms_ = std::make_unique<Oms>(*oms_rpc_, dms_, oo);
  oms_->start();
  for (int i = 0; i <= kServers; ++i) {
    const std::string name = i == 0 ? "client" : "ks" + std::to_string(i);
    envs_[name] = std::make_unique<sockets::SocketsEnv>(loop_, env_options(name));
    KernelOptions ko;
    ko.oms = envs_["oms"]->self();
    ko.region = i == 0 ? "edge" : "region-" + std::to_string(i);
    ko.labels = {{"name", name}};
    if (i == 0) ko.labels["role"] = "client";
    kernels_[name] = std::make_unique<Kernel>(*envs_[name], classes_, dms_, ko);
    kernels_[name]->start();
  }
  loop_.run_until([this] { return oms_->nodes().size() == kernels_.size(); }, 10 * kSecond);
}

SocketsConformanceCluster::~SocketsConformanceCluster() {
  for (auto& [name, env] : envs_) {
    env->close();
    std::error_code ec;
    std::filesystem::remove_all(env->options().storage_dir, ec);
  }
}

bool SocketsConformanceCluster::run_on(sockets::SocketsEnv& env, const std::function<void()>& fn, Duration limit) {
  auto done = std::make_shared<bool>(false);
  env.spawn("task", [&fn, done] {
    fn();
    *done = true;
  });
  return loop_.run_until([done] { return *done; }, limit);
}

bool SocketsConformanceCluster::run_on_client(const std::function<void(Kernel&)>& fn, Duration limit) {
  return run_on(*envs_.at("client"), [&] { fn(*kernels_.at("client")); }, limit);
}

bool SocketsConformanceCluster::run_on_oms(const std::function<void(Oms&)>& fn, Duration limit) {
  return run_on(*envs_.at("oms"), [&] { fn(*oms_); }, limit);
}

// A crashed process: its kernel stops heartbeating and its sockets close (peers see a reset).
void SocketsConformanceCluster::crash(const std::string& name) {
  kernels_.at(name)->stop();
  envs_.at(name)->close();
}

}  // namespace amino::conformance
