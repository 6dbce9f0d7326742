// Default behaviour of group components.
#include "runtime/dm.h"

namespace amino {

ReplicaRef GroupDM::on_ref_request(GroupContext& ctx, const NodeId&) {
  std::vector<ReplicaRef> live = ctx.replicas();
  if (live.empty()) return {};
  const auto i = ctx.env().rng().uniform_int(0, static_cast<std::int64_t>(live.size()) - 1);
  return live[static_cast<std::size_t>(i)];
}

Value GroupDM::export_state() const { return {}; }
void GroupDM::import_state(GroupContext&, const Value&) {}
void GroupDM::on_leader_change(GroupContext&) {}

}  // namespace amino
