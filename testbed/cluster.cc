#include "testbed/cluster.h"

namespace amino::testbed {

KernelOptions kernel_options_for(const HostSpec& host, KernelOptions defaults) {
  if (!host.region.empty()) defaults.region = host.region;
  for (const auto& [k, v] : host.labels) defaults.labels[k] = v;
  defaults.labels["name"] = host.name;
  if (host.serialization_ops_per_byte > 0) defaults.serialization_ops_per_byte = host.serialization_ops_per_byte;
  return defaults;
}

}  // namespace amino::testbed
