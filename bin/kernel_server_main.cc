// amino-kernel-server: hosts microservices (every scenario class is registered) on real sockets.
#include <iostream>

#include "dms/all.h"
#include "runtime/kernel.h"
#include "bin/common.h"
#include "scenarios/registry.h"

using namespace amino;
using namespace amino::sockets;

int main(int argc, char** argv) {
  bin::po::options_description d("amino-kernel-server options");
  d.add_options()("help,h", "show this help")
      ("oms", bin::po::value<std::string>()->required(), "the OMS address, HOST:PORT; a replicated OMS: every replica's, comma-separated")
      ("region", bin::po::value<std::string>()->default_value("default-region"), "this server's region")
      ("label", bin::po::value<std::vector<std::string>>()->composing(),
       "a key=value label for node selectors (repeatable)")
      ("heartbeat-ms", bin::po::value<std::int64_t>()->default_value(500), "heartbeat period to the OMS, 1 .. 86400000")
      ("call-timeout-ms", bin::po::value<std::int64_t>()->default_value(5000),
       "default deadline of a call, 1 .. 86400000");
  bin::add_node_flags(d, 0);
  bin::add_fault_flags(d);
  bin::po::variables_map vm;
  int code = 0;
  if (!bin::parse(argc, argv, d, vm, code,
                  "amino-kernel-server: a deployment kernel server. It registers with the OMS, heartbeats,\n"
                  "and hosts the microservices the OMS places on it, with their DM server components.")) {
    return code;
  }
  SocketsEnvOptions eo;
  KernelOptions ko;
  try {
    eo = bin::node_options(vm, "amino-kernel-server");
    ko.oms_replicas = bin::parse_node_list("oms", vm["oms"].as<std::string>());
    ko.oms = ko.oms_replicas.front();
    if (ko.oms_replicas.size() == 1) ko.oms_replicas.clear();  // one OMS: the plain path
    ko.region = vm["region"].as<std::string>();
    if (vm.count("label")) ko.labels = bin::parse_labels(vm["label"].as<std::vector<std::string>>());
    ko.heartbeat_period = bin::ms_flag(vm, "heartbeat-ms");
    ko.call_timeout = bin::ms_flag(vm, "call-timeout-ms");
  } catch (const std::invalid_argument& e) {
    return bin::usage_error(argv[0], e);
  }
  try {
    ClassRegistry classes;
    scenarios::register_all(classes);
    SocketsLoop loop;
    const auto node = bin::make_node_env(loop, eo, "amino-kernel-server");
    if (!node) return 2;
    SocketsEnv& env = *node;
    bin::NodeFaults faults = bin::start_node_faults(vm, loop, env);
    Env& node_env = faults.env ? static_cast<Env&>(*faults.env) : env;
    Kernel kernel(node_env, classes, dms::builtin(), ko);
    kernel.start();
    std::cout << "amino-kernel-server " << env.self() << " (region " << ko.region << ") using OMS " << ko.oms
              << std::endl;
    stop_on_termination_signals(loop);
    loop.run();
    kernel.stop();
    std::cout << "amino-kernel-server " << env.self() << ": shutting down" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "amino-kernel-server: " << e.what() << std::endl;
    return 1;
  }
}
