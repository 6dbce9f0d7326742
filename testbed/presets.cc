#include "testbed/presets.h"

namespace amino::testbed::presets {

namespace {

// Per-core speeds (flop/s). A 2014-era Xeon core sustains ~1e10 double-precision flop/s with AVX;
// mobile ARM cores of the Nexus era (Sapphire's devices) ~1e9; tablets a bit more.
constexpr double kServerCore = 1e10;
constexpr double kEdgeCore = 5e9;
constexpr double kPhoneCore = 1e9;
constexpr double kTabletCore = 1.5e9;

// Access links (bytes/s and one-way latency to the ideal core).
// 10 GbE server NIC; intra-datacenter RTTs are typically 100-250 us.
constexpr double kDatacenterBw = 1.25e9;
constexpr Duration kDatacenterLat = 50 * kMicrosecond;
// 1 GbE metro edge; ~1 ms between two edge machines.
constexpr double kEdgeBw = 1.25e8;
constexpr Duration kEdgeLat = 500 * kMicrosecond;
// WiFi 802.11n in practice delivers ~20 Mbit/s to a client; ~20 ms RTT to a nearby cloud region
// (order of magnitude reported by Huang et al., MobiSys 2012, for WiFi and LTE clients).
constexpr double kWifiBw = 2.5e6;
constexpr Duration kWifiLat = 10 * kMillisecond;
// 3G/HSPA: ~1 Mbit/s and 150-300 ms RTT in the same literature; we take 1 Mbit/s, 200 ms RTT.
constexpr double k3gBw = 1.25e5;
constexpr Duration k3gLat = 100 * kMillisecond;

HostSpec make(const std::string& name, const std::string& region, double speed, double bw, Duration lat,
              const std::string& device, const std::string& network) {
  HostSpec h;
  h.name = name;
  h.region = region;
  h.speed = speed;
  h.uplink_bandwidth = bw;
  h.uplink_latency = lat;
  h.labels = {{"device", device}, {"network", network}};
  return h;
}

}  // namespace

HostSpec cloud_server(const std::string& name, const std::string& region) {
  return make(name, region, kServerCore, kDatacenterBw, kDatacenterLat, "server", "datacenter");
}
HostSpec edge_server(const std::string& name, const std::string& region) {
  return make(name, region, kEdgeCore, kEdgeBw, kEdgeLat, "server", "edge");
}
HostSpec phone_wifi(const std::string& name, const std::string& region) {
  return make(name, region, kPhoneCore, kWifiBw, kWifiLat, "phone", "wifi");
}
HostSpec phone_3g(const std::string& name, const std::string& region) {
  return make(name, region, kPhoneCore, k3gBw, k3gLat, "phone", "3g");
}
HostSpec tablet_wifi(const std::string& name, const std::string& region) {
  return make(name, region, kTabletCore, kWifiBw, kWifiLat, "tablet", "wifi");
}
HostSpec tablet_3g(const std::string& name, const std::string& region) {
  return make(name, region, kTabletCore, k3gBw, k3gLat, "tablet", "3g");
}

PlatformSpec cloud_cluster(int n, const std::string& prefix) {
  PlatformSpec p;
  for (int i = 0; i < n; ++i) p.hosts.push_back(cloud_server(prefix + std::to_string(i)));
  return p;
}

}  // namespace amino::testbed::presets
