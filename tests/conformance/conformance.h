// The conformance suite: cases written once against testbed::Cluster and run on every
// backend; each returns its observations (return values, error codes, final object states) so a
// test can check them and compare backends. Node names differ per backend (a sockets NodeId is an
// address), so cases name kernel servers by their "name" label: ks1, ks2, ks3.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/oms.h"
#include "testbed/cluster.h"

namespace amino::conformance {

// Runs fn in an execution context on the client node until it returns; false if it did not finish
// within `limit` of the cluster's time.
bool run_on_client(testbed::Cluster& c, const std::function<void(Kernel& client)>& fn, Duration limit);
// Runs fn in an execution context on the OMS node (operator actions such as migration).
bool run_on_oms(testbed::Cluster& c, const std::function<void(Oms& oms)>& fn, Duration limit);

// The deployment every backend runs (platform()): the OMS on host "oms", kernel servers ks1..ks3 in
// regions region-N, and a client node in region edge labelled role=client (every kernel server is
// also labelled name=<host>).
inline constexpr int kServers = 3;
testbed::PlatformSpec platform();

using Observations = std::vector<std::string>;

struct Case {
  std::string name;
  std::function<Observations(testbed::Cluster&)> run;
  Observations expected;  // what the semantics say every backend must observe
};

const std::vector<Case>& cases();

// Application classes and DMs every harness registers.
void register_classes(ClassRegistry& classes);
void register_dms(DmRegistry& dms);

}  // namespace amino::conformance
