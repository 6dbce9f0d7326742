// Transport effects below the message layer that a star of latency+bandwidth links leaves out, as
// opt-in per-host properties of the platform (HostSpec::tcp, HostSpec::radio). Both are off by
// default; a platform without them behaves exactly as before (no state, no extra delay).
//
//   TCP (TcpSpec, the sending host's stack): connection set-up (one RTT before the first frame of a
//   host pair), slow start from the initial window (RFC 3390 / RFC 6928), the window growing by one
//   segment per acknowledged segment (RFC 5681 §3.1, i.e. doubling per RTT), and the restart window
//   after an idle period longer than the RTO (RFC 5681 §4.1, RFC 2861). A frame of S bytes needs k
//   windows; window i (all but the last) costs max(RTT, w_i·MSS/bandwidth), so on a path whose
//   bandwidth-delay product is smaller than the window, slow start costs nothing: the link, not the
//   window, is the bottleneck (and the link's transfer time is charged by the network itself).
//
//   Radio (RadioSpec, a 3G-style RRC state machine of the host's interface): DCH (full rate) after
//   any transfer, demoted to FACH after `dch_tail` of inactivity and to IDLE after another
//   `fach_tail`. A transfer that finds the radio in FACH or IDLE first waits for its promotion to
//   DCH (Qian et al., IMC 2010). Both the sender's and the receiver's radio are consulted.
//
// TransportModel is plain, deterministic state fed by the backend that moves frames (the SimGrid
// backend: SimWorld::transmit), which adds the returned extra delay to the frame's delivery.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/time.h"

namespace amino::testbed {

struct PlatformSpec;

struct TcpSpec {
  bool enabled = false;
  int initial_window = 10;             // segments: RFC 6928 (Linux >= 2.6.39); RFC 3390 gives 3 at MSS 1460
  int mss = 1460;                      // bytes per segment (Ethernet MTU 1500 - 40)
  Duration rto_min = 200 * kMillisecond;  // RTO = RTT + rto_min (Linux TCP_RTO_MIN); RFC 6298 floors RTO at 1 s
  bool handshake = true;               // a new connection pays one RTT (SYN, SYN-ACK) before its first frame
  int max_window = 1000;               // segments: cap of the congestion window (receive window)
};

struct RadioSpec {
  bool enabled = false;
  Duration idle_promotion = 2000 * kMillisecond;  // IDLE -> DCH
  Duration fach_promotion = 1500 * kMillisecond;  // FACH -> DCH
  Duration dch_tail = 5000 * kMillisecond;        // DCH -> FACH after this much inactivity
  Duration fach_tail = 12000 * kMillisecond;      // FACH -> IDLE after this much more
};

// ---- The mechanisms as pure functions (unit-tested) ----

// The windows (one per round trip) slow start sends `segments` in, from congestion window `cwnd`
// growing by one segment per acknowledged segment up to `max_window`; `cwnd` is updated to the
// window after them. Its size is the number of round trips.
std::vector<std::int64_t> slow_start_windows(std::int64_t segments, std::int64_t& cwnd, std::int64_t max_window);

// The extra time slow start adds to a frame of `bytes` beyond what the link's own latency and
// bandwidth already charge: sum over all windows but the last of max(0, rtt - window_bytes / bw).
Duration slow_start_extra(std::int64_t bytes, std::int64_t& cwnd, const TcpSpec& tcp, Duration rtt, double bandwidth);

enum class RadioState { kIdle, kFach, kDch };

// The radio's state at `now` after its last transfer ended at `last_active` (kNever: never used).
inline constexpr Time kNever = -1;
RadioState radio_state(const RadioSpec& r, Time last_active, Time now);
Duration radio_promotion(const RadioSpec& r, RadioState s);

// ---- The state of one run ----

class TransportModel {
 public:
  explicit TransportModel(const PlatformSpec& platform);

  // True when some host enables TCP or radio modelling (otherwise extra_delay is always 0).
  bool active() const { return active_; }

  // Extra delay of one frame of `bytes` sent from `from` to `to` at `now`, and the state update it
  // implies (connection opened, window grown, radios kept awake).
  Duration extra_delay(const std::string& from, const std::string& to, std::int64_t bytes, Time now);
  // A host crashed: its connections are gone (the next frame either way opens a new one).
  void forget(const std::string& host);

 private:
  struct Flow {
    std::int64_t cwnd = 0;
    Time last_send_end = kNever;
  };

  struct Radio {
    Time dch_from = kNever;      // when the last promotion to DCH completes
    Time active_until = kNever;  // end of the last transfer
  };
  // Waits for `host`'s radio to be in DCH for a transfer at `at` lasting `busy`, and records it.
  Duration radio_wait(const RadioSpec& spec, const std::string& host, Time at, Duration busy);

  const PlatformSpec& platform_;
  bool active_ = false;
  std::set<std::pair<std::string, std::string>> connected_;  // unordered host pairs (sorted)
  std::map<std::pair<std::string, std::string>, Flow> flows_;  // directed
  std::map<std::string, Radio> radios_;
};

void to_json(nlohmann::json& j, const TcpSpec& t);
void from_json(const nlohmann::json& j, TcpSpec& t);
void to_json(nlohmann::json& j, const RadioSpec& r);
void from_json(const nlohmann::json& j, RadioSpec& r);

}  // namespace amino::testbed
