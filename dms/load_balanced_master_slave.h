// LoadBalancedMasterSlave — the paper's LoadBalancedMasterSlave (Amino.Run
//   LoadBalancedMasterSlaveSyncPolicy): one master takes the writes and replicates them to slaves
//   synchronously; reads go to any replica, round-robin.
// Guarantee: writes are linearizable and no acknowledged write is lost when the master fails (a write
//   is acknowledged only once every slave in the group's view holds it; failover promotes the slave
//   with the newest write). A read shows the state after some prefix of the writes (possibly stale:
//   bounded staleness without a bound); with no fault, it includes every write acknowledged before
//   it began.
// Tolerates: crashes of the master's or slaves' nodes (one at a time, down to one replica), lost,
//   delayed, duplicated or reordered messages, partitions (a cut-off master is deposed; a cut-off
//   slave is dropped and serves stale reads until discarded).
// Config: replicas, ackTimeoutMs, refreshMs.
// The full guarantee, tolerated faults and caveats, and each config key's type, default, range and
//   meaning, are in the descriptor (load_balanced_master_slave() in load_balanced_master_slave.cc),
//   the one source: `amino-ctl dms LoadBalancedMasterSlave` and docs/dm-catalogue.md show it.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor load_balanced_master_slave();

}  // namespace amino::dms
