// The code-offloading experiment's calibration as data, for the notebook and the Python module
// (amino.offload_calibration(), amino.paper_request()): the constants of calibration.h, the paper's
// measured base times and the predicted local, server and offloaded times per workload, device and
// network.
#pragma once

#include <cstdint>
#include <string>

namespace amino::scenarios::offload {

// JSON object: speeds, uplinks, bandwidths, and per workload its method, paper base times and
// predictions (CALIBRATION.md explains each number).
std::string calibration_json();

// The same for model v2 (mechanisms.h): `params_json` is a JSON object of MechanismParams overrides
// (serialization, asymmetric, tcp, radio: bool; serialization_scale, wifi_up, wifi_down, g3_up,
// g3_down, initial_window, mss, rto_min_ms, idle_promotion_ms, fach_promotion_ms, dch_tail_ms,
// fach_tail_ms), "" for the defaults. Adds the fitted serialization ops/byte and latencies, the
// up/down bandwidths, the TCP and 3G radio specs (null when off) and whether the fit is feasible.
// Throws std::invalid_argument for an unknown or out-of-range parameter.
std::string mechanism_calibration_json(const std::string& params_json);

// The request bytes of `workload` (by name, as workload_name prints it) that the paper's runs send,
// drawn from `seed`. Throws std::invalid_argument for an unknown workload.
std::string paper_request_bytes(const std::string& workload, std::uint64_t seed);

}  // namespace amino::scenarios::offload
