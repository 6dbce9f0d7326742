#include "dms/keep_in_place.h"

#include "dms/support.h"

namespace amino::dms {

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
  d.paper = "KeepInPlace";
  d.source = "dms/keep_in_place.h";
  d.guarantee =
      "When the microservice's creator (GroupContext::creator(), the node whose create() made it) is a live "
      "kernel server, group on_create pins every replica of this level there, so the object lives on the "
      "creating node. The creator's node wins over the spec's nodeSelector: the OMS only chooses a temporary "
      "first home. If the creator is not a kernel server (a pure client) the replica stays where the OMS "
      "placed it, with a warning in the OMS log.";
  d.tolerates =
      "Nothing beyond the kernel; the replica is lost with its node (no failover, by design: the object "
      "belongs to that node).";
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<KeepInPlaceGroup>(); };
  return d;
}

}  // namespace amino::dms
