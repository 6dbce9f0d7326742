#include "tests/conformance/backends.h"

#include <stdexcept>

#include "testbed/inproc_cluster.h"
#include "testbed/loopback_cluster.h"
#include "testbed/sim_cluster.h"

namespace amino::conformance {

namespace {

// Registries outlive every cluster of the process.
const ClassRegistry& classes() {
  static const ClassRegistry c = [] {
    ClassRegistry r;
    register_classes(r);
    return r;
  }();
  return c;
}

const DmRegistry& dms() {
  static const DmRegistry d = [] {
    DmRegistry r;
    register_dms(r);
    return r;
  }();
  return d;
}

constexpr std::uint64_t kSeed = 11;

std::unique_ptr<testbed::Cluster> registered(std::unique_ptr<testbed::Cluster> c, Duration limit) {
  if (!c->wait_registered(limit)) throw std::runtime_error("kernel servers did not register");
  return c;
}

}  // namespace

std::vector<Backend> backends() {
  return {
      {"inproc",
       [] {
         testbed::InProcClusterOptions o;
         o.platform = platform();
         o.oms_host = "oms";
         o.seed = kSeed;
         return registered(std::make_unique<testbed::InProcCluster>(classes(), dms(), o), 5 * kSecond);
       }},
      {"sockets",
       [] {
         testbed::LoopbackClusterOptions o;
         o.platform = platform();
         o.oms_host = "oms";
         o.seed = kSeed;
         o.emulate_network = false;  // plain loopback: the suite compares semantics, not timing
         return registered(std::make_unique<testbed::LoopbackCluster>(classes(), dms(), o), 10 * kSecond);
       }},
      // Last: SimGrid allows one simulation per process, and each test case is its own process.
      {"simgrid",
       [] {
         sim::SimOptions so;
         so.seed = kSeed;
         so.platform = platform();
         testbed::SimClusterOptions o;
         o.oms_host = "oms";
         return registered(std::make_unique<testbed::SimCluster>(so, classes(), dms(), o), 5 * kSecond);
       }},
  };
}

}  // namespace amino::conformance
