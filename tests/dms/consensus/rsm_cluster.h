// An in-process cluster running one ConsensusRSM-replicated KvStore, with a view of every replica's
// Raft state (through the server part's status notification) for the tests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/dms/consensus/kv_store.h"
#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {

struct ReplicaStatus {
  NodeId node;
  std::uint64_t oid = 0;
  std::string rid, role, leader;
  std::int64_t term = 0, commit = 0, applied = 0, last = 0, base = 0;
  std::vector<std::string> config;
  bool initialized = false;
};

inline ClusterOptions rsm_cluster_options(int servers, std::uint64_t seed) {
  ClusterOptions o;
  o.servers = servers;
  o.seed = seed;
  return o;
}

class RsmCluster {
 public:
  explicit RsmCluster(int servers = 3, std::uint64_t seed = 7) : c_(rsm_cluster_options(servers, seed)) {
    c_.classes().add<KvStore>("KvStore");
    for (int i = 1; i <= servers; ++i) nodes_.push_back("ks" + std::to_string(i));
    nodes_.push_back("client");
  }

  InProcCluster& c() { return c_; }
  inproc::InProcWorld& world() { return c_.world(); }
  Time now() { return c_.world().now(); }

  Kernel& add_server(const NodeId& id, const std::string& region, std::map<std::string, std::string> labels = {}) {
    nodes_.push_back(id);
    Kernel& k = c_.add_kernel(id, region, std::move(labels));
    world().run_until([&] { return c_.oms().nodes().size() == nodes_.size(); }, now() + 5 * kSecond);
    return k;
  }

  static std::string spec(const std::string& dm, const std::string& config,
                          const std::string& selector = "[{key: role, operator: notin, values: [client]}]") {
    return "class: KvStore\nnodeSelector: " + selector + "\ndmList:\n  - name: " + dm + "\n    config: " + config + "\n";
  }

  // Creates the KvStore from the client node and waits until its group is complete and in sync.
  Stub create(const std::string& dm = "ConsensusRSM-Geo", const std::string& config = "{}", int replicas = 3,
              const std::string& selector = "[{key: role, operator: notin, values: [client]}]") {
    Stub s;
    if (!c_.run("client", [&] { s = c_.client().create(spec(dm, config, selector)); })) return {};
    ms_ = s.id();
    wait_converged(replicas, 10 * kSecond);
    return s;
  }

  // Every replica of the microservice on a running node, with its Raft state.
  std::vector<ReplicaStatus> replicas() {
    std::vector<ReplicaStatus> out;
    for (const auto& id : nodes_) {
      if (world().crashed(id)) continue;
      Kernel& k = c_.kernel(id);
      for (std::uint64_t oid : k.local_objects()) {
        KernelObject* o = k.object(oid);
        if (o == nullptr || o->spec().ms != ms_) continue;
        const Value v = o->notify_server(0, ValueMap{{"op", "status"}});
        if (v.find("rid") != nullptr) out.push_back(status_of(id, oid, v));  // else still starting
      }
    }
    return out;
  }

  std::optional<ReplicaStatus> leader() {
    std::optional<ReplicaStatus> best;
    for (auto& r : replicas()) {
      if (r.role == "leader" && (!best || r.term > best->term)) best = r;
    }
    return best;
  }

  std::optional<ReplicaStatus> replica_on(const NodeId& node) {
    for (auto& r : replicas()) {
      if (r.node == node) return r;
    }
    return std::nullopt;
  }

  bool wait_for(const std::function<bool()>& pred, Duration limit) {
    return world().run_until(pred, now() + limit);
  }

  // One leader whose whole log is committed (configuration entries take effect when appended),
  // with `voters` members, every one of them running and caught up.
  bool converged(int voters) {
    auto l = leader();
    if (!l || static_cast<int>(l->config.size()) != voters || l->commit != l->last) return false;
    int in_sync = 0;
    for (const auto& r : replicas()) {
      const bool voter = std::find(l->config.begin(), l->config.end(), r.rid) != l->config.end();
      if (voter && r.last == l->last && r.applied == l->commit && r.commit == l->commit) ++in_sync;
    }
    return in_sync == voters;
  }
  bool wait_converged(int voters, Duration limit) {
    return wait_for([&] { return converged(voters); }, limit);
  }

  // The application object's state on one replica.
  Value object_state(const NodeId& node, std::uint64_t oid) { return c_.kernel(node).object(oid)->object().snapshot(); }

  Reply call(const Stub& s, const std::string& method, ValueList args, Duration timeout = 5 * kSecond) {
    Reply r;
    c_.run("client", [&] { r = s.invoke(method, std::move(args), timeout); }, timeout + kSecond);
    return r;
  }

  const std::string& ms() const { return ms_; }
  const std::vector<NodeId>& nodes() const { return nodes_; }

 private:
  static ReplicaStatus status_of(const NodeId& node, std::uint64_t oid, const Value& v) {
    ReplicaStatus s;
    s.node = node;
    s.oid = oid;
    s.rid = v.at("rid").as_string();
    s.role = v.at("role").as_string();
    s.leader = v.at("leader").as_string();
    s.term = v.at("term").as_int();
    s.commit = v.at("commit").as_int();
    s.applied = v.at("applied").as_int();
    s.last = v.at("last").as_int();
    s.base = v.at("base").as_int();
    s.initialized = v.at("initialized").as_bool();
    for (const auto& m : v.at("config").as_list()) s.config.push_back(m.as_string());
    return s;
  }

  InProcCluster c_;
  std::vector<NodeId> nodes_;
  std::string ms_;
};

}  // namespace amino::testing
