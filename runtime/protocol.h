// Service names and control-plane records exchanged between kernel servers and the OMS. The hot
// path (ks.invoke) uses the InvokeRequest Protobuf message; the control plane sends Value maps
// (themselves Protobuf on the wire) built by the to_value/from_value functions here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dm.h"
#include "runtime/value.h"

namespace amino::svc {
// Kernel server.
inline constexpr const char* kInvoke = "ks.invoke";
inline constexpr const char* kInstall = "ks.install";
inline constexpr const char* kSnapshot = "ks.snapshot";
inline constexpr const char* kQuiesce = "ks.quiesce";
inline constexpr const char* kResume = "ks.resume";
inline constexpr const char* kDrop = "ks.drop";
inline constexpr const char* kMembership = "ks.membership";
inline constexpr const char* kNotifyServer = "ks.notify_server";
inline constexpr const char* kPeerMessage = "ks.peer_message";
inline constexpr const char* kMetrics = "ks.metrics";
// Live migration (runtime/kernel_live_migration.cc): OMS -> source, source -> destination, OMS ->
// destination.
inline constexpr const char* kLiveSend = "ks.live_send";
inline constexpr const char* kStage = "ks.stage";
inline constexpr const char* kInstallStaged = "ks.install_staged";
inline constexpr const char* kStageAbort = "ks.stage_abort";
// OMS.
inline constexpr const char* kRegister = "oms.register";
inline constexpr const char* kHeartbeat = "oms.heartbeat";
inline constexpr const char* kCreate = "oms.create";
inline constexpr const char* kAcquire = "oms.acquire";
inline constexpr const char* kSetName = "oms.set_name";
inline constexpr const char* kAttach = "oms.attach";
inline constexpr const char* kDetach = "oms.detach";
inline constexpr const char* kDelete = "oms.delete";
inline constexpr const char* kRefRequest = "oms.ref_request";
inline constexpr const char* kReplicas = "oms.replicas";
inline constexpr const char* kLocate = "oms.locate";
inline constexpr const char* kGroupNotify = "oms.group_notify";
inline constexpr const char* kServerReplicate = "oms.replicate";
inline constexpr const char* kServerPin = "oms.pin";
inline constexpr const char* kServerTerminate = "oms.terminate";
inline constexpr const char* kNodes = "oms.nodes";
inline constexpr const char* kHighLatency = "oms.high_latency";
inline constexpr const char* kLowMemory = "oms.low_memory";
inline constexpr const char* kMigrate = "oms.migrate";  // operator: move a microservice
inline constexpr const char* kEvents = "oms.events";    // operator: what the OMS observed
}  // namespace amino::svc

namespace amino {

// One level of a physical replica's server chain.
struct StackLevel {
  std::string dm;
  DmConfig config;
  std::string gid;
  std::string rid;
};

// Everything a kernel server needs to build one physical replica (a kernel object).
struct StackSpec {
  std::string ms;
  std::string class_name;
  std::uint64_t oid = 0;
  std::vector<StackLevel> levels;  // index 0 = outermost DM
  Value to_value() const;
  static StackSpec from_value(const Value& v);
};

// The state of a physical replica in flight during migration: the object plus every DM server's.
struct StackState {
  Value object;
  ValueList dm_states;  // by level
  Value to_value() const;
  static StackState from_value(const Value& v);
};

Value node_info_to_value(const NodeInfo& n);
NodeInfo node_info_from_value(const Value& v);
Value selector_to_value(const NodeSelector& s);
NodeSelector selector_from_value(const Value& v);

}  // namespace amino
