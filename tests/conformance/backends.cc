#include "tests/conformance/backends.h"

#include "tests/conformance/inproc_cluster_adapter.h"

namespace amino::conformance {

std::vector<Backend> backends() {
  return {
      {"inproc", [] { return std::make_unique<InProcConformanceCluster>(); }},
  };
}

}  // namespace amino::conformance
