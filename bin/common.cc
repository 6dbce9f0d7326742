#include "bin/common.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "runtime/limits.h"
#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/framing.h"

namespace amino::bin {

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
  sockets::LoadedClusterKey loaded = sockets::load_cluster_key_file(file);
  if (!loaded.warning.empty()) std::cerr << program << ": warning: " << loaded.warning << std::endl;
  return std::move(loaded.key);
}

void add_node_flags(po::options_description& d, std::uint16_t default_port) {
  const sockets::SocketsEnvOptions defaults;
  d.add_options()
      ("listen", po::value<std::string>()->default_value("127.0.0.1"),
       "address to listen on; without a cluster key only a loopback address is allowed")
      ("advertise", po::value<std::string>()->default_value(""),
       "the address peers reach this node at, when it is not --listen's (e.g. --listen 0.0.0.0 "
       "--advertise 10.0.0.5, or a NAT's public address); it is the host part of this node's id")
      ("port", po::value<std::int64_t>()->default_value(default_port), "TCP port, 0 .. 65535 (0: any free port)")
      ("seed", po::value<std::string>(),
       "seed of this node's random choices (Raft's election timeouts, fault draws), 0 .. 2^64-1; "
       "default: a fresh one from the OS entropy source, so that no two processes draw alike")
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
// One fixed default seed made every process draw the same numbers: the replicas of a Raft group
// (the OMS's, a ConsensusRSM's on kernel servers) that lost their leader at the same moment picked
// the same "randomized" election timeout, stood as candidates together and split the vote, round
// after round (tests/netns/test_netns_replicated_oms.py saw 12 lost rounds, 6 s without a leader).
std::uint64_t entropy_seed() {
  const std::string bytes = sockets::random_nonce();
  std::uint64_t seed = 0;
  std::memcpy(&seed, bytes.data(), sizeof seed);
  return seed;
}
}  // namespace

sockets::SocketsEnvOptions node_options(const po::variables_map& vm, const std::string& program) {
  sockets::SocketsEnvOptions o;
  o.listen_host = vm["listen"].as<std::string>();
  o.advertise_host = vm["advertise"].as<std::string>();
  // The node's id is advertise:port, and peers resolve and dial it: a host that is not a name or an
  // address, or the unspecified address, would register a node nobody can reach.
  if (!o.advertise_host.empty()) {
    const bool name_or_address = o.advertise_host.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == std::string::npos;
    if (!name_or_address || o.advertise_host == "0.0.0.0" || o.advertise_host == "::") {
      throw std::invalid_argument("--advertise must be the host name or address peers reach this node at, not '" +
                                  o.advertise_host + "'");
    }
  }
  o.port = static_cast<std::uint16_t>(int_flag(vm, "port", 0, 65535));
  o.seed = vm.count("seed") ? seed_flag(vm, "seed") : entropy_seed();
  o.storage_dir = vm["storage-dir"].as<std::string>();
  const std::string level = vm["log-level"].as<std::string>();
  if (level == "debug") o.min_log_level = LogLevel::kDebug;
  else if (level == "info") o.min_log_level = LogLevel::kInfo;
  else if (level == "warn") o.min_log_level = LogLevel::kWarn;
  else if (level == "error") o.min_log_level = LogLevel::kError;
  else throw std::invalid_argument("--log-level must be debug, info, warn or error, not " + level);
  o.handshake_timeout = int_flag(vm, "handshake-timeout-ms", 1, 3600 * 1000) * kMillisecond;
  o.max_connections = static_cast<std::size_t>(int_flag(vm, "max-connections", 1, 1 << 20));
  o.max_frame_bytes = static_cast<std::size_t>(int_flag(vm, "max-frame-bytes", 1, sockets::kMaxEncodableFrameBytes));
  o.max_send_queue_bytes = static_cast<std::size_t>(int_flag(vm, "max-send-queue-bytes", 1, std::int64_t{1} << 40));
  o.cluster_key = cluster_key(vm, program);
  sockets::validate(o);
  return o;
}

