// amino-ctl: a command-line client of a running deployment (OMS + kernel servers).
//   amino-ctl --oms HOST:PORT [--cluster-key-file FILE] nodes | events | create SPEC.yaml | call ID METHOD [JSON...]
//             | migrate ID NODE | hello
//   amino-ctl dms [NAME] [--markdown]     (the DM catalogue, dms/catalogue.h; no OMS needed)
#include <iostream>
#include <optional>
#include <set>

#include "dms/all.h"
#include "dms/catalogue.h"
#include "runtime/kernel.h"
#include "runtime/protocol.h"
#include "bin/common.h"
#include "runtime/value_json.h"
#include "scenarios/registry.h"

using namespace amino;
using namespace amino::sockets;

namespace {

int cmd_nodes(Kernel& k) {
  for (const auto& n : k.nodes()) {
    std::cout << n.id << " region=" << n.region;
    for (const auto& [key, v] : n.labels) std::cout << " " << key << "=" << v;
    std::cout << "\n";
  }
  return 0;
}

int cmd_events(Kernel& k) {
  const Value events = unwrap(k.oms_call(svc::kEvents, ValueMap{}));
  for (const auto& e : events.as_list()) std::cout << e.as_string() << "\n";
  return 0;
}

// What a command reads from files and argument text, read and checked before connecting: a bad spec
// or JSON argument is a usage error (exit 2) whether or not an OMS is running.
struct Inputs {
  std::optional<MicroServiceSpec> spec;  // create
  ValueList call_args;                   // call
  bool live = false;                     // migrate --live
};

Inputs read_inputs(const std::string& cmd, const std::vector<std::string>& args) {
  static const std::set<std::string> kCommands = {"nodes", "events", "create", "call", "migrate", "hello"};
  if (!kCommands.contains(cmd)) {
    throw std::invalid_argument("unknown command '" + cmd + "' (nodes, events, create, call, migrate, hello, dms)");
  }
  Inputs in;
  if (cmd == "migrate" && args.size() != 2) throw std::invalid_argument("migrate wants ID NODE");
  if (cmd == "create") {
    if (args.size() != 1) throw std::invalid_argument("create wants one spec file");
    in.spec = load_spec_file(args[0], dms::builtin());
  } else if (cmd == "call") {
    if (args.size() < 2) throw std::invalid_argument("call wants ID METHOD [JSON args...]");
    for (std::size_t i = 2; i < args.size(); ++i) {
      try {
        in.call_args.push_back(parse_json_value(args[i]));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("call argument " + std::to_string(i - 1) + ": " + e.what());
      }
    }
  }
  return in;
}

int cmd_create(Kernel& k, const MicroServiceSpec& spec) {
  std::cout << k.create(spec).id() << "\n";
  return 0;
}

int cmd_call(Kernel& k, const std::vector<std::string>& args, ValueList call_args) {
  Reply r = k.acquire(args[0]).invoke(args[1], std::move(call_args));
  if (!r.ok()) {
    std::cerr << "error: " << r.status.to_string() << "\n";
    return r.status.code == Code::kAppError ? 3 : 4;
  }
  std::cout << to_json(r.value).dump() << "\n";
  return 0;
}

int cmd_migrate(Kernel& k, const std::vector<std::string>& args, bool live) {
  Value body = ValueMap{{"id", args[0]}, {"node", args[1]}};
  if (live) {
    MigrateOptions how;  // the defaults of the DMs' liveMigration keys
    how.live = true;
    body["how"] = how.to_value();
  }
  unwrap(k.oms_call(svc::kMigrate, body));
  std::cout << "migrated " << args[0] << " to " << args[1] << (live ? " (live)" : "") << "\n";
  return 0;
}

// The hello-world demo: a HelloWorld on one kernel server calls a VisitCounter on another.
int cmd_hello(Kernel& k) {
  const auto servers = k.nodes();
  if (servers.size() < 2) throw std::runtime_error("hello needs two kernel servers, the OMS knows " + std::to_string(servers.size()));
  auto on = [](const std::string& node) { return "nodeSelector: [{key: node, operator: =, values: ['" + node + "']}]\n"; };
  k.create("name: visits\nclass: VisitCounter\n" + on(servers[0].id));
  Stub hello = k.create("class: HelloWorld\n" + on(servers[1].id));
  for (const char* who : {"Ada", "Barbara", "Grace"}) {
    std::cout << hello.call<std::string>("hello", std::string(who), std::string("visits")) << "\n";
  }
  std::cout << "visits recorded on " << servers[0].id << ": " << k.acquire("visits").call<std::int64_t>("visits") << "\n";
  return 0;
}

int run_command(Kernel& k, const std::string& cmd, const std::vector<std::string>& args, Inputs in) {
  if (cmd == "nodes") return cmd_nodes(k);
  if (cmd == "events") return cmd_events(k);
  if (cmd == "create") return cmd_create(k, *in.spec);
  if (cmd == "call") return cmd_call(k, args, std::move(in.call_args));
  if (cmd == "migrate") return cmd_migrate(k, args, in.live);
  if (cmd == "hello") return cmd_hello(k);
  throw std::invalid_argument("unknown command '" + cmd + "' (nodes, events, create, call, migrate, hello)");
}

}  // namespace

