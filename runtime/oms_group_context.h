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
  // The library calls that change something are write-ahead in a replicated OMS: the call and the
  // component's memory are committed before the call runs (Groups::begin_intent), so a new leader
  // finishes a call its predecessor began (oms_resume.cc). A single OMS records nothing.
  ReplicaRef replicate(const ReplicaRef& from, const NodeId& where) override {
    const std::string in = groups_.begin_intent(gid_, "replicate", ValueMap{{"from", from.rid}, {"where", where}});
    if (in.empty()) return {};
    ReplicaRef made = groups_.replicate(gid_, from.rid, where);
    groups_.end_intent(in);
    return made;
  }
  Status pin(const ReplicaRef& r, const NodeId& node, const MigrateOptions& how) override {
    const std::string in =
        groups_.begin_intent(gid_, "pin", ValueMap{{"rid", r.rid}, {"node", node}, {"how", how.to_value()}});
    if (in.empty()) return not_leader();
    Status s = groups_.pin(r.rid, node, how);
    groups_.end_intent(in);
    return s;
  }
  Status terminate(const ReplicaRef& r) override {
    const std::string in = groups_.begin_intent(gid_, "terminate", ValueMap{{"rid", r.rid}});
    if (in.empty()) return not_leader();
    Status s = groups_.terminate(r.rid);
    groups_.end_intent(in);
    return s;
  }
  std::vector<NodeInfo> nodes(const NodeSelector& s) override { return groups_.membership_.nodes(s); }
  std::vector<std::string> regions() override { return groups_.membership_.regions(); }
  Metrics metrics(const ReplicaRef& r) override {
    Reply m = groups_.core_.ks_call(r.node, svc::kMetrics, ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}});
    return m.ok() ? metrics_from_value(m.value) : Metrics{};
  }
  Reply notify_server(const ReplicaRef& r, const Value& msg) override {
    const std::string in = groups_.begin_intent(gid_, "notify", ValueMap{{"rid", r.rid}, {"msg", msg}});
    if (in.empty()) return Reply{not_leader(), {}};
    Reply out = groups_.core_.ks_call(
        r.node, svc::kNotifyServer,
        ValueMap{{"oid", static_cast<std::int64_t>(r.oid)}, {"level", groups_.group(gid_)->level}, {"msg", msg}});
    groups_.end_intent(in);
    return out;
  }

 private:
  Status not_leader() const {
    return Status{Code::kNotLeader, "group " + gid_ + ": this OMS replica no longer leads", {}};
  }

  Groups& groups_;
  std::string gid_;
  DmConfig config_;
  NodeSelector selector_;
};

}  // namespace amino
