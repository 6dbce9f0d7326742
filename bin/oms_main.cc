// amino-oms: the object management service on real sockets.
#include <iostream>

#include "dms/all.h"
#include "replicated_oms/oms_replica.h"
#include "runtime/oms.h"
#include "bin/common.h"

using namespace amino;
using namespace amino::sockets;

int main(int argc, char** argv) {
  bin::po::options_description d("amino-oms options");
  d.add_options()("help,h", "show this help")
      ("heartbeat-timeout-ms", bin::po::value<std::int64_t>()->default_value(2000),
       "a kernel server silent this long is declared dead and its groups get onFailure; 1 .. 86400000")
      ("peers", bin::po::value<std::string>(),
       "a replicated OMS: every replica's id (HOST:PORT as each prints it, this one's included), "
       "comma-separated; 3 or 5. State goes to a Raft log in --storage-dir (one directory per replica)");
  bin::add_node_flags(d, 7400);
  bin::add_fault_flags(d);
  bin::po::variables_map vm;
  int code = 0;
  if (!bin::parse(argc, argv, d, vm, code,
                  "amino-oms: registry of kernel servers and microservices; hosts every DM group.\n"
                  "Kernel servers and clients reach it at HOST:PORT (see amino-kernel-server --oms).")) {
    return code;
  }
  SocketsEnvOptions eo;
  OmsOptions oo;
  // Replicated (Raft log in the storage directory) with --peers, or with an explicit --storage-dir
  // (a group of one that survives its restarts); otherwise the single in-memory OMS.
  std::vector<std::string> peers;
  try {
    eo = bin::node_options(vm, "amino-oms");
    oo.heartbeat_timeout = bin::ms_flag(vm, "heartbeat-timeout-ms");
    if (vm.count("peers")) peers = bin::parse_node_list("peers", vm["peers"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    return bin::usage_error(argv[0], e);
  }
  try {
    SocketsLoop loop;
    const auto node = bin::make_node_env(loop, eo, "amino-oms");
    if (!node) return 2;
    SocketsEnv& env = *node;
    bin::NodeFaults faults = bin::start_node_faults(vm, loop, env);
    Env& node_env = faults.env ? static_cast<Env&>(*faults.env) : env;
    Rpc rpc(node_env);
    Oms oms(rpc, dms::builtin(), oo);
    std::unique_ptr<replicated_oms::OmsReplica> replica;
    if (!peers.empty() || !vm["storage-dir"].defaulted()) {
      replicated_oms::OmsReplicaOptions ro;
      ro.peers = peers;  // this replica is added when missing
      replica = std::make_unique<replicated_oms::OmsReplica>(rpc, oms, ro);
      replica->start();
    }
    oms.start();
    std::cout << "amino-oms listening on " << env.self();
    if (replica) std::cout << " (replicated OMS, storage " << env.options().storage_dir << ")";
    std::cout << std::endl;
    stop_on_termination_signals(loop);
    loop.run();
    std::cout << "amino-oms: shutting down" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "amino-oms: " << e.what() << std::endl;
    return 1;
  }
}
