// Model v2 (mechanisms.h): the fit reproduces the in-sample Physics bars, the serialization cost is
// the one CALIBRATION.md §9 derives, switching a mechanism off changes what it should, and the JSON
// the scenario reads carries the same numbers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenarios/code_offloading/calibration_report.h"
#include "scenarios/code_offloading/mechanisms.h"

namespace amino::scenarios::offload {
namespace {

namespace cal = calibration;
using cal::Device;
using cal::Network;

constexpr Device kDevices[] = {Device::kPhone, Device::kTablet};
constexpr Network kNets[] = {Network::kWifi, Network::k3G};

TEST(Mechanisms, FitReproducesThePhysicsBarsWithEveryMechanismOnOrOff) {
  cal::MechanismParams on;
  for (const char* off : {"", "serialization", "asymmetric"}) {
    cal::MechanismParams p = on;
    if (std::string(off) == "serialization") p.serialization = false;
    if (std::string(off) == "asymmetric") p.asymmetric = false;
    ASSERT_TRUE(cal::mechanism_fit_feasible(p)) << off;
    for (Device d : kDevices) {
      for (Network n : kNets) {
        EXPECT_NEAR(cal::mechanism_offloaded_ms(p, Workload::kPhysics, d, n), cal::physics_offloaded_ms(d, n), 1e-9) << off;
      }
    }
  }
}

TEST(Mechanisms, SerializationIsFittedOnTheThreeGGapSoBothDevicesShareOneThreeGLatency) {
  const cal::MechanismParams p;
  EXPECT_NEAR(cal::fitted_serialization_ops_per_byte(), 522.4, 0.1);  // CALIBRATION.md §9
  // 30 ms = phone 3G - tablet 3G, all of it serialization of Physics' 7320 bytes:
  EXPECT_NEAR(cal::serialization_ms(p, Workload::kPhysics, Device::kPhone) -
                  cal::serialization_ms(p, Workload::kPhysics, Device::kTablet),
              30, 1e-9);
  EXPECT_NEAR(cal::mechanism_latency_ms(p, Device::kPhone, Network::k3G), cal::mechanism_latency_ms(p, Device::kTablet, Network::k3G),
              1e-9);
  EXPECT_NEAR(cal::serialization_ms(p, Workload::kPhysics, Device::kPhone), 41.37, 0.01);
  cal::MechanismParams off;
  off.serialization = false;
  EXPECT_EQ(cal::serialization_ms(off, Workload::kRegression, Device::kPhone), 0);
}

TEST(Mechanisms, AsymmetricLinksChargeRequestsUpAndResponsesDown) {
  cal::MechanismParams p;
  // Regression: 20 KB up, 112 B down. Over 3G at 0.5 Mbit/s up it costs twice the symmetric link.
  const double asym = cal::transfer_ms(p, Workload::kRegression, Network::k3G);
  EXPECT_NEAR(asym, (20020 + 50) / 6.25e4 * 1000 + (112 + 50) / 1.25e5 * 1000, 1e-9);
  p.asymmetric = false;
  EXPECT_NEAR(cal::transfer_ms(p, Workload::kRegression, Network::k3G), (20020 + 112 + 100) / 1.25e5 * 1000, 1e-9);
}

TEST(Mechanisms, AnImpossibleParameterSetIsReportedInfeasible) {
  cal::MechanismParams p;
  p.wifi.up = 6.25e5;  // 5 Mbit/s up: the tablet's 28 ms WiFi bar has no room left for propagation
  EXPECT_FALSE(cal::mechanism_fit_feasible(p));
  EXPECT_LT(cal::mechanism_latency_ms(p, Device::kTablet, Network::kWifi), 0);
}

TEST(Mechanisms, JsonCarriesTheFitAndTheTransportSpecs) {
  const auto j = nlohmann::json::parse(mechanism_calibration_json(""));
  EXPECT_EQ(j["model"], "v2");
  EXPECT_TRUE(j["feasible"].get<bool>());
  EXPECT_NEAR(j["serialization_ops_per_byte"].get<double>(), cal::fitted_serialization_ops_per_byte(), 1e-9);
  EXPECT_EQ(j["uplink_bandwidth"]["3g"].get<double>(), 6.25e4);
  EXPECT_EQ(j["bandwidth"]["3g"].get<double>(), 1.25e5);
  EXPECT_EQ(j["tcp"]["initial_window"], 10);
  EXPECT_EQ(j["radio_3g"]["idle_promotion_ns"], 2'000'000'000);
  EXPECT_NEAR(j["workloads"]["Physics"]["predicted_offloaded_ms"]["tablet"]["3g"].get<double>(), 175, 1e-9);
  const auto off = nlohmann::json::parse(mechanism_calibration_json(R"({"tcp": false, "radio": false, "serialization_scale": 0.5})"));
  EXPECT_TRUE(off["tcp"].is_null());
  EXPECT_TRUE(off["radio_3g"].is_null());
  EXPECT_NEAR(off["serialization_ops_per_byte"].get<double>(), cal::fitted_serialization_ops_per_byte() / 2, 1e-9);
  EXPECT_THROW(mechanism_calibration_json(R"({"tcp_window": 3})"), std::invalid_argument);
  EXPECT_THROW(mechanism_calibration_json(R"({"g3_up": 0})"), std::invalid_argument);
  EXPECT_THROW(mechanism_calibration_json("[1]"), std::invalid_argument);
}

}  // namespace
}  // namespace amino::scenarios::offload
