// The simulated platform as plain data: hosts (one per node) and network paths, validated before
// anything reaches a backend. The SimGrid backend builds it into one "Full" routing zone
// (sim/platform_build.h); the loopback harness emulates its paths in the message layer.
//
// Network shape: every host has an access link (its "uplink": latency, bandwidth). The route between
// two hosts is [uplink(a), uplink(b)] (a star around an ideal core), unless an explicit LinkSpec
// joins them, which then replaces that route entirely. One-way latency on a star route is therefore
// uplink_latency(a) + uplink_latency(b); bandwidth is the smaller uplink, shared max-min by the
// flows crossing each uplink. A Full zone stores one route per pair: fine up to a few hundred hosts.
//
// Topology kStar builds the same star (same routes, latencies and sharing) as a SimGrid Star zone,
// which stores one uplink per host instead of one route per pair: for thousands of hosts. It cannot
// express explicit LinkSpecs (validate() says so).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/time.h"
#include "testbed/transport_model.h"

namespace amino::testbed {

struct HostSpec {
  std::string name;
  double speed = 1e9;  // flop/s charged by Env::compute
  std::string region;
  std::map<std::string, std::string> labels;
  Duration uplink_latency = 50 * kMicrosecond;
  double uplink_bandwidth = 1.25e9;  // bytes/s, from this host (and towards it unless downlink_bandwidth is set)
  // Towards this host, bytes/s. 0: the access link is one link shared by both directions (as it
  // always was); > 0: a split-duplex access link, uplink_bandwidth up and this down (3G, ADSL).
  double downlink_bandwidth = 0;
  // CPU ops per byte this host's kernel server charges (Env::compute) to encode or decode a remote
  // call's payload: a Dalvik-era phone paid this on every offloaded call. 0: free (the default).
  double serialization_ops_per_byte = 0;
  TcpSpec tcp;      // TCP set-up, slow start and idle restart of frames this host sends (off by default)
  RadioSpec radio;  // 3G RRC promotion delays of this host's interface (off by default)

  // Bytes/s of the access link towards the host.
  double down_bandwidth() const { return downlink_bandwidth > 0 ? downlink_bandwidth : uplink_bandwidth; }
};

struct LinkSpec {
  std::string name;  // default "<a><-><b>"
  std::string a, b;
  Duration latency = 0;
  double bandwidth = 1.25e9;  // bytes/s
};

enum class Topology {
  kFull,  // one SimGrid Full zone: explicit links allowed, O(hosts^2) routes
  kStar,  // one SimGrid Star zone: uplinks only, O(hosts) memory
};

struct PlatformSpec {
  std::vector<HostSpec> hosts;
  std::vector<LinkSpec> links;
  Topology topology = Topology::kFull;
  // "CM02": latencies and bandwidths mean what they say. "LV08" (SimGrid's default) multiplies
  // latency by 13.01 and bandwidth by 0.97 to mimic TCP slow start (TOOLCHAIN.md §9).
  std::string network_model = "CM02";

  // Every problem found, as readable sentences; empty when the platform is valid.
  std::vector<std::string> validate() const;
  // Throws std::invalid_argument listing every problem.
  void check() const;
  const HostSpec* find_host(const std::string& name) const;
  bool has_host(const std::string& name) const { return find_host(name) != nullptr; }
  // One-way propagation latency between two hosts as the platform routes it: the explicit link
  // joining them, else uplink(a) + uplink(b). The sockets backend emulates it in the message layer.
  Duration path_latency(const std::string& a, const std::string& b) const;
  // The bottleneck bandwidth (bytes/s) of that route from a to b: the joining link's, else the
  // smaller of a's up and b's down bandwidth (the same as the smaller uplink unless one is split).
  double path_bandwidth(const std::string& a, const std::string& b) const;
};

std::string uplink_name(const std::string& host);
std::string link_name(const LinkSpec& l);

void to_json(nlohmann::json& j, const HostSpec& h);
void from_json(const nlohmann::json& j, HostSpec& h);
void to_json(nlohmann::json& j, const LinkSpec& l);
void from_json(const nlohmann::json& j, LinkSpec& l);
void to_json(nlohmann::json& j, const PlatformSpec& p);
void from_json(const nlohmann::json& j, PlatformSpec& p);

}  // namespace amino::testbed
