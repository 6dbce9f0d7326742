// DurableSerializableRPC — serialized calls whose effects are durable before they return.
// Guarantee: one application call at a time per replica, in FIFO order (as SerializableRPC); the
//   state after each mutating call is synced to the hosting node's storage before its reply leaves,
//   so a call acknowledged to its caller survives a crash and restart of the node; a call that
//   throws is reverted (the object returns to the state after the last successful call).
// Tolerates: crash and restart of the hosting node at any point, including in the middle of a
//   checkpoint write (dms/support_checkpoint.h). Not: loss of the node's disk.
// Config: lockTimeoutMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (durable_serializable_rpc() in durable_serializable_rpc.cc), the
//   one source: `amino-ctl dms DurableSerializableRPC` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor durable_serializable_rpc();

}  // namespace amino::dms
