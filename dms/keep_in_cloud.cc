#include "dms/keep_in_cloud.h"

#include <algorithm>

#include "dms/support.h"

namespace amino::dms {

namespace {

class KeepInCloudGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef&) override { keep_on_cloud(ctx); }
  void on_failure(GroupContext& ctx, const ReplicaRef&) override { keep_on_cloud(ctx); }

 private:
  void keep_on_cloud(GroupContext& ctx) {
    const std::string key = ctx.config().at("labelKey").as_string();
    const std::string value = ctx.config().at("labelValue").as_string();
    const std::vector<NodeInfo> cloud = labelled_nodes(ctx, key, value, ctx.selector());
    if (cloud.empty()) {
      ctx.env().log(LogLevel::kWarn, "KeepInCloud: no live kernel server labelled " + key + "=" + value +
                                         " for " + ctx.group_id() + "; replicas stay where they are");
      return;
    }
    for (const ReplicaRef& r : ctx.replicas()) {
      const bool on_cloud = std::any_of(cloud.begin(), cloud.end(), [&](const NodeInfo& n) { return n.id == r.node; });
      if (!on_cloud) (void)pin_if_elsewhere(ctx, r, pick(ctx, cloud), "KeepInCloud");
    }
  }

  // A cloud node with no replica of this group if there is one, chosen with the seeded RNG.
  static NodeId pick(GroupContext& ctx, const std::vector<NodeInfo>& cloud) {
    std::vector<NodeId> free, all;
    const std::vector<ReplicaRef> members = ctx.replicas();
    for (const NodeInfo& n : cloud) {
      all.push_back(n.id);
      if (std::none_of(members.begin(), members.end(), [&](const ReplicaRef& r) { return r.node == n.id; })) {
        free.push_back(n.id);
      }
    }
    const std::vector<NodeId>& from = free.empty() ? all : free;
    return from[static_cast<std::size_t>(ctx.env().rng().uniform_int(0, static_cast<std::int64_t>(from.size()) - 1))];
  }
};

}  // namespace

DmDescriptor keep_in_cloud() {
  DmDescriptor d;
  d.name = "KeepInCloud";
  d.category = "placement";
  d.summary = "pins the object to a node labelled as cloud (default tier=cloud)";
  d.paper = "KeepInCloud";
  d.source = "dms/keep_in_cloud.h";
  d.guarantee =
      "Group on_create moves every replica of this level that is not on a cloud node to one: a live kernel "
      "server whose label labelKey equals labelValue (use labelKey \"region\" to name a cloud region) and that "
      "also satisfies the spec's nodeSelector. The target is chosen with the OMS's seeded RNG among such "
      "nodes, preferring one that hosts no other replica of the group. With no cloud node alive the replica "
      "stays put and the OMS logs why. The same check runs again when a replica fails: survivors off the cloud "
      "are moved onto it.";
  d.tolerates = "Nothing beyond the kernel and the inner DMs (cloud nodes are assumed reliable).";
  d.config = {ConfigKey{"labelKey", Value::Kind::kString, Value("tier"), "node label that marks cloud servers (\"region\" and \"node\" work too)"},
              ConfigKey{"labelValue", Value::Kind::kString, Value("cloud"), "value of that label"}};
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<KeepInCloudGroup>(); };
  return d;
}

}  // namespace amino::dms