std::unique_ptr<sockets::SocketsEnv> make_node_env(sockets::SocketsLoop& loop, const sockets::SocketsEnvOptions& options,
                                                   const std::string& program) {
  try {
    auto env = std::make_unique<sockets::SocketsEnv>(loop, options);
    env->log(LogLevel::kInfo, "seed " + std::to_string(options.seed) + " (--seed repeats this node's random choices)");
    return env;
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

NodeFaults start_node_faults(const po::variables_map& vm, sockets::SocketsLoop& loop, sockets::SocketsEnv& env) {
  NodeFaults out;
  if (!vm.count("fault-schedule")) return out;
  if (!vm.count("name")) throw std::invalid_argument("--fault-schedule needs --name (this node's name in it)");
  testbed::ProcessFaultOptions o;
  o.self_name = vm["name"].as<std::string>();
  o.addresses[o.self_name] = env.self();
  if (vm.count("peer")) {
    for (const auto& [name, address] : parse_labels(vm["peer"].as<std::vector<std::string>>())) o.addresses[name] = address;
  }
  o.epoch = vm.count("fault-epoch-unix-ms")
                ? std::chrono::system_clock::time_point(std::chrono::milliseconds(vm["fault-epoch-unix-ms"].as<std::int64_t>()))
                : std::chrono::system_clock::now();
  o.storage_dir = env.options().storage_dir;
  out.state = std::make_shared<testbed::FaultState>();
  out.env = std::make_unique<testbed::FaultyEnv>(env, out.state, Rng(env.options().seed ^ 0x5eedfa17ULL));
  testbed::FaultSchedule schedule = testbed::load_schedule_file(vm["fault-schedule"].as<std::string>());
  out.driver = std::make_unique<testbed::ProcessFaultDriver>(loop, *out.state, std::move(schedule), std::move(o));
  out.driver->start();
  return out;
}

std::int64_t int_flag(const po::variables_map& vm, const std::string& name, std::int64_t min, std::int64_t max) {
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v < min || v > max) {
    throw std::invalid_argument("--" + name + " must be in " + std::to_string(min) + " .. " + std::to_string(max) +
                                ", got " + std::to_string(v));
  }
  return v;
}

Duration ms_flag(const po::variables_map& vm, const std::string& name) {
  return int_flag(vm, name, 1, kMaxTimeoutMs) * kMillisecond;
}

std::uint64_t seed_flag(const po::variables_map& vm, const std::string& name) {
  const std::string& text = vm[name].as<std::string>();
  std::uint64_t v = 0;
  // from_chars takes no sign, so "-1" and "+1" fail here instead of wrapping to 2^64-1.
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("--" + name + " must be an integer in 0 .. 18446744073709551615, got '" + text + "'");
  }
  return v;
}

int usage_error(const char* argv0, const std::exception& e) {
  std::cerr << argv0 << ": " << e.what() << "\n(see --help)\n";
  return 2;
}

std::vector<std::string> parse_node_list(const std::string& flag, const std::string& list) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (true) {
    const auto comma = list.find(',', from);
    const std::string item = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (item.empty()) {
      throw std::invalid_argument("--" + flag + ": expected HOST:PORT[,HOST:PORT...], got '" + list + "'");
    }
    // Checked here, not at the first send: a malformed entry among replicas would otherwise be
    // tried again and again for the whole failover window, and fail only as "unreachable".
    if (!sockets::parse_node_address(item)) {
      throw std::invalid_argument("--" + flag + ": '" + item + "' is not HOST:PORT (port 1..65535) in '" + list + "'");
    }
    out.push_back(item);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  if (out.size() > kMaxOmsReplicas) {
    throw std::invalid_argument("--" + flag + ": at most " + std::to_string(kMaxOmsReplicas) + " OMS replicas, got " +
                                std::to_string(out.size()));
  }
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
    exit_code = usage_error(argv[0], e);
    return false;
  }
}

}  // namespace amino::bin
