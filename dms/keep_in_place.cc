#include "dms/keep_in_place.h"

#include "dms/default_dm.h"

namespace amino::dms {

Status pin_if_elsewhere(GroupContext& ctx, const ReplicaRef& replica, const NodeId& node, const std::string& dm) {
  if (replica.node == node) return {};
  Status s = ctx.pin(replica, node);
  if (!s.ok()) {
    ctx.env().log(LogLevel::kWarn, dm + ": could not move " + replica.rid + " of " + ctx.group_id() + " to " +
                                       node + ": " + s.to_string());
  }
  return s;
}

bool is_live_server(GroupContext& ctx, const NodeId& node, const NodeSelector& selector) {
  if (node.empty()) return false;
  for (const NodeInfo& n : ctx.nodes(selector)) {
    if (n.id == node) return true;
  }
  return false;
}

namespace {

class KeepInPlaceGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef&) override {
    const NodeId& home = ctx.creator();
    if (!is_live_server(ctx, home)) {
      ctx.env().log(LogLevel::kWarn, "KeepInPlace: creator '" + home + "' of " + ctx.group_id() +
                                         " is not a live kernel server; the object stays where it was placed");
      return;
    }
    for (const ReplicaRef& r : ctx.replicas()) (void)pin_if_elsewhere(ctx, r, home, "KeepInPlace");
  }
};

}  // namespace

DmDescriptor keep_in_place() {
  DmDescriptor d;
  d.name = "KeepInPlace";
  d.category = "placement";
  d.summary = "pins the object to the node that created it";
  d.make_client = default_dm().make_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<KeepInPlaceGroup>(); };
  return d;
}

}  // namespace amino::dms
