#include "testbed/platform.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace amino::testbed {

namespace {

void validate_hosts(const PlatformSpec& p, std::vector<std::string>& errors) {
  std::set<std::string> names;
  for (const auto& h : p.hosts) {
    const std::string who = "host '" + h.name + "'";
    if (h.name.empty()) errors.push_back("a host has an empty name");
    if (h.name.rfind("__", 0) == 0) errors.push_back(who + ": names starting with '__' are reserved");
    if (!names.insert(h.name).second) errors.push_back(who + ": duplicate host name");
    if (!(h.speed > 0)) errors.push_back(who + ": speed must be > 0 flop/s");
    if (h.uplink_latency < 0) errors.push_back(who + ": negative uplink latency");
    if (!(h.uplink_bandwidth > 0)) errors.push_back(who + ": uplink bandwidth must be > 0");
    if (!(h.downlink_bandwidth >= 0)) errors.push_back(who + ": downlink bandwidth must be >= 0 (0: same as uplink)");
    if (!(h.serialization_ops_per_byte >= 0) || !std::isfinite(h.serialization_ops_per_byte)) {
      errors.push_back(who + ": serializationOpsPerByte must be a finite number >= 0");
    }
    if (h.tcp.enabled) {
      if (h.tcp.initial_window < 1) errors.push_back(who + ": tcp initial_window must be >= 1 segment");
      if (h.tcp.mss < 1) errors.push_back(who + ": tcp mss must be >= 1 byte");
      if (h.tcp.max_window < h.tcp.initial_window) errors.push_back(who + ": tcp max_window must be >= initial_window");
      if (h.tcp.rto_min < 0) errors.push_back(who + ": tcp rto_min must be >= 0");
    }
    if (h.radio.enabled && (h.radio.idle_promotion < 0 || h.radio.fach_promotion < 0 || h.radio.dch_tail < 0 ||
                            h.radio.fach_tail < 0)) {
      errors.push_back(who + ": radio promotion delays and tail timers must be >= 0");
    }
    if (p.topology == Topology::kStar && h.downlink_bandwidth > 0) {
      errors.push_back(who + ": a split (up/down) access link needs the full topology");
    }
  }
  if (p.hosts.empty()) errors.push_back("the platform has no hosts");
}

void validate_links(const PlatformSpec& p, std::vector<std::string>& errors) {
  std::set<std::string> names;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& l : p.links) {
    const std::string who = "link '" + link_name(l) + "'";
    if (!p.has_host(l.a)) errors.push_back(who + ": unknown host '" + l.a + "'");
    if (!p.has_host(l.b)) errors.push_back(who + ": unknown host '" + l.b + "'");
    if (l.a == l.b) errors.push_back(who + ": joins host '" + l.a + "' to itself");
    if (l.latency < 0) errors.push_back(who + ": negative latency");
    if (!(l.bandwidth > 0)) errors.push_back(who + ": bandwidth must be > 0");
    if (!names.insert(link_name(l)).second) errors.push_back(who + ": duplicate link name");
    const auto key = l.a < l.b ? std::make_pair(l.a, l.b) : std::make_pair(l.b, l.a);
    if (!pairs.insert(key).second) errors.push_back(who + ": a second link between the same two hosts");
  }
}

}  // namespace

std::string uplink_name(const std::string& host) { return host + "/uplink"; }
std::string link_name(const LinkSpec& l) { return l.name.empty() ? l.a + "<->" + l.b : l.name; }

