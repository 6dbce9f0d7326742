// The conformance suite: scenarios written once against ConformanceCluster and run on every
// backend; each returns its observations (return values, error codes, final object states) so a
// test can check them and compare backends. Node names differ per backend (a sockets NodeId is an
// address), so scenarios name kernel servers by their "name" label: ks1, ks2, ks3.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/oms.h"

namespace amino::conformance {

class ConformanceCluster {
 public:
  virtual ~ConformanceCluster() = default;
  // Runs fn in an execution context on the client node until it returns; false if it did not
  // finish within `limit` of the backend's time.
  virtual bool run_on_client(const std::function<void(Kernel& client)>& fn, Duration limit) = 0;
  // Runs fn in an execution context on the OMS node (operator actions such as migration).
  virtual bool run_on_oms(const std::function<void(Oms& oms)>& fn, Duration limit) = 0;
  // Stops a kernel server abruptly (process crash).
  virtual void crash(const std::string& name) = 0;
  // Lets the backend's time pass (heartbeats, failure detection).
  virtual void idle(Duration d) = 0;
};

// The kernel servers the harness must start: ks1..ks3 labelled name=ksN in regions region-N, and a
// client node labelled name=client, role=client.
inline constexpr int kServers = 3;

using Observations = std::vector<std::string>;

struct Scenario {
  std::string name;
  std::function<Observations(ConformanceCluster&)> run;
  Observations expected;  // what the semantics say every backend must observe
};

const std::vector<Scenario>& scenarios();

// Application classes and DMs every harness registers.
void register_classes(ClassRegistry& classes);
void register_dms(DmRegistry& dms);

}  // namespace amino::conformance
