// Calibration of the code-offloading experiment (CALIBRATION.md has the derivation and the
// arithmetic): device CPU speeds, the cost in CPU ops of one counted operation of each workload,
// request/response sizes, and the access-link parameters fitted to the paper's Physics offloading
// times. Everything is constexpr, so the derivation is checked by the compiler and by the tests,
// and the experiment driver builds its simulated platform from these numbers.
//
// What is fitted and what is predicted:
//   anchor     server core speed (1e10 ops/s, the platform preset for a datacenter core)
//   fitted     server Physics time (11 ms, middle of the paper's 5-17 ms) -> Physics ops
//   fitted     phone speed, tablet speed: on the Physics Base times only
//   fitted     cost per counted op of each workload: on its phone Base time
//   fitted     one-way latency of each (device, network) uplink: on its Physics offloaded time
//   assumed    WiFi and 3G bandwidths (not identifiable from one bar per link)
//   predicted  the tablet Base times of the five other workloads, every server time but Physics',
//              and every offloaded time but Physics'.
#pragma once

#include <cstdint>

#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload::calibration {

// ---- The paper's numbers (reference §4; read off bars, +-10 ms) ----

struct BaseTimes {
  double phone_ms;
  double tablet_ms;
};

constexpr BaseTimes base_times(Workload w) {
  switch (w) {
    case Workload::kPhysics: return {1190, 327};
    case Workload::kSudoku: return {490, 200};
    case Workload::kCalculus: return {322, 100};
    case Workload::kChessAI: return {170, 30};
    case Workload::kRegression: return {130, 22};
    case Workload::kOcr: return {400, 77};
  }
  return {0, 0};
}

enum class Device { kPhone, kTablet };
enum class Network { kWifi, k3G };

// Physics offloaded, end to end (ms).
constexpr double physics_offloaded_ms(Device d, Network n) {
  if (d == Device::kPhone) return n == Network::kWifi ? 165 : 205;
  return n == Network::kWifi ? 28 : 175;
}

// ---- CPU ----

// One core of the 8-core 2 GHz Xeon (a microservice call is single-threaded; SimGrid hosts model
// one core). Only speed ratios are identifiable from the paper, so one absolute value is chosen.
inline constexpr double kServerSpeed = 1e10;  // ops/s
// Server-side execution of Physics: the middle of the paper's "about 5-17 ms".
inline constexpr double kServerPhysicsMs = 11;
// CPU ops of one Physics run at the paper's size.
inline constexpr double kPhysicsPaperOps = kServerSpeed * kServerPhysicsMs / 1000;  // 1.1e8
inline constexpr double kPhoneSpeed = kPhysicsPaperOps / (base_times(Workload::kPhysics).phone_ms / 1000);
inline constexpr double kTabletSpeed = kPhysicsPaperOps / (base_times(Workload::kPhysics).tablet_ms / 1000);

// Counted operations of each workload's paper-size request (paper_request(w, 1)). A test re-runs
// the workloads and fails when these go stale (an algorithm change needs a re-calibration).
constexpr std::int64_t reference_counted_ops(Workload w) {
  switch (w) {
    case Workload::kPhysics: return 889'248;
    case Workload::kSudoku: return 107'200;
    case Workload::kCalculus: return 619'261;
    case Workload::kChessAI: return 5'158;
    case Workload::kRegression: return 4'455'735;
    case Workload::kOcr: return 6'384'000;
  }
  return 1;
}

// CPU ops one counted operation stands for: the paper-size run costs its phone Base time on the
// phone.
constexpr double cost_per_op(Workload w) {
  return base_times(w).phone_ms / 1000 * kPhoneSpeed / static_cast<double>(reference_counted_ops(w));
}

// What OffloadService charges (Env::compute) for a run that counted `counted_ops` operations.
constexpr double charged_ops(Workload w, std::int64_t counted_ops) {
  return cost_per_op(w) * static_cast<double>(counted_ops);
}

// Local execution time (ms) of the paper-size run on a CPU of `speed` ops/s.
constexpr double predicted_local_ms(Workload w, double speed) {
  return charged_ops(w, reference_counted_ops(w)) / speed * 1000;
}

// ---- Payloads ----

// Bytes of the encoded request/response of the paper-size run (the same for every seed: fixed
// shapes). Checked by the tests against the encoders.
struct Payload {
  std::int64_t request;
  std::int64_t response;
};

constexpr Payload paper_payload_bytes(Workload w) {
  switch (w) {
    case Workload::kPhysics: return {3608, 3612};
    case Workload::kSudoku: return {652, 724};
    case Workload::kCalculus: return {334, 100};
    case Workload::kChessAI: return {182, 48};
    case Workload::kRegression: return {20020, 112};
    case Workload::kOcr: return {12116, 60};
  }
  return {0, 0};
}

// RPC framing per call, both messages together: Frame (call id, service, deadline, status) and
// InvokeRequest (oid, method name, caller) around the Bytes argument/result, ~55 + ~30 bytes.
inline constexpr std::int64_t kRpcFramingBytes = 100;

constexpr std::int64_t round_trip_bytes(Workload w) {
  return paper_payload_bytes(w).request + paper_payload_bytes(w).response + kRpcFramingBytes;
}

// ---- Network (a star: device uplink + server uplink, SimGrid CM02 model: latency adds up,
// bandwidth is the narrower link's) ----

inline constexpr double kServerUplinkLatencyMs = 0.05;     // sim preset: datacenter NIC
inline constexpr double kServerUplinkBandwidth = 1.25e9;   // bytes/s, 10 GbE
// Assumed, not fitted (one bar per link cannot separate latency from bandwidth): effective
// 802.11n WiFi ~20 Mbit/s and HSPA 3G ~1 Mbit/s, the platform presets' values.
inline constexpr double kWifiBandwidth = 2.5e6;   // bytes/s
inline constexpr double k3gBandwidth = 1.25e5;    // bytes/s

constexpr double bandwidth(Network n) { return n == Network::kWifi ? kWifiBandwidth : k3gBandwidth; }

// Transfer time (ms) of `bytes` over the device's uplink (the bottleneck of the route).
constexpr double transfer_ms(std::int64_t bytes, Network n) { return static_cast<double>(bytes) / bandwidth(n) * 1000; }

// Fitted: Physics offloaded = server time + 2 x (device + server uplink latency) + transfer.
constexpr double device_uplink_latency_ms(Device d, Network n) {
  const double network_ms = physics_offloaded_ms(d, n) - kServerPhysicsMs;
  return (network_ms - transfer_ms(round_trip_bytes(Workload::kPhysics), n)) / 2 - kServerUplinkLatencyMs;
}

// Server-side execution (ms) of the paper-size run.
constexpr double predicted_server_ms(Workload w) { return predicted_local_ms(w, kServerSpeed); }

// Offloaded end-to-end time (ms) of the paper-size run, steady state (object already on the
// server, stub resolved): what the simulated experiment should reproduce.
constexpr double predicted_offloaded_ms(Workload w, Device d, Network n) {
  return predicted_server_ms(w) + 2 * (device_uplink_latency_ms(d, n) + kServerUplinkLatencyMs) +
         transfer_ms(round_trip_bytes(w), n);
}

}  // namespace amino::scenarios::offload::calibration
