#include "runtime/sockets/bin/common.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "runtime/sockets/cluster_key.h"

namespace amino::sockets::bin {

void add_cluster_key_flag(po::options_description& d) {
  d.add_options()("cluster-key-file", po::value<std::string>(),
                  "file holding the deployment's shared secret (at least 16 bytes, e.g. from `openssl rand -hex 32`); "
                  "every node must use the same. Default: $AMINO_CLUSTER_KEY_FILE. Without a key, nodes "
                  "listen on loopback only");
}

std::string cluster_key(const po::variables_map& vm, const std::string& program) {
  std::string file;
  if (vm.count("cluster-key-file")) {
    file = vm["cluster-key-file"].as<std::string>();
    if (file.empty()) throw std::invalid_argument("--cluster-key-file is empty");
  } else if (const char* env = std::getenv("AMINO_CLUSTER_KEY_FILE"); env != nullptr && *env != '\0') {
    file = env;
  } else {
    return "";
  }
  LoadedClusterKey loaded = load_cluster_key_file(file);
  if (!loaded.warning.empty()) std::cerr << program << ": warning: " << loaded.warning << std::endl;
  return std::move(loaded.key);
}

void add_node_flags(po::options_description& d, std::uint16_t default_port) {
  const SocketsEnvOptions defaults;
  d.add_options()
      ("listen", po::value<std::string>()->default_value("127.0.0.1"),
       "address to listen on; without a cluster key only a loopback address is allowed")
      ("port", po::value<std::uint16_t>()->default_value(default_port), "TCP port (0: any free port)")
      ("seed", po::value<std::uint64_t>()->default_value(1), "seed of this node's random choices")
      ("storage-dir", po::value<std::string>()->default_value(""),
       "durable storage directory (default: a per-port folder under the temp dir)")
      ("log-level", po::value<std::string>()->default_value("info"), "debug, info, warn or error")
      ("handshake-timeout-ms", po::value<std::int64_t>()->default_value(defaults.handshake_timeout / kMillisecond),
       "a connection not authenticated this long after connecting is closed")
      ("max-connections", po::value<std::int64_t>()->default_value(static_cast<std::int64_t>(defaults.max_connections)),
       "inbound connections open at once; more are closed as they arrive (keep below the fd limit)")
      ("max-frame-bytes", po::value<std::int64_t>()->default_value(static_cast<std::int64_t>(defaults.max_frame_bytes)),
       "longest frame accepted from an authenticated peer")
      ("max-send-queue-bytes",
       po::value<std::int64_t>()->default_value(static_cast<std::int64_t>(defaults.max_send_queue_bytes)),
       "bytes queued for one peer before its connection is closed (it is not reading); >= max-frame-bytes + 4");
  add_cluster_key_flag(d);
}

namespace {

// A flag that must be a positive number (Program_options would wrap a negative unsigned).
std::int64_t positive_flag(const po::variables_map& vm, const char* name) {
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v <= 0) throw std::invalid_argument(std::string("--") + name + " must be positive, not " + std::to_string(v));
  return v;
}

}  // namespace

SocketsEnvOptions node_options(const po::variables_map& vm, const std::string& program) {
  SocketsEnvOptions o;
  o.listen_host = vm["listen"].as<std::string>();
  o.port = vm["port"].as<std::uint16_t>();
  o.seed = vm["seed"].as<std::uint64_t>();
  o.storage_dir = vm["storage-dir"].as<std::string>();
  const std::string level = vm["log-level"].as<std::string>();
  if (level == "debug") o.min_log_level = LogLevel::kDebug;
  else if (level == "info") o.min_log_level = LogLevel::kInfo;
  else if (level == "warn") o.min_log_level = LogLevel::kWarn;
  else if (level == "error") o.min_log_level = LogLevel::kError;
  else throw std::invalid_argument("--log-level must be debug, info, warn or error, not " + level);
  const std::int64_t handshake_ms = positive_flag(vm, "handshake-timeout-ms");
  if (handshake_ms > 3600 * 1000) throw std::invalid_argument("--handshake-timeout-ms is over an hour");
  o.handshake_timeout = handshake_ms * kMillisecond;
  o.max_connections = static_cast<std::size_t>(positive_flag(vm, "max-connections"));
  o.max_frame_bytes = static_cast<std::size_t>(positive_flag(vm, "max-frame-bytes"));
  o.max_send_queue_bytes = static_cast<std::size_t>(positive_flag(vm, "max-send-queue-bytes"));
  o.cluster_key = cluster_key(vm, program);
  validate(o);
  return o;
}

std::unique_ptr<SocketsEnv> make_node_env(SocketsLoop& loop, const po::variables_map& vm, const std::string& program) {
  try {
    return std::make_unique<SocketsEnv>(loop, node_options(vm, program));
  } catch (const std::invalid_argument& e) {
    std::cerr << program << ": " << e.what() << std::endl;
    return nullptr;
  }
}

void add_fault_flags(po::options_description& d) {
  d.add_options()
      ("fault-schedule", po::value<std::string>(), "a fault schedule (JSON, docs/faults.md) to apply to this process")
      ("name", po::value<std::string>(), "this process's node name in the fault schedule")
      ("peer", po::value<std::vector<std::string>>()->composing(),
       "NAME=HOST:PORT of another node the schedule names (repeatable)")
      ("fault-epoch-unix-ms", po::value<std::int64_t>(),
       "the schedule's time 0 as Unix time in ms; give every process the same (default: now)");
}

NodeFaults start_node_faults(const po::variables_map& vm, SocketsLoop& loop, SocketsEnv& env) {
  NodeFaults out;
  if (!vm.count("fault-schedule")) return out;
  if (!vm.count("name")) throw std::invalid_argument("--fault-schedule needs --name (this node's name in it)");
  ProcessFaultOptions o;
  o.self_name = vm["name"].as<std::string>();
  o.addresses[o.self_name] = env.self();
  if (vm.count("peer")) {
    for (const auto& [name, address] : parse_labels(vm["peer"].as<std::vector<std::string>>())) o.addresses[name] = address;
  }
  o.epoch = vm.count("fault-epoch-unix-ms")
                ? std::chrono::system_clock::time_point(std::chrono::milliseconds(vm["fault-epoch-unix-ms"].as<std::int64_t>()))
                : std::chrono::system_clock::now();
  o.storage_dir = env.options().storage_dir;
  out.state = std::make_shared<netfault::FaultState>();
  out.env = std::make_unique<netfault::FaultyEnv>(env, out.state, Rng(env.options().seed ^ 0x5eedfa17ULL));
  out.driver = std::make_unique<ProcessFaultDriver>(loop, *out.state, load_schedule_file(vm["fault-schedule"].as<std::string>()),
                                                    std::move(o));
  out.driver->start();
  return out;
}

std::map<std::string, std::string> parse_labels(const std::vector<std::string>& kv) {
  std::map<std::string, std::string> out;
  for (const auto& s : kv) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument("expected key=value, got '" + s + "'");
    out[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return out;
}

bool parse(int argc, char** argv, const po::options_description& d, po::variables_map& vm, int& exit_code,
           const char* summary) {
  try {
    po::store(po::parse_command_line(argc, argv, d), vm);
    if (vm.count("help")) {
      std::cout << summary << "\n\n" << d << "\n";
      exit_code = 0;
      return false;
    }
    po::notify(vm);
    return true;
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": " << e.what() << "\n(see --help)\n";
    exit_code = 2;
    return false;
  }
}

}  // namespace amino::sockets::bin
