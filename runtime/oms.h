// The OMS (object management service), in three parts over a shared core (oms_core.h):
// - membership (oms_membership.h): kernel servers, heartbeats, failure detection, node events;
// - naming (oms_naming.h): microservices, names, reference counts;
// - groups (oms_groups.h): group trees, the DM group components and the library calls they make
//   (placement, replication, stop-and-copy migration, termination), failure delivery.
// This class wires them together and serves the OMS's requests, one named handler each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/oms_groups.h"
#include "runtime/oms_requests.h"

namespace amino {

class Oms {
 public:
  // Shares the node's Rpc (a kernel server may run on the same node).
  Oms(Rpc& rpc, const DmRegistry& dms, OmsOptions options = {});
  Oms(const Oms&) = delete;
  Oms& operator=(const Oms&) = delete;

  // A replicated OMS (runtime/oms_replication.h): call before start(); `log` outlives the OMS's use.
  void replicate_with(OmsReplication& log) { core_.replication = &log; }
  void start();

  // The replicated state (oms_state.cc), as one map of sections: every replica applies the same
  // changes to it in log order; a new leader imports it.
  Value export_state() const;
  void import_state(const Value& state);

  // Operator actions (tools, Python, tests); call from an execution context.
  // Moves the replica `rid` (and the whole chain beneath it) to `node`, by stop-and-copy unless
  // `how` asks for live migration.
  Status pin_replica(const std::string& rid, const NodeId& node, const MigrateOptions& how = {}) {
    return groups_.pin(rid, node, how);
  }
  // Moves the first live replica of a microservice's outermost group.
  Status migrate(const std::string& ms, const NodeId& node, const MigrateOptions& how = {});

  // Introspection for tests and tools.
  std::vector<NodeInfo> nodes(const NodeSelector& selector = {}, bool live_only = true) const {
    return membership_.nodes(selector, live_only);
  }
  std::vector<ReplicaRef> replicas(const std::string& gid) const { return groups_.replicas(gid); }  // live
  std::string root_group(const std::string& ms) const;
  std::vector<std::uint64_t> stacks_of(const std::string& ms) const { return groups_.stacks_of(ms); }
  NodeId location(std::uint64_t oid) const { return groups_.location(oid); }
  const std::vector<MigrationRecord>& migrations() const { return groups_.migrations(); }  // latest 64
  GroupDM* group_dm(const std::string& gid) const { return groups_.group_dm(gid); }
  // The audit log: every registration, death, return, create, name, attach, detach, delete,
  // migration, replication, termination and failure decision, oldest first (OmsCore::kMaxEvents).
  const std::vector<std::string>& events() const { return core_.events(); }

 private:
  void serve();
  // Registers a request handler; in a replicated OMS only the serving leader runs it, and its
  // reply waits for the changes it made to commit.
  void serve_request(const std::string& service, Rpc::ValueHandler h, std::size_t max_body_bytes = SIZE_MAX);
  // One handler per request (svc:: names in runtime/protocol.h).
  Reply handle_create(const NodeId& from, const Value& body);
  Reply handle_acquire(const Value& body);
  Reply handle_set_name(const NodeId& from, const Value& body);
  Reply handle_attach(const NodeId& from, const Value& body);
  Reply handle_release(const NodeId& from, const Value& body, const char* key, const char* verb);
  Reply handle_locate(const Value& body);
  Reply handle_migrate(const NodeId& from, const Value& body);
  Reply handle_nodes(const Value& body);
  // Group requests (ref_request, replicas, notify, replicate, pin, terminate): `fn` runs if the
  // body's "gid" names a live group; errors thrown by DMs become typed replies.
  Reply group_request(const Value& body, const std::function<Reply(const std::string& gid)>& fn);

  OmsCore core_;
  Naming naming_;
  Groups groups_;  // before membership_, whose listener it is
  Membership membership_;
  // A replicated OMS: the replies to clients' requests (oms_requests.h), and the requests running
  // now, with the retries waiting for them (a retry never runs beside its first execution).
  RequestLog requests_;
  std::map<RequestLog::Key, std::vector<std::shared_ptr<Signal>>> running_;
};

}  // namespace amino
