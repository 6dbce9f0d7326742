// Builds a PlatformSpec as SimGrid zones, hosts and links (the only part of the platform code that
// needs SimGrid; the spec itself is plain data in platform.cc).
#include <map>

#include <simgrid/s4u.hpp>

#include "sim/platform_build.h"

namespace amino::sim {

namespace sg = simgrid::s4u;

namespace {

sg::Host* create_host(sg::NetZone* zone, const testbed::HostSpec& h) {
  sg::Host* host = zone->create_host(h.name, h.speed);
  host->set_property("region", h.region);
  for (const auto& [k, v] : h.labels) host->set_property("label:" + k, v);
  return host;
}

sg::Link* create_uplink(sg::NetZone* zone, const testbed::HostSpec& h) {
  return zone->create_link(testbed::uplink_name(h.name), h.uplink_bandwidth)->set_latency(to_seconds(h.uplink_latency));
}

// A host's access link as it appears in routes: one shared link, or (downlink_bandwidth > 0) a
// split-duplex pair whose UP half carries what the host sends and DOWN half what it receives.
struct AccessLink {
  sg::Link* link = nullptr;
  bool split = false;
  // In a route from `sender` outwards (up) or towards the host (down).
  sg::LinkInRoute up() const { return split ? sg::LinkInRoute(link, sg::LinkInRoute::Direction::UP) : sg::LinkInRoute(link); }
  sg::LinkInRoute down() const {
    return split ? sg::LinkInRoute(link, sg::LinkInRoute::Direction::DOWN) : sg::LinkInRoute(link);
  }
};

AccessLink create_access_link(sg::NetZone* zone, const testbed::HostSpec& h) {
  if (h.downlink_bandwidth <= 0) return {create_uplink(zone, h), false};
  sg::SplitDuplexLink* link = zone->create_split_duplex_link(testbed::uplink_name(h.name), h.uplink_bandwidth);
  link->set_latency(to_seconds(h.uplink_latency));
  return {link, true};
}

// The DOWN halves' bandwidths, set once the zone is sealed (before, the split link's own bandwidth
// is applied to both halves when it is sealed).
void set_downlink_bandwidths(const testbed::PlatformSpec& spec) {
  for (const auto& h : spec.hosts) {
    if (h.downlink_bandwidth > 0) {
      sg::SplitDuplexLink::by_name(testbed::uplink_name(h.name))->get_link_down()->set_bandwidth(h.downlink_bandwidth);
    }
  }
}

// Every pair gets its route: [uplink(a), uplink(b)], or the explicit link joining them.
void build_full(const testbed::PlatformSpec& spec) {
  auto* zone = sg::create_full_zone("amino");
  std::map<std::string, sg::Host*> hosts;
  std::map<std::string, AccessLink> uplinks;
  for (const auto& h : spec.hosts) {
    hosts[h.name] = create_host(zone, h);
    uplinks[h.name] = create_access_link(zone, h);
  }
  std::map<std::pair<std::string, std::string>, sg::Link*> direct;
  for (const auto& l : spec.links) {
    sg::Link* link = zone->create_link(testbed::link_name(l), l.bandwidth)->set_latency(to_seconds(l.latency));
    direct[{l.a, l.b}] = link;
    direct[{l.b, l.a}] = link;
  }
  for (auto a = hosts.begin(); a != hosts.end(); ++a) {
    for (auto b = std::next(a); b != hosts.end(); ++b) {
      std::vector<sg::LinkInRoute> route;
      if (auto d = direct.find({a->first, b->first}); d != direct.end()) {
        route.emplace_back(d->second);
      } else if (const AccessLink &la = uplinks[a->first], &lb = uplinks[b->first]; la.split || lb.split) {
        // a -> b goes up a's access link and down b's, b -> a up b's and down a's. (A symmetrical
        // route would reuse a -> b's halves backwards.)
        zone->add_route(a->second->get_netpoint(), b->second->get_netpoint(), nullptr, nullptr, {la.up(), lb.down()}, false);
        zone->add_route(b->second->get_netpoint(), a->second->get_netpoint(), nullptr, nullptr, {lb.up(), la.down()}, false);
        continue;
      } else {
        route.emplace_back(la.link);
        route.emplace_back(lb.link);
      }
      zone->add_route(a->second->get_netpoint(), b->second->get_netpoint(), nullptr, nullptr, route, true);
    }
  }
  // A host for the fault controller: it never communicates, so it needs no route.
  zone->create_host("__controller", 1e9);
  zone->seal();
}

// A Star zone route from a to b is a's "up" links then b's "down" links; a symmetrical route from
// a host to the centre makes its uplink both, so a->b is [uplink(a), uplink(b)] as in build_full.
void build_star(const testbed::PlatformSpec& spec) {
  auto* zone = sg::create_star_zone("amino");
  for (const auto& h : spec.hosts) {
    sg::Host* host = create_host(zone, h);
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {sg::LinkInRoute(create_uplink(zone, h))}, true);
  }
  zone->create_host("__controller", 1e9);  // never communicates: no uplink
  zone->seal();
}

}  // namespace

void build_platform(const testbed::PlatformSpec& spec) {
  spec.check();
  if (spec.topology == testbed::Topology::kStar) {
    build_star(spec);
  } else {
    build_full(spec);
    set_downlink_bandwidths(spec);
  }
}

}  // namespace amino::sim
