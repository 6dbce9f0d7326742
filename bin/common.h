// Shared by the programs (sockets backend): flags every node takes, and running a loop until a
// signal. Flags are parsed with Boost.Program_options; --help explains each.
#pragma once

#include <boost/program_options.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/sockets/sockets_env.h"
#include "testbed/faulty_env.h"
#include "testbed/process_faults.h"

namespace amino::bin {

namespace po = boost::program_options;

// --cluster-key-file FILE (default: $AMINO_CLUSTER_KEY_FILE; the flag wins).
void add_cluster_key_flag(po::options_description& d);
// The key the flag or the environment names ("" if neither). Prints a warning to stderr when the
// file is readable by others. Throws std::invalid_argument for an unreadable, empty or short key.
std::string cluster_key(const po::variables_map& vm, const std::string& program);

// --listen, --port, --seed, --storage-dir, --log-level, the cluster key, and the connection limits
// (--handshake-timeout-ms, --max-connections, --max-frame-bytes, --max-send-queue-bytes).
void add_node_flags(po::options_description& d, std::uint16_t default_port);
// Throws std::invalid_argument for a bad value.
sockets::SocketsEnvOptions node_options(const po::variables_map& vm, const std::string& program);
// The node's SocketsEnv, bound and listening. nullptr, after printing why to stderr, when the
// configuration is refused (a non-loopback address without a key): the program then exits with 2.
std::unique_ptr<sockets::SocketsEnv> make_node_env(sockets::SocketsLoop& loop, const sockets::SocketsEnvOptions& options,
                                                   const std::string& program);
// --name, --peer NAME=HOST:PORT, --fault-schedule FILE, --fault-epoch-unix-ms (docs/faults.md)
void add_fault_flags(po::options_description& d);

// With --fault-schedule: the node's Env wrapped in a FaultyEnv, and the driver that applies the
// schedule to it (started). Without: all empty, use the SocketsEnv itself. Throws
// std::invalid_argument for a bad schedule, name table or epoch.
struct NodeFaults {
  std::shared_ptr<testbed::FaultState> state;
  std::unique_ptr<testbed::FaultyEnv> env;
  std::unique_ptr<testbed::ProcessFaultDriver> driver;
};
NodeFaults start_node_faults(const po::variables_map& vm, sockets::SocketsLoop& loop, sockets::SocketsEnv& env);

// Numeric flags are read as signed 64-bit values (or text, for seeds) and range-checked here: Boost
// parses "-1" into an unsigned flag as its maximum (--port -1 used to listen on 65535). Each throws
// std::invalid_argument naming the flag, its range and the value given.
std::int64_t int_flag(const po::variables_map& vm, const std::string& name, std::int64_t min, std::int64_t max);
// A timeout or period in ms, 1 .. kMaxTimeoutMs (0 would make a period spin), as a Duration.
Duration ms_flag(const po::variables_map& vm, const std::string& name);
// A seed: decimal 0 .. 2^64-1, no sign (the flag is declared as a string).
std::uint64_t seed_flag(const po::variables_map& vm, const std::string& name);
// Prints "<program>: <message>" and the --help hint; returns 2, the exit code of a usage error.
int usage_error(const char* argv0, const std::exception& e);

// "k=v" strings -> map; throws std::invalid_argument naming the bad one.
std::map<std::string, std::string> parse_labels(const std::vector<std::string>& kv);
// A comma-separated list of node ids (HOST:PORT, port 1..65535), at least one, each well-formed:
// --oms (the OMS, or every replica of a replicated OMS) and amino-oms --peers.
std::vector<std::string> parse_node_list(const std::string& flag, const std::string& list);
// Parses argv; prints --help or a usage error and returns false when the program should exit.
bool parse(int argc, char** argv, const po::options_description& d, po::variables_map& vm, int& exit_code,
           const char* summary);

}  // namespace amino::bin
