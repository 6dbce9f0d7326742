#include "tests/conformance/backends.h"

#include "tests/conformance/inproc_cluster_adapter.h"
#include "tests/conformance/sim_cluster_adapter.h"
#include "tests/conformance/sockets_cluster_adapter.h"

namespace amino::conformance {

std::vector<Backend> backends() {
  return {
      {"inproc", [] { return std::make_unique<InProcConformanceCluster>(); }},
      {"sockets", [] { return std::make_unique<SocketsConformanceCluster>(); }},
      // Last: SimGrid allows one simulation per process, and each test case is its own process.
      {"simgrid", [] { return std::make_unique<SimConformanceCluster>(); }},
  };
}

}  // namespace amino::conformance
