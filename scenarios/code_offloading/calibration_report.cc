#include "scenarios/code_offloading/calibration_report.h"

#include <map>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "scenarios/code_offloading/calibration.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

std::string calibration_json() {
  namespace c = calibration;
  using nlohmann::json;
  static const std::map<Workload, const char*> methods = {
      {Workload::kPhysics, "run_physics"}, {Workload::kSudoku, "run_sudoku"},         {Workload::kCalculus, "run_calculus"},
      {Workload::kChessAI, "run_chess"},   {Workload::kRegression, "run_regression"}, {Workload::kOcr, "run_ocr"}};
  json j;
  j["server_speed"] = c::kServerSpeed;
  j["phone_speed"] = c::kPhoneSpeed;
  j["tablet_speed"] = c::kTabletSpeed;
  j["server_uplink_latency_ms"] = c::kServerUplinkLatencyMs;
  j["server_uplink_bandwidth"] = c::kServerUplinkBandwidth;
  j["bandwidth"] = {{"wifi", c::kWifiBandwidth}, {"3g", c::k3gBandwidth}};
  const std::pair<const char*, c::Device> devices[] = {{"phone", c::Device::kPhone}, {"tablet", c::Device::kTablet}};
  const std::pair<const char*, c::Network> nets[] = {{"wifi", c::Network::kWifi}, {"3g", c::Network::k3G}};
  for (auto [dn, d] : devices) {
    for (auto [nn, n] : nets) j["device_uplink_latency_ms"][dn][nn] = c::device_uplink_latency_ms(d, n);
  }
  for (Workload w : kAllWorkloads) {
    const std::string name = workload_name(w);
    json wj;
    wj["method"] = methods.at(w);
    wj["paper_base_ms"] = {{"phone", c::base_times(w).phone_ms}, {"tablet", c::base_times(w).tablet_ms}};
    wj["predicted_local_ms"] = {{"phone", c::predicted_local_ms(w, c::kPhoneSpeed)},
                                {"tablet", c::predicted_local_ms(w, c::kTabletSpeed)}};
    wj["predicted_server_ms"] = c::predicted_server_ms(w);
    for (auto [dn, d] : devices) {
      for (auto [nn, n] : nets) wj["predicted_offloaded_ms"][dn][nn] = c::predicted_offloaded_ms(w, d, n);
    }
    j["workloads"][name] = wj;
  }
  for (auto [dn, d] : devices) {
    for (auto [nn, n] : nets) j["paper_physics_offloaded_ms"][dn][nn] = c::physics_offloaded_ms(d, n);
  }
  return j.dump();
}

std::string paper_request_bytes(const std::string& workload, std::uint64_t seed) {
  auto w = workload_from_name(workload);
  if (!w) throw std::invalid_argument("unknown offloading workload '" + workload + "'");
  return paper_request(*w, seed);
}

}  // namespace amino::scenarios::offload
