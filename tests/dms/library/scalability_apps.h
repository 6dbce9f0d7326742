// Helpers for the scalability DM tests (LoadBalancedFrontEnd, ScaleUpFrontEnd,
// LoadBalancedMasterSlave) on top of the library tests' cluster.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/dms/library/library_apps.h"

namespace amino::testing {

// Only ks1..ks3 (not the client's node) may hold replicas.
inline const std::string kOnServers = "nodeSelector: [{key: region, operator: in, values: [region-1, region-2, region-3]}]\n";

// A Counter spec with one DM and its config (a YAML flow map).
inline std::string counter_spec(const std::string& dm, const std::string& config = "{}", std::int64_t start = 0) {
  return "class: Counter\nargs: [" + std::to_string(start) + "]\n" + kOnServers + "dmList:\n  - name: " + dm +
         "\n    config: " + config + "\n";
}

// The physical replicas of `s` (every stack).
inline std::size_t replica_count(LibCluster& c, const Stub& s) { return c.oms().stacks_of(s.id()).size(); }

// The nodes holding a replica of `s`, in stack order.
inline std::vector<NodeId> replica_nodes(LibCluster& c, const Stub& s) {
  std::vector<NodeId> out;
  for (auto oid : c.oms().stacks_of(s.id())) out.push_back(c.host_of(oid));
  return out;
}

// Calls from `caller` that reached each replica of `s`, by node.
inline std::map<NodeId, std::uint64_t> calls_by_replica(LibCluster& c, const Stub& s, const NodeId& caller = "client") {
  std::map<NodeId, std::uint64_t> out;
  for (auto oid : c.oms().stacks_of(s.id())) {
    const NodeId h = c.host_of(oid);
    const Metrics& m = c.kernel(h).object(oid)->metrics();
    auto it = m.find(caller);
    out[h] += it == m.end() ? 0 : it->second.calls;
  }
  return out;
}

// A Counter replica's value as its object holds it, by node.
inline std::map<NodeId, std::int64_t> values_by_replica(LibCluster& c, const Stub& s) {
  std::map<NodeId, std::int64_t> out;
  for (auto oid : c.oms().stacks_of(s.id())) {
    const NodeId h = c.host_of(oid);
    out[h] = c.kernel(h).object(oid)->object().snapshot().at("value").as_int();
  }
  return out;
}

// Starts `n` calls of `method` from `node` at once (each in its own context); the replies land in
// *out (which must outlive the world's run).
inline void start_calls(LibCluster& c, const NodeId& node, const Stub& s, const std::string& method, ValueList args, int n,
                        std::vector<Reply>* out) {
  out->assign(static_cast<std::size_t>(n), Reply::error(Code::kInternal, "did not finish"));
  for (int i = 0; i < n; ++i) {
    c.world().node(node).spawn("call", [s, method, args, out, i] { (*out)[static_cast<std::size_t>(i)] = s.invoke(method, args); });
  }
}

}  // namespace amino::testing