const HostSpec* PlatformSpec::find_host(const std::string& name) const {
  for (const auto& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

Duration PlatformSpec::path_latency(const std::string& a, const std::string& b) const {
  if (a == b) return 0;
  for (const auto& l : links) {
    if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return l.latency;
  }
  const HostSpec* ha = find_host(a);
  const HostSpec* hb = find_host(b);
  return (ha != nullptr ? ha->uplink_latency : 0) + (hb != nullptr ? hb->uplink_latency : 0);
}

double PlatformSpec::path_bandwidth(const std::string& a, const std::string& b) const {
  for (const auto& l : links) {
    if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return l.bandwidth;
  }
  const HostSpec* ha = find_host(a);
  const HostSpec* hb = find_host(b);
  if (ha == nullptr || hb == nullptr) return 0;
  return std::min(ha->uplink_bandwidth, hb->down_bandwidth());
}

std::vector<std::string> PlatformSpec::validate() const {
  std::vector<std::string> errors;
  validate_hosts(*this, errors);
  validate_links(*this, errors);
  if (topology == Topology::kStar && !links.empty()) {
    errors.push_back("a star topology has uplinks only: explicit links need the full topology");
  }
  if (network_model != "CM02" && network_model != "LV08") {
    errors.push_back("network model '" + network_model + "' is not supported (use CM02 or LV08)");
  }
  return errors;
}

void PlatformSpec::check() const {
  const auto errors = validate();
  if (errors.empty()) return;
  std::string msg = "invalid platform:";
  for (const auto& e : errors) msg += "\n  - " + e;
  throw std::invalid_argument(msg);
}

void to_json(nlohmann::json& j, const HostSpec& h) {
  j = {{"name", h.name},          {"speed", h.speed},
       {"region", h.region},      {"labels", h.labels},
       {"uplink_latency_ns", h.uplink_latency}, {"uplink_bandwidth", h.uplink_bandwidth}};
  // Written only when set, so existing platform files and trace hashes stay as they were.
  if (h.downlink_bandwidth > 0) j["downlink_bandwidth"] = h.downlink_bandwidth;
  if (h.serialization_ops_per_byte > 0) j["serializationOpsPerByte"] = h.serialization_ops_per_byte;
  if (h.tcp.enabled) j["tcp"] = h.tcp;
  if (h.radio.enabled) j["radio"] = h.radio;
}

void from_json(const nlohmann::json& j, HostSpec& h) {
  HostSpec d;
  h.name = j.at("name").get<std::string>();
  h.speed = j.value("speed", d.speed);
  h.region = j.value("region", d.region);
  h.labels = j.value("labels", d.labels);
  h.uplink_latency = j.value("uplink_latency_ns", d.uplink_latency);
  h.uplink_bandwidth = j.value("uplink_bandwidth", d.uplink_bandwidth);
  h.downlink_bandwidth = j.value("downlink_bandwidth", d.downlink_bandwidth);
  h.serialization_ops_per_byte = j.value("serializationOpsPerByte", d.serialization_ops_per_byte);
  if (j.contains("tcp")) h.tcp = j.at("tcp").get<TcpSpec>();
  if (j.contains("radio")) h.radio = j.at("radio").get<RadioSpec>();
}

void to_json(nlohmann::json& j, const LinkSpec& l) {
  j = {{"name", l.name}, {"a", l.a}, {"b", l.b}, {"latency_ns", l.latency}, {"bandwidth", l.bandwidth}};
}

void from_json(const nlohmann::json& j, LinkSpec& l) {
  LinkSpec d;
  l.name = j.value("name", d.name);
  l.a = j.at("a").get<std::string>();
  l.b = j.at("b").get<std::string>();
  l.latency = j.value("latency_ns", d.latency);
  l.bandwidth = j.value("bandwidth", d.bandwidth);
}

void to_json(nlohmann::json& j, const PlatformSpec& p) {
  j = {{"hosts", p.hosts}, {"links", p.links}, {"network_model", p.network_model}};
  // Written only when not the default, so existing platform files and hashes stay as they were.
  if (p.topology == Topology::kStar) j["topology"] = "star";
}

void from_json(const nlohmann::json& j, PlatformSpec& p) {
  p.hosts = j.value("hosts", std::vector<HostSpec>{});
  p.links = j.value("links", std::vector<LinkSpec>{});
  p.network_model = j.value("network_model", std::string("CM02"));
  const std::string topology = j.value("topology", std::string("full"));
  if (topology != "full" && topology != "star") throw std::invalid_argument("unknown topology '" + topology + "'");
  p.topology = topology == "star" ? Topology::kStar : Topology::kFull;
}

}  // namespace amino::testbed
