#include "scenarios/code_offloading/calibration_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "scenarios/code_offloading/calibration.h"
#include "scenarios/code_offloading/mechanisms.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

namespace {

namespace c = calibration;
using nlohmann::json;

const std::pair<const char*, c::Device> kDevices[] = {{"phone", c::Device::kPhone}, {"tablet", c::Device::kTablet}};
const std::pair<const char*, c::Network> kNets[] = {{"wifi", c::Network::kWifi}, {"3g", c::Network::k3G}};

// What both models share: speeds, the server, and per workload its method, Base times and the
// predicted local and server times. `offloaded(w, d, n)` fills the model's offloaded predictions.
template <class Offloaded> json common_json(Offloaded offloaded) {
  static const std::map<Workload, const char*> methods = {
      {Workload::kPhysics, "run_physics"}, {Workload::kSudoku, "run_sudoku"},         {Workload::kCalculus, "run_calculus"},
      {Workload::kChessAI, "run_chess"},   {Workload::kRegression, "run_regression"}, {Workload::kOcr, "run_ocr"}};
  json j;
  j["server_speed"] = c::kServerSpeed;
  j["phone_speed"] = c::kPhoneSpeed;
  j["tablet_speed"] = c::kTabletSpeed;
  j["server_uplink_latency_ms"] = c::kServerUplinkLatencyMs;
  j["server_uplink_bandwidth"] = c::kServerUplinkBandwidth;
  for (Workload w : kAllWorkloads) {
    const std::string name = workload_name(w);
    json wj;
    wj["method"] = methods.at(w);
    wj["paper_base_ms"] = {{"phone", c::base_times(w).phone_ms}, {"tablet", c::base_times(w).tablet_ms}};
    wj["predicted_local_ms"] = {{"phone", c::predicted_local_ms(w, c::kPhoneSpeed)},
                                {"tablet", c::predicted_local_ms(w, c::kTabletSpeed)}};
    wj["predicted_server_ms"] = c::predicted_server_ms(w);
    for (auto [dn, d] : kDevices) {
      for (auto [nn, n] : kNets) wj["predicted_offloaded_ms"][dn][nn] = offloaded(w, d, n);
    }
    j["workloads"][name] = wj;
  }
  for (auto [dn, d] : kDevices) {
    for (auto [nn, n] : kNets) j["paper_physics_offloaded_ms"][dn][nn] = c::physics_offloaded_ms(d, n);
  }
  return j;
}

c::MechanismParams mechanism_params(const json& o) {
  c::MechanismParams p;
  static const std::set<std::string> known = {
      "serialization", "asymmetric",    "tcp",      "radio",     "serialization_scale", "wifi_up",
      "wifi_down",     "g3_up",         "g3_down",  "initial_window", "mss",            "rto_min_ms",
      "idle_promotion_ms", "fach_promotion_ms", "dch_tail_ms", "fach_tail_ms"};
  for (const auto& [k, v] : o.items()) {
    if (known.count(k) == 0) throw std::invalid_argument("unknown offloading model parameter '" + k + "'");
  }
  p.serialization = o.value("serialization", p.serialization);
  p.asymmetric = o.value("asymmetric", p.asymmetric);
  p.tcp = o.value("tcp", p.tcp);
  p.radio = o.value("radio", p.radio);
  p.serialization_scale = o.value("serialization_scale", p.serialization_scale);
  p.wifi = {o.value("wifi_up", p.wifi.up), o.value("wifi_down", p.wifi.down)};
  p.g3 = {o.value("g3_up", p.g3.up), o.value("g3_down", p.g3.down)};
  p.initial_window = o.value("initial_window", p.initial_window);
  p.mss = o.value("mss", p.mss);
  p.rto_min_ms = o.value("rto_min_ms", p.rto_min_ms);
  p.idle_promotion_ms = o.value("idle_promotion_ms", p.idle_promotion_ms);
  p.fach_promotion_ms = o.value("fach_promotion_ms", p.fach_promotion_ms);
  p.dch_tail_ms = o.value("dch_tail_ms", p.dch_tail_ms);
  p.fach_tail_ms = o.value("fach_tail_ms", p.fach_tail_ms);
  if (!(p.serialization_scale >= 0) || !(p.wifi.up > 0) || !(p.wifi.down > 0) || !(p.g3.up > 0) || !(p.g3.down > 0) ||
      p.initial_window < 1 || p.mss < 1 || !(p.rto_min_ms >= 0) || !(p.idle_promotion_ms >= 0) ||
      !(p.fach_promotion_ms >= 0) || !(p.dch_tail_ms >= 0) || !(p.fach_tail_ms >= 0)) {
    throw std::invalid_argument("offloading model parameters out of range: " + o.dump());
  }
  return p;
}

}  // namespace

std::string calibration_json() {
  json j = common_json([](Workload w, c::Device d, c::Network n) { return c::predicted_offloaded_ms(w, d, n); });
  j["model"] = "v1";
  j["bandwidth"] = {{"wifi", c::kWifiBandwidth}, {"3g", c::k3gBandwidth}};
  for (auto [dn, d] : kDevices) {
    for (auto [nn, n] : kNets) j["device_uplink_latency_ms"][dn][nn] = c::device_uplink_latency_ms(d, n);
  }
  return j.dump();
}

std::string mechanism_calibration_json(const std::string& params_json) {
  const json o = params_json.empty() ? json::object() : json::parse(params_json);
  if (!o.is_object()) throw std::invalid_argument("offloading model parameters must be a JSON object");
  const c::MechanismParams p = mechanism_params(o);
  json j = common_json([&p](Workload w, c::Device d, c::Network n) { return c::mechanism_offloaded_ms(p, w, d, n); });
  j["model"] = "v2";
  j["params"] = o;
  j["serialization_ops_per_byte"] = c::serialization_ops_per_byte(p);
  j["fitted_serialization_ops_per_byte"] = c::fitted_serialization_ops_per_byte();
  j["feasible"] = c::mechanism_fit_feasible(p);
  for (auto [nn, n] : kNets) {
    const c::Bandwidths b = c::link_bandwidths(p, n);
    j["bandwidth"][nn] = b.down;
    j["uplink_bandwidth"][nn] = b.up;
  }
  for (auto [dn, d] : kDevices) {
    for (auto [nn, n] : kNets) {
      j["fitted_latency_ms"][dn][nn] = c::mechanism_latency_ms(p, d, n);
      j["device_uplink_latency_ms"][dn][nn] = std::max(0.0, c::mechanism_latency_ms(p, d, n));
    }
  }
  // testbed/transport_model.h TcpSpec / RadioSpec (durations in ns), or null when switched off.
  const auto ns = [](double ms) { return static_cast<std::int64_t>(ms * 1e6 + 0.5); };
  j["tcp"] = p.tcp ? json{{"initial_window", p.initial_window}, {"mss", p.mss}, {"rto_min_ns", ns(p.rto_min_ms)}}
                   : json(nullptr);
  j["radio_3g"] = p.radio ? json{{"idle_promotion_ns", ns(p.idle_promotion_ms)},
                                 {"fach_promotion_ns", ns(p.fach_promotion_ms)},
                                 {"dch_tail_ns", ns(p.dch_tail_ms)},
                                 {"fach_tail_ns", ns(p.fach_tail_ms)}}
                          : json(nullptr);
  return j.dump();
}

std::string paper_request_bytes(const std::string& workload, std::uint64_t seed) {
  auto w = workload_from_name(workload);
  if (!w) throw std::invalid_argument("unknown offloading workload '" + workload + "'");
  return paper_request(*w, seed);
}

}  // namespace amino::scenarios::offload
