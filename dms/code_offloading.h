// CodeOffloading — per call, run on the device or on a cloud replica, whichever measures faster.
// Placement (shared with ExplicitCodeOffloading): two physical replicas.
//   - The device replica lives on the creator's node when that is a live kernel server (pinned
//     there at creation, like KeepInPlace; otherwise it stays where the OMS put it).
//   - The cloud replica is replicated onto a live kernel server labelled
//     cloudLabelKey=cloudLabelValue (default tier=cloud). If it fails the group replicates the
//     device replica onto another cloud node; until then calls run on the device.
// Consistency: the device replica is the authority on the state. Every replica's server keeps a
//   version, incremented by each mutating call it runs.
//   - Before a call runs on the cloud, the device pushes its state to the cloud if the cloud is
//     behind (no transfer when nothing changed).
//   - After a mutating call ran on the cloud, the cloud returns its new state with the result and
//     the device adopts it before the call returns (no second round trip), so the device is
//     current whenever a call has returned.
//   - If the device cannot adopt it, the call is run again on the device, which therefore never
//     misses an acknowledged effect; the cloud's effect is discarded with its copy.
//   This is linearizable for calls that do not overlap in time (the intended use: the device's
//   own app calling its object); overlapping mutating calls on different sides may lose one
//   effect (the newer version wins). Effects outside the object (nested calls) of a call re-run on
//   the device happen twice.
// Tolerates: loss or partition of the cloud replica. An offloaded call gets half of its remaining
//   time on the cloud; on a system error or no answer by then it runs on the device, and the cloud
//   is avoided for cloudRetryMs. Not the device's loss: the object belongs to the device.
// Side choice (CodeOffloading): for each method, an EWMA (weight ewmaAlpha) of the latency
//   measured on each side. Offloaded calls include their state push and returned state, so the cost of moving state
//   counts against offloading.
//   - Each side is tried once (device first), then the faster side runs the call.
//   - The slower side is probed again every probeEvery-th call of the method, and whenever it has
//     not run for probeIntervalMs.
// Config keys (both offloading DMs):
//   cloudLabelKey  (string, "tier")  node label marking cloud servers
//   cloudLabelValue(string, "cloud") its value
//   cloudRetryMs   (int, 5000)       how long a failed cloud replica is avoided
//   syncTimeoutMs  (int, 2000)       deadline of one state push to the cloud replica
// CodeOffloading only:
//   ewmaAlpha       (double, 0.3)    weight of the newest latency sample
//   probeEvery      (int, 10)        probe the slower side every N calls of a method (0: never)
//   probeIntervalMs (int, 5000)      and whenever it has not run for this long (0: never)
#pragma once

#include <optional>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor code_offloading();

namespace offloading {

enum class Side { kDevice = 0, kCloud = 1 };

// Config keys shared by both offloading DMs.
std::vector<ConfigKey> common_config();
std::unique_ptr<ServerDM> make_server();
std::unique_ptr<GroupDM> make_group();

// The client part of an offloading DM: routing, state sync and fallback. Subclasses decide the
// side of each call and may intercept control methods.
class Client : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) final;

 protected:
  virtual Side choose(const Invocation& inv, ClientContext& ctx) = 0;
  // A call completed (successfully or with an application error) on `side` in `took`.
  virtual void observe(const Invocation&, Side, Duration, ClientContext&) {}
  // A reply for a control method handled by the DM itself, or nullopt for an application call.
  virtual std::optional<Reply> intercept(Invocation&, ClientContext&) { return std::nullopt; }

 private:
  bool learn_sides(ClientContext& ctx);
  bool cloud_usable(ClientContext& ctx);
  Reply run_on_cloud(Invocation& inv, ClientContext& ctx);
  Reply control(const char* method, const ReplicaRef& peer, Time deadline, ClientContext& ctx);
  Reply control(const char* method, ValueList args, Time deadline, ClientContext& ctx);
  void cloud_failed(ClientContext& ctx, const Status& why);

  ReplicaRef device_, cloud_;
  bool sides_known_ = false;
  Time cloud_down_until_ = 0;
};

}  // namespace offloading
}  // namespace amino::dms
