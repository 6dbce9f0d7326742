// The calibration reproduces the paper's fitted numbers exactly, its constants match the code, and
// its predictions are the ones CALIBRATION.md quotes.
#include <gtest/gtest.h>

#include "scenarios/code_offloading/calibration.h"

namespace amino::scenarios::offload {
namespace {

namespace cal = calibration;
using cal::Device;
using cal::Network;

TEST(Calibration, ReferenceCountsMatchTheWorkloads) {
  for (Workload w : kAllWorkloads) {
    EXPECT_EQ(run_encoded(w, paper_request(w, 1)).counted_ops, cal::reference_counted_ops(w))
        << workload_name(w) << ": the algorithm changed; re-calibrate (CALIBRATION.md)";
  }
}

TEST(Calibration, PayloadSizesMatchTheEncodersForAnySeed) {
  for (Workload w : kAllWorkloads) {
    for (std::uint64_t seed : {1, 2, 99}) {
      const std::string req = paper_request(w, seed);
      EXPECT_EQ(static_cast<std::int64_t>(req.size()), cal::paper_payload_bytes(w).request) << workload_name(w);
      EXPECT_EQ(static_cast<std::int64_t>(run_encoded(w, req).response.size()), cal::paper_payload_bytes(w).response)
          << workload_name(w);
    }
  }
}

TEST(Calibration, ReproducesEveryPhoneBaseTimeAndTheTabletPhysicsTime) {
  for (Workload w : kAllWorkloads) {
    EXPECT_NEAR(cal::predicted_local_ms(w, cal::kPhoneSpeed), cal::base_times(w).phone_ms, 1e-9) << workload_name(w);
  }
  EXPECT_NEAR(cal::predicted_local_ms(Workload::kPhysics, cal::kTabletSpeed), 327, 1e-9);
  EXPECT_NEAR(cal::predicted_server_ms(Workload::kPhysics), cal::kServerPhysicsMs, 1e-9);
  EXPECT_NEAR(cal::kPhoneSpeed, 9.2437e7, 1e3);
  EXPECT_NEAR(cal::kTabletSpeed, 3.3639e8, 1e4);
}

TEST(Calibration, TabletPredictionsAreTheDocumentedOnes) {
  // Tablet Base times of the other workloads are predictions (CALIBRATION.md, table T).
  const std::vector<std::pair<Workload, double>> quoted = {{Workload::kSudoku, 134.6},
                                                           {Workload::kCalculus, 88.5},
                                                           {Workload::kChessAI, 46.7},
                                                           {Workload::kRegression, 35.7},
                                                           {Workload::kOcr, 109.9}};
  for (const auto& [w, ms] : quoted) {
    EXPECT_NEAR(cal::predicted_local_ms(w, cal::kTabletSpeed), ms, 0.05) << workload_name(w);
  }
}

TEST(Calibration, LinkFitReproducesPhysicsOffloadedTimes) {
  for (Device d : {Device::kPhone, Device::kTablet}) {
    for (Network n : {Network::kWifi, Network::k3G}) {
      EXPECT_GT(cal::device_uplink_latency_ms(d, n), 0);
      EXPECT_NEAR(cal::predicted_offloaded_ms(Workload::kPhysics, d, n), cal::physics_offloaded_ms(d, n), 1e-9);
    }
  }
  EXPECT_NEAR(cal::device_uplink_latency_ms(Device::kPhone, Network::kWifi), 75.486, 0.001);
  EXPECT_NEAR(cal::device_uplink_latency_ms(Device::kPhone, Network::k3G), 67.67, 0.001);
  EXPECT_NEAR(cal::device_uplink_latency_ms(Device::kTablet, Network::kWifi), 6.986, 0.001);
  EXPECT_NEAR(cal::device_uplink_latency_ms(Device::kTablet, Network::k3G), 52.67, 0.001);
}

TEST(Calibration, CostConstantsAreTheDocumentedOnes) {
  const std::vector<std::pair<Workload, double>> quoted = {
      {Workload::kPhysics, 123.70},  {Workload::kSudoku, 422.52},    {Workload::kCalculus, 48.065},
      {Workload::kChessAI, 3046.6},  {Workload::kRegression, 2.6969}, {Workload::kOcr, 5.7918}};
  for (const auto& [w, k] : quoted) EXPECT_NEAR(cal::cost_per_op(w) / k, 1, 1e-4) << workload_name(w);
}

}  // namespace
}  // namespace amino::scenarios::offload
