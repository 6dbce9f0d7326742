// A client of a running deployment (an amino-oms and its kernel servers, on real sockets), for the
// Python module: what amino-ctl does, as an object that stays connected between calls. It is a
// client-only kernel on its own SocketsEnv, so it has its own session (runtime/session_id.h): two
// Python processes are never taken for one another by a DM's duplicate suppression.
//
// A replicated OMS: `oms` lists every replica; requests go to the leader and fail over to the others
// as amino-ctl --oms A,B,C does (KernelOptions::oms_replicas).
//
// Single-threaded like every sockets node: each operation runs the node's loop in the calling
// thread until it finishes or `timeout` passes. Results cross as JSON text (values as value_json.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/time.h"

namespace amino::pyrun {

struct ClientOptions {
  std::vector<std::string> oms = {"127.0.0.1:7400"};  // one OMS, or every replica of a replicated one
  Duration timeout = 10 * kSecond;  // of each operation
  std::string cluster_key_file;     // the deployment's cluster key; empty: none (loopback only)
};

class DeploymentClient {
 public:
  // Throws std::invalid_argument for an unreadable or too short key file, and for an OMS list that
  // is empty, has an empty address or more than kMaxOmsReplicas (runtime/limits.h).
  explicit DeploymentClient(ClientOptions options);
  ~DeploymentClient();
  DeploymentClient(const DeploymentClient&) = delete;
  DeploymentClient& operator=(const DeploymentClient&) = delete;

  // Each returns {"ok": true, "value": ...} or {"ok": false, "code": "TIMEOUT", "message": ...}.
  std::string create(const std::string& spec_yaml);          // value: the microservice id
  std::string call(const std::string& ms, const std::string& method, const std::string& args_json);
  std::string nodes();                                       // value: [{id, region, labels}]
  std::string events();                                      // value: [event lines]
  const std::string& session() const;
  const std::string& self() const;

 private:
  struct State;
  std::string run(const std::function<std::string()>& op);
  std::unique_ptr<State> state_;
};

}  // namespace amino::pyrun
