// A node's deployment kernel: the kernel server (object table, dispatch, per-object gate, per-caller
// metrics), the client runtime (stubs and the client side of DM chains) and the node's link to the
// OMS (registration, heartbeats). Written only against the seam (Env), so every backend runs it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/dm.h"
#include "runtime/env.h"
#include "runtime/migration_staging.h"
#include "runtime/microservice.h"
#include "runtime/protocol.h"
#include "runtime/rpc.h"
#include "runtime/spec.h"
#include "runtime/stub.h"

namespace amino {

class KernelObject;
class ClientChain;

struct KernelOptions {
  NodeId oms;                                      // where the OMS runs
  // A replicated OMS (replicated_oms/): every replica's node id. Empty (the default): `oms` only.
  // Calls go to the leader (followers redirect), fail over to the others and give up with
  // kUnavailable once both oms_attempts tries and oms_failover_window have passed (an election
  // on a loaded machine can outlast a dozen quick refusals), or after 1,000 tries whatever the
  // window; heartbeats go to every replica.
  std::vector<NodeId> oms_replicas;
  Duration oms_attempt_timeout = 2 * kSecond;      // one try at one replica
  int oms_attempts = 12;
  Duration oms_failover_window = 10 * kSecond;
  std::string region = "default-region";
  std::map<std::string, std::string> labels;
  Duration heartbeat_period = 500 * kMillisecond;
  Duration call_timeout = 5 * kSecond;             // default deadline of an application call
  Duration control_timeout = 5 * kSecond;          // deadline of control-plane calls
  int max_concurrent_calls = 100;                  // per-object gate (Amino.Run's semaphore)
  std::size_t memory_limit_bytes = 0;              // 0: never report low memory
  Duration high_latency_threshold = 1 * kSecond;   // 0: never report high latency
  // A pure client (a tool, a script): it calls microservices but hosts none, so it neither
  // registers with the OMS nor heartbeats.
  bool client_only = false;
  // CPU ops charged (Env::compute) per byte of a remote call's payload this node encodes or decodes:
  // the request and reply of an invocation, on both the calling and the serving node. 0 (default):
  // serialization is free. A platform sets it per host (HostSpec::serialization_ops_per_byte).
  double serialization_ops_per_byte = 0;
  // Live migration: what a destination may stage (bytes, migrations, silence before discarding),
  // and the chunk size a source sends state in (below the sockets frame limit).
  StagingLimits staging;
  std::size_t stage_chunk_bytes = std::size_t{1} << 20;
};

class Kernel : public ObjectRuntime {
 public:
  Kernel(Env& env, const ClassRegistry& classes, const DmRegistry& dms, KernelOptions options);
  ~Kernel() override;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Serves requests and, in a background context, registers with the OMS (retrying) and heartbeats.
  void start();
  void stop();
  bool registered() const { return registered_; }

  // Client API; call from an execution context. Throws SpecError or SystemError.
  Stub create(const std::string& spec_yaml);
  Stub create(const MicroServiceSpec& spec);
  Stub acquire(const std::string& id_or_name);
  void set_name(const std::string& id, const std::string& name);
  Stub attach(const std::string& name);  // reference count + 1
  void detach(const std::string& name);  // reference count - 1
  void remove(const std::string& id);    // delete: reference count - 1, destroyed at 0
  std::vector<NodeInfo> nodes(const NodeSelector& selector = {});

  // ObjectRuntime: what hosted objects may ask for.
  Stub stub(const std::string& id_or_name) override { return acquire(id_or_name); }
  void compute(double ops) override { env_.compute(ops); }
  void sleep_for(Duration d) override { env_.sleep_for(d); }
  std::string node() const override { return env_.self(); }

  // Local introspection (tests, tools).
  std::vector<std::uint64_t> local_objects() const;
  KernelObject* object(std::uint64_t oid) const;
  std::size_t staged_migrations() const { return staging_.migrations(); }  // live migrations arriving

  Env& env() { return env_; }
  Rpc& rpc() { return rpc_; }
  const KernelOptions& options() const { return options_; }
  const ClassRegistry& classes() const { return classes_; }
  const DmRegistry& dms() const { return dms_; }

  // Used by DM contexts.
  Reply oms_call(const char* service, const Value& body);
  // Delivers a call to a physical replica, repairing stale locations through the OMS.
  Reply invoke_remote(const ReplicaRef& to, const std::string& gid, Invocation& inv);
  std::uint64_t next_call_id() { return next_call_id_++; }

 private:
  void serve();
  void recover_durable_stacks();
  bool is_durable(const StackSpec& spec) const;
  void heartbeat_loop();
  Value local_state_report();
  // oms_call when the OMS may redirect (replicated): leader first, then the others, bounded.
  // `first`: an answer already received from options_.oms (a single OMS that redirected).
  Reply oms_call_failover(const char* service, const Value& body, std::optional<Reply> first);
  const NodeId& oms_target() const { return oms_leader_.empty() ? options_.oms : oms_leader_; }
  Reply handle_invoke(const NodeId& from, const std::string& body, std::string* reply_body);
  // Charges serializing `bytes` of a call's payload to or from `peer` to this node's CPU.
  void charge_serialization(const NodeId& peer, std::size_t bytes);
  Reply handle_install(const Value& body);
  Reply handle_quiesce(const Value& body);
  // Live migration (kernel_live_migration.cc).
  void serve_live_migration();
  Reply handle_live_send(const Value& body);
  Reply handle_stage(const NodeId& from, const Value& body);
  Reply handle_install_staged(const Value& body);
  Status push_delta(const NodeId& dst, const std::string& mid, std::uint64_t oid, std::int64_t round,
                    const std::string& delta, Time deadline);
  void reap_staging(const std::string& mid);
  void drop_object(std::uint64_t oid);  // on_destroy, then free once its calls left (ks.drop)
  void watch_quiesced_source(std::uint64_t oid, const std::string& mid);
  Reply with_object(const Value& body, const std::function<Reply(KernelObject&)>& fn);
  std::shared_ptr<ClientChain> chain_for(const Value& acquired);
  void report_high_latency(const ReplicaRef& to, const std::string& gid, Duration latency);

  Env& env_;
  Rpc rpc_;
  const ClassRegistry& classes_;
  const DmRegistry& dms_;
  KernelOptions options_;
  bool running_ = false;
  bool registered_ = false;
  std::uint64_t next_call_id_ = 1;
  std::int64_t incarnation_ = 0;  // this boot of the node: the OMS notices restarts by it
  std::map<std::uint64_t, std::unique_ptr<KernelObject>> objects_;
  std::vector<std::unique_ptr<KernelObject>> undrained_;  // dropped, but calls never left them
  std::map<std::string, std::shared_ptr<ClientChain>> chains_;  // by microservice id
  std::map<std::string, std::string> names_;                    // name -> microservice id
  std::map<std::uint64_t, NodeId> relocated_;                   // oid -> node, learned from the OMS
  std::map<std::string, Time> last_latency_report_;             // rid -> time
  MigrationStaging staging_;                                    // live migrations arriving here
  NodeId oms_leader_;  // a replicated OMS's leader as last learned (empty: options_.oms)
};

}  // namespace amino
