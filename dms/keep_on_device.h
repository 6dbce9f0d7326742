// KeepOnDevice — keep the object on the device that uses it, moving as the main user changes.
// Guarantee: every periodMs the group reads the per-caller call counts of its (first) replica
//   (GroupContext::metrics) and takes the calls made since the previous reading. The most active
//   caller of the period (at least minCalls calls; ties go to the smaller node id) is the
//   candidate. The replica is pinned to the candidate's node when that node is a live kernel
//   server satisfying the spec's nodeSelector and:
//     - the same candidate led for stablePeriods consecutive periods, and
//     - at least minDwellMs passed since the group's previous move.
//   Callers that are not kernel servers never attract the object. The two conditions are the
//   hysteresis: alternating bursts shorter than stablePeriods, or a rival taking over right after
//   a move, do not make the object flap.
// Tolerates: nothing beyond the kernel (a failed move is logged and retried at a later period);
//   metrics restart when the replica moves (a new kernel object) and are re-baselined.
// Config keys:
//   periodMs      (int, 1000)   how often the group reads metrics
//   minCalls      (int, 5)      calls in one period for a caller to count as active
//   stablePeriods (int, 3)      consecutive periods the same caller must lead
//   minDwellMs    (int, 10000)  minimum time between two moves
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor keep_on_device();

// Runs `tick` every `period`, each time in a fresh execution context on the group's node, until
// stop(); the next period is armed only after a tick returns, so ticks never overlap. Used by the
// adaptive placement DMs (KeepOnDevice, DynamicMigration).
class GroupTicker {
 public:
  GroupTicker() = default;
  GroupTicker(const GroupTicker&) = delete;
  GroupTicker& operator=(const GroupTicker&) = delete;
  // Only flags pending callbacks dead: the Env may be gone when groups are torn down.
  ~GroupTicker() {
    if (alive_) *alive_ = false;
  }
  void start(Env& env, Duration period, std::function<void()> tick);
  void stop();

 private:
  void arm();
  Env* env_ = nullptr;
  Duration period_ = 0;
  std::function<void()> tick_;
  TimerId timer_ = 0;
  std::shared_ptr<bool> alive_;
};

// The node a caller id names ("node" or "node/object" for calls made by a hosted object).
std::string caller_node(const std::string& caller);

}  // namespace amino::dms
