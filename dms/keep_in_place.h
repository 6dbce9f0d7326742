// KeepInPlace — keep the object where it was created (e.g. next to device APIs).
// Guarantee: when the microservice's creator (GroupContext::creator(), the node whose create()
//   made it) is a live kernel server, group on_create pins every replica of this level there, so
//   the object lives on the creating node. The creator's node wins over the spec's nodeSelector:
//   the OMS only chooses a temporary first home. If the creator is not a kernel server (a pure
//   client) the replica stays where the OMS placed it, with a warning in the OMS log.
// Tolerates: nothing beyond the kernel; the replica is lost with its node (no failover, by design:
//   the object belongs to that node).
// Config keys: none.
#pragma once

#include <string>

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_in_place();

// Pins `replica` to `node` unless it is already there; logs why not on failure. Shared by the
// placement DMs (KeepInPlace, KeepInCloud, the offloading DMs' device replica).
Status pin_if_elsewhere(GroupContext& ctx, const ReplicaRef& replica, const NodeId& node, const std::string& dm);
// Whether `node` is a live kernel server that satisfies `selector`.
bool is_live_server(GroupContext& ctx, const NodeId& node, const NodeSelector& selector = {});

}  // namespace amino::dms
