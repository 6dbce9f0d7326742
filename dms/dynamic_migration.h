// DynamicMigration — adaptive placement that minimizes the latency its callers measure.
// Policy:
//   - Clients time every call they forward (send to reply, at the caller) and, every reportEvery
//     calls, report {calls, mean latency} to the group (notify_group). A report carries the
//     placement epoch the client learned from its previous report; its latency is credited to the
//     current host only if no move happened since (samples that straddle a move are dropped), while
//     its calls always count towards the caller's rate.
//   - Every periodMs the group turns the calls reported in the period into a per-caller rate
//     (EWMA, weight 1/2) and keeps lat[caller][node], an EWMA (weight 1/2) of the latency measured
//     while the object was on that node.
//   - For each live kernel server N satisfying the spec's nodeSelector it estimates
//     cost(N) = sum over callers of rate(c) * est(c, N), where est(c, N) is the measured lat[c][N]
//     if any; else 0 when N is the caller's own node or in the caller's region (co-location is
//     assumed to remove the network hop: an optimistic prior that one visit corrects); else the
//     worst latency measured for that caller so far (an unmeasured far node is assumed no better).
//     Callers with no measurement at the current host are left out of this period's decision.
//   - It pins the replica to the cheapest N (ties: the current host, then the smaller id) only if
//     the gain is at least minGain of the current cost (relative hysteresis) and at least
//     minDwellMs passed since the previous move (temporal hysteresis). Each move explores at most
//     one unmeasured node, and measured costs only change with the workload, so it does not flap.
// Tolerates: nothing beyond the kernel; lost reports only delay decisions; a failed move is
//   logged and reconsidered next period.
// Config keys:
//   periodMs    (int, 2000)    decision period
//   reportEvery (int, 10)      calls between two client reports
//   minGain     (double, 0.2)  minimum relative cost reduction for a move
//   minDwellMs  (int, 10000)   minimum time between two moves
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor dynamic_migration();

}  // namespace amino::dms