int main(int argc, char** argv) {
  bin::po::options_description d("amino-ctl options");
  d.add_options()("help,h", "show this help")
      ("oms", bin::po::value<std::string>()->default_value("127.0.0.1:7400"), "the OMS address, HOST:PORT; a replicated OMS: every replica's, comma-separated")
      ("timeout-ms", bin::po::value<std::int64_t>()->default_value(10000),
       "deadline of each call, 1 .. 86400000 (one day)")
      ("command", bin::po::value<std::string>()->required(), "nodes | events | create | call | migrate | hello | dms")
      ("markdown", "with dms: the whole catalogue as markdown (docs/dm-catalogue.md)")
      ("live", "with migrate: pre-copy live migration (state sent while calls go on, then a short pause) instead of stop-and-copy")
      ("args", bin::po::value<std::vector<std::string>>()->default_value({}, ""), "command arguments");
  bin::add_cluster_key_flag(d);
  bin::po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);
  bin::po::variables_map vm;
  try {
    bin::po::store(bin::po::command_line_parser(argc, argv).options(d).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "amino-ctl: talk to a running Amino++ deployment.\n"
                   "  nodes                  list live kernel servers\n"
                   "  events                 what the OMS observed (registrations, failures, migrations)\n"
                   "  create SPEC.yaml       create a microservice, print its id\n"
                   "  call ID METHOD [JSON]  call a method; each argument is one JSON value\n"
                   "  migrate ID NODE        move a microservice (stop-and-copy; --live: pre-copy live) to NODE\n"
                   "  hello                  the hello-world demo across two kernel servers\n"
                   "  dms [NAME]             the DMs (no OMS needed); NAME: one DM's guarantee and config\n\n"
                << d << "\n";
      return 0;
    }
    bin::po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "amino-ctl: " << e.what() << "\n(see --help)\n";
    return 2;
  }
  const std::string command = vm["command"].as<std::string>();
  const std::vector<std::string> args = vm["args"].as<std::vector<std::string>>();
  if (command == "dms" || vm.count("markdown")) {  // local: the catalogue of the built-in DMs
    try {
      if (command != "dms") throw std::invalid_argument("--markdown is an option of dms only");
      std::cout << dms::catalogue_command(dms::builtin(), args, vm.count("markdown") != 0);
      return 0;
    } catch (const std::invalid_argument& e) {
      std::cerr << "amino-ctl: " << e.what() << "\n";
      return 2;
    }
  }
  Inputs inputs;
  Duration timeout = 0;
  try {
    timeout = bin::ms_flag(vm, "timeout-ms");
    inputs = read_inputs(command, args);
    if (vm.count("live") && command != "migrate") throw std::invalid_argument("--live is an option of migrate only");
    inputs.live = vm.count("live") != 0;
  } catch (const SpecError& e) {
    std::cerr << "amino-ctl: spec error: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "amino-ctl: " << e.what() << "\n(see --help)\n";
    return 2;
  }

  ClassRegistry classes;
  scenarios::register_all(classes);  // for read-only marks of known classes
  SocketsLoop loop;
  SocketsEnvOptions eo;
  eo.min_log_level = LogLevel::kWarn;  // a refused handshake (no key, wrong key) is a WARN line
  try {
    eo.cluster_key = bin::cluster_key(vm, "amino-ctl");
  } catch (const std::invalid_argument& e) {
    std::cerr << "amino-ctl: " << e.what() << "\n";
    return 2;
  }
  SocketsEnv env(loop, eo);
  KernelOptions ko;
  try {
    ko.oms_replicas = bin::parse_node_list("oms", vm["oms"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    std::cerr << "amino-ctl: " << e.what() << "\n";
    return 2;
  }
  ko.oms = ko.oms_replicas.front();
  if (ko.oms_replicas.size() == 1) ko.oms_replicas.clear();  // one OMS: the plain path
  ko.client_only = true;
  ko.call_timeout = ko.control_timeout = timeout;
  Kernel kernel(env, classes, dms::builtin(), ko);
  kernel.start();
  int code = 1;
  env.spawn("amino-ctl", [&] {
    try {
      code = run_command(kernel, command, args, std::move(inputs));
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      code = dynamic_cast<const std::invalid_argument*>(&e) != nullptr ? 2 : 4;
    }
    loop.stop();
  });
  loop.run();
  return code;
}
