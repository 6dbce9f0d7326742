// Ready-made hosts and platforms. Numbers are representative round values for the device classes of
// the Sapphire/Amino.Run evaluations (phones and tablets offloading to a cloud), not measurements of
// a particular device. Each constant's comment gives its basis; docs/faults.md has the table.
// A SimGrid host models ONE core: speed is per-core flop/s.
#pragma once

#include <string>

#include "testbed/platform.h"

namespace amino::testbed::presets {

// Datacenter server core, 10 GbE NIC, ~100 us one-way server-to-server (two 50 us uplinks).
HostSpec cloud_server(const std::string& name, const std::string& region = "cloud");
// Cloudlet / edge site machine: slower core, 1 GbE, ~1 ms to another edge machine.
HostSpec edge_server(const std::string& name, const std::string& region = "edge");
// Phone on home/office WiFi: ~20 Mbit/s effective, ~10 ms one-way to the wired core.
HostSpec phone_wifi(const std::string& name, const std::string& region = "device");
// Phone on 3G (HSPA): ~1 Mbit/s, ~100 ms one-way (RTT ~200 ms).
HostSpec phone_3g(const std::string& name, const std::string& region = "device");
// Tablets: a slightly faster core than the phone on the same access networks.
HostSpec tablet_wifi(const std::string& name, const std::string& region = "device");
HostSpec tablet_3g(const std::string& name, const std::string& region = "device");

// n cloud servers named <prefix>0 .. <prefix>{n-1}.
PlatformSpec cloud_cluster(int n, const std::string& prefix = "server");

}  // namespace amino::testbed::presets
