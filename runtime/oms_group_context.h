// Oms::GroupCtx: the library calls a group component may make (GroupContext), carried out by the
// OMS. Private to the OMS's translation units (oms.cc, oms_liveness.cc).
#pragma once

#include <algorithm>

#include "runtime/oms.h"

namespace amino {

// The library calls a group component may make (GroupContext), carried out by the OMS.
class Oms::GroupCtx : public GroupContext {
 public:
  GroupCtx(Oms& oms, std::string gid, DmConfig config, NodeSelector selector)
      : oms_(oms), gid_(std::move(gid)), config_(std::move(config)), selector_(std::move(selector)) {}

  Env& env() override { return oms_.env_; }
  const DmConfig& config() const override { return config_; }
  const std::string& group_id() const override { return gid_; }
  const NodeSelector& selector() const override { return selector_; }
  const NodeId& creator() const override { return oms_.services_.at(oms_.group(gid_)->ms).creator; }
  std::vector<ReplicaRef> replicas() override { return oms_.replicas(gid_); }
  ReplicaRef replicate(const ReplicaRef& from, const NodeId& where) override {
    return oms_.replicate(gid_, from.rid, where);
  }
  Status pin(const ReplicaRef& r, const NodeId& node) override { return oms_.pin(r.rid, node); }
  Status terminate(const ReplicaRef& r) override { return oms_.terminate(r.rid); }
  std::vector<NodeInfo> nodes(const NodeSelector& s) override { return oms_.nodes(s); }
  std::vector<std::string> regions() override {
    std::vector<std::string> out;
    for (const auto& n : oms_.nodes({})) {
      if (std::find(out.begin(), out.end(), n.region) == out.end()) out.push_back(n.region);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  Metrics metrics(const ReplicaRef& r) override {
    Reply m = oms_.ks_call(r.node, svc::kMetrics, ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}});
    return m.ok() ? metrics_from_value(m.value) : Metrics{};
  }
  Reply notify_server(const ReplicaRef& r, const Value& msg) override {
    const GroupRec* g = oms_.group(gid_);
    return oms_.ks_call(r.node, svc::kNotifyServer,
                        ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}, {"level", g->level}, {"msg", msg}});
  }

 private:
  Oms& oms_;
  std::string gid_;
  DmConfig config_;
  NodeSelector selector_;
};

}  // namespace amino
