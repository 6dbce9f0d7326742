// Groups::Ctx: the GroupContext of one group. Private to the groups' translation units
// (oms_groups.cc, oms_failures.cc).
#pragma once

#include "runtime/oms_groups.h"

namespace amino {

// The library calls a group component may make (GroupContext), carried out by the groups.
class Groups::Ctx : public GroupContext {
 public:
  Ctx(Groups& groups, std::string gid, DmConfig config, NodeSelector selector)
      : groups_(groups), gid_(std::move(gid)), config_(std::move(config)), selector_(std::move(selector)) {}

  Env& env() override { return groups_.core_.env; }
  const DmConfig& config() const override { return config_; }
  const std::string& group_id() const override { return gid_; }
  const NodeSelector& selector() const override { return selector_; }
  const NodeId& creator() const override { return groups_.naming_.at(groups_.group(gid_)->ms).creator; }
  std::vector<ReplicaRef> replicas() override { return groups_.replicas(gid_); }
  ReplicaRef replicate(const ReplicaRef& from, const NodeId& where) override {
    return groups_.replicate(gid_, from.rid, where);
  }
  Status pin(const ReplicaRef& r, const NodeId& node, const MigrateOptions& how) override {
    return groups_.pin(r.rid, node, how);
  }
  Status terminate(const ReplicaRef& r) override { return groups_.terminate(r.rid); }
  std::vector<NodeInfo> nodes(const NodeSelector& s) override { return groups_.membership_.nodes(s); }
  std::vector<std::string> regions() override { return groups_.membership_.regions(); }
  Metrics metrics(const ReplicaRef& r) override {
    Reply m = groups_.core_.ks_call(r.node, svc::kMetrics, ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}});
    return m.ok() ? metrics_from_value(m.value) : Metrics{};
  }
  Reply notify_server(const ReplicaRef& r, const Value& msg) override {
    return groups_.core_.ks_call(r.node, svc::kNotifyServer,
                                 ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}, {"level", groups_.group(gid_)->level}, {"msg", msg}});
  }

 private:
  Groups& groups_;
  std::string gid_;
  DmConfig config_;
  NodeSelector selector_;
};

}  // namespace amino
