// KeepInCloud — keep the object on cloud servers (availability).
// Guarantee: group on_create moves every replica of this level that is not on a cloud node to one:
//   a live kernel server whose label `labelKey` equals `labelValue` (default tier=cloud; use
//   labelKey "region" to name a cloud region) and that also satisfies the spec's nodeSelector. The
//   target is chosen with the OMS's seeded RNG among such nodes, preferring one that hosts no other
//   replica of the group. With no cloud node alive the replica stays put and the OMS logs why.
//   The same check runs again when a replica fails: survivors off the cloud are moved onto it.
// Tolerates: nothing beyond the kernel and the inner DMs (cloud nodes are assumed reliable).
// Config keys:
//   labelKey   (string, "tier")   node label that marks cloud servers ("region" and "node" work too)
//   labelValue (string, "cloud")  its value
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_in_cloud();

// Live kernel servers labelled `key`=`value` that also satisfy `also`.
std::vector<NodeInfo> labelled_nodes(GroupContext& ctx, const std::string& key, const std::string& value,
                                     const NodeSelector& also);

}  // namespace amino::dms
