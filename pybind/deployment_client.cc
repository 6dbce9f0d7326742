#include "pybind/deployment_client.h"

#include <nlohmann/json.hpp>

#include <iostream>

#include "dms/all.h"
#include "runtime/kernel.h"
#include "runtime/limits.h"
#include "runtime/protocol.h"
#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/sockets_env.h"
#include "runtime/value_json.h"
#include "scenarios/registry.h"

namespace amino::pyrun {

using nlohmann::json;

struct DeploymentClient::State {
  ClientOptions options;
  ClassRegistry classes;
  sockets::SocketsLoop loop;
  std::unique_ptr<sockets::SocketsEnv> env;
  std::unique_ptr<Kernel> kernel;
};

namespace {
std::string ok(const Value& v) { return json{{"ok", true}, {"value", to_json(v)}}.dump(); }
std::string error(const Status& s) {
  return json{{"ok", false}, {"code", code_name(s.code)}, {"message", s.message}, {"app_type", s.app_type}}.dump();
}
std::string error(Code c, const std::string& message) { return error(Status{c, message, {}}); }
}  // namespace

DeploymentClient::DeploymentClient(ClientOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  const auto& oms = state_->options.oms;
  if (oms.empty()) throw std::invalid_argument("no OMS address given");
  if (oms.size() > kMaxOmsReplicas) {
    throw LimitExceeded(std::to_string(oms.size()) + " OMS addresses", "kMaxOmsReplicas", kMaxOmsReplicas);
  }
  for (const auto& a : oms) {
    if (a.empty()) throw std::invalid_argument("an empty OMS address");
    // As amino-ctl --oms: refused now, not retried for the whole failover window as unreachable.
    if (!sockets::parse_node_address(a)) throw std::invalid_argument("OMS address '" + a + "' is not host:port (port 1..65535)");
  }
  scenarios::register_all(state_->classes);  // read-only marks of the known classes
  sockets::SocketsEnvOptions eo;
  eo.min_log_level = LogLevel::kWarn;  // a refused handshake (no key, wrong key) says why
  if (!state_->options.cluster_key_file.empty()) {
    sockets::LoadedClusterKey loaded = sockets::load_cluster_key_file(state_->options.cluster_key_file);
    if (!loaded.warning.empty()) std::cerr << "amino: warning: " << loaded.warning << std::endl;
    eo.cluster_key = std::move(loaded.key);
  }
  state_->env = std::make_unique<sockets::SocketsEnv>(state_->loop, eo);
  KernelOptions ko;
  ko.oms = oms.front();
  if (oms.size() > 1) ko.oms_replicas = oms;  // one OMS: the plain path (as amino-ctl)
  ko.client_only = true;
  ko.call_timeout = ko.control_timeout = state_->options.timeout;
  state_->kernel = std::make_unique<Kernel>(*state_->env, state_->classes, dms::builtin(), ko);
  state_->kernel->start();
}

DeploymentClient::~DeploymentClient() = default;

const std::string& DeploymentClient::session() const { return state_->env->session(); }
const std::string& DeploymentClient::self() const { return state_->env->self(); }

std::string DeploymentClient::run(const std::function<std::string()>& op) {
  auto out = std::make_shared<std::string>();
  auto done = std::make_shared<bool>(false);
  state_->env->spawn("python", [op, out, done] {
    try {
      *out = op();
    } catch (const SpecError& e) {
      *out = error(Code::kBadSpec, e.what());
    } catch (const SystemError& e) {
      // what() is "CODE: message"; the code travels separately.
      const std::string what = e.what();
      const std::string prefix = std::string(code_name(e.code())) + ": ";
      *out = error(e.code(), what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
    } catch (const std::exception& e) {
      *out = error(Code::kInternal, e.what());
    }
    *done = true;
  });
  // The operation's own deadlines end it; the margin only guards against a bug there.
  if (!state_->loop.run_until([done] { return *done; }, state_->options.timeout + 5 * kSecond)) {
    std::string where;
    for (const auto& a : state_->options.oms) where += (where.empty() ? "" : ",") + a;
    return error(Code::kTimeout, "no answer from the deployment at " + where);
  }
  return *out;
}

std::string DeploymentClient::create(const std::string& spec_yaml) {
  return run([this, spec_yaml] { return ok(Value(state_->kernel->create(spec_yaml).id())); });
}

std::string DeploymentClient::call(const std::string& ms, const std::string& method, const std::string& args_json) {
  return run([this, ms, method, args_json] {
    const Value args = from_json(json::parse(args_json));
    Reply r = state_->kernel->acquire(ms).invoke(method, args.as_list());
    return r.ok() ? ok(r.value) : error(r.status);
  });
}

std::string DeploymentClient::nodes() {
  return run([this] {
    ValueList out;
    for (const auto& n : state_->kernel->nodes()) out.push_back(node_info_to_value(n));
    return ok(Value(std::move(out)));
  });
}

std::string DeploymentClient::events() {
  return run([this] {
    Reply r = state_->kernel->oms_call(svc::kEvents, ValueMap{});
    return r.ok() ? ok(r.value) : error(r.status);
  });
}

}  // namespace amino::pyrun
