#include <gtest/gtest.h>

#include "testbed/presets.h"

namespace amino::testbed {
namespace {

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Platform, PresetsAreValid) {
  PlatformSpec p = presets::cloud_cluster(3);
  p.hosts.push_back(presets::edge_server("edge"));
  p.hosts.push_back(presets::phone_wifi("pw"));
  p.hosts.push_back(presets::phone_3g("p3"));
  p.hosts.push_back(presets::tablet_wifi("tw"));
  p.hosts.push_back(presets::tablet_3g("t3"));
  EXPECT_TRUE(p.validate().empty());
  EXPECT_GT(presets::phone_3g("x").uplink_latency, presets::phone_wifi("x").uplink_latency);
  EXPECT_LT(presets::phone_3g("x").uplink_bandwidth, presets::phone_wifi("x").uplink_bandwidth);
  EXPECT_GT(presets::cloud_server("x").speed, presets::phone_wifi("x").speed);
}

TEST(Platform, ValidationNamesEveryProblem) {
  PlatformSpec p;
  p.hosts = {presets::cloud_server("a"), presets::cloud_server("a"), presets::cloud_server("b")};
  p.hosts[2].uplink_latency = -1;
  p.links = {LinkSpec{"", "a", "ghost", kMillisecond, 1e6}, LinkSpec{"l2", "a", "b", -5, 0},
             LinkSpec{"self", "b", "b", 0, 1e6}};
  const auto errors = p.validate();
  EXPECT_TRUE(mentions(errors, "duplicate host name")) << errors.size();
  EXPECT_TRUE(mentions(errors, "unknown host 'ghost'"));
  EXPECT_TRUE(mentions(errors, "negative latency"));
  EXPECT_TRUE(mentions(errors, "bandwidth must be > 0"));
  EXPECT_TRUE(mentions(errors, "joins host 'b' to itself"));
  EXPECT_TRUE(mentions(errors, "negative uplink latency"));
  EXPECT_THROW(p.check(), std::invalid_argument);
}

TEST(Platform, RejectsUnknownNetworkModelAndReservedNames) {
  PlatformSpec p = presets::cloud_cluster(1);
  p.network_model = "ns-3";
  p.hosts.push_back(presets::cloud_server("__controller"));
  const auto errors = p.validate();
  EXPECT_TRUE(mentions(errors, "network model"));
  EXPECT_TRUE(mentions(errors, "reserved"));
}

TEST(Platform, JsonRoundTrip) {
  PlatformSpec p = presets::cloud_cluster(2);
  p.hosts.push_back(presets::phone_3g("phone"));
  p.links.push_back(LinkSpec{"fast", "server0", "server1", 10 * kMicrosecond, 1e10});
  nlohmann::json j = p;
  const PlatformSpec back = j.get<PlatformSpec>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.hosts[2].labels.at("network"), "3g");
  EXPECT_EQ(back.links[0].latency, 10 * kMicrosecond);
}

}  // namespace
}  // namespace amino::testbed
