// amino-scenario-node: one host of a scenario in its own process (pybind/scenario_node.h), driven by
// the netns backend (pybind/amino/netns_backend.py) over stdin/stdout, one command and one answer
// per line. Logs and errors go to stderr. Exit codes: 0 after "quit" or at the end of stdin (the
// launcher is gone), 2 for bad flags, an invalid scenario or address map, 1 when the host cannot
// start (its address cannot be bound).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include "bin/common.h"
#include "pybind/scenario_node.h"

using namespace amino;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot read " + path);
  std::ostringstream out;
  out << f.rdbuf();
  return out.str();
}

// Reads stdin line by line on the loop: every line is a command of the node; the end of stdin or
// "quit" stops the loop.
class Control {
 public:
  Control(sockets::SocketsLoop& loop, pyrun::ScenarioNode& node)
      : loop_(loop), node_(node), in_(loop.io(), ::dup(STDIN_FILENO)) {}

  void read_next() {
    boost::asio::async_read_until(in_, buffer_, '\n', [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) {  // EOF: whoever drove us is gone; so are we
        loop_.stop();
        return;
      }
      std::istream is(&buffer_);
      std::string line;
      std::getline(is, line);
      node_.command(line, [](const std::string& answer) { std::cout << answer << '\n' << std::flush; });
      if (node_.quit()) {
        loop_.stop();
        return;
      }
      read_next();
    });
  }

 private:
  sockets::SocketsLoop& loop_;
  pyrun::ScenarioNode& node_;
  boost::asio::posix::stream_descriptor in_;
  boost::asio::streambuf buffer_{1 << 20};  // a command line is short; a longer one is an error (EOF path)
};

}  // namespace

int main(int argc, char** argv) {
  bin::po::options_description d("amino-scenario-node options");
  d.add_options()("help,h", "show this help")
      ("scenario", bin::po::value<std::string>()->required(), "the scenario JSON (amino.Scenario.to_json), backend netns")
      ("host", bin::po::value<std::string>()->required(), "the platform host this process runs")
      ("addresses", bin::po::value<std::string>()->required(),
       "JSON file {\"host\": \"ADDRESS:PORT\"} naming every platform host's node id")
      ("storage-dir", bin::po::value<std::string>()->default_value(""), "the host's durable storage directory");
  bin::add_cluster_key_flag(d);
  bin::po::variables_map vm;
  int code = 0;
  if (!bin::parse(argc, argv, d, vm, code,
                  "amino-scenario-node: one host of a scenario (its OMS or kernel server, and its clients),\n"
                  "driven over stdin/stdout by the netns backend (python3 -m amino run ... --backend netns).")) {
    return code;
  }
  pyrun::Scenario scenario;
  pyrun::ScenarioNodeOptions options;
  try {
    scenario = pyrun::parse_scenario(read_file(vm["scenario"].as<std::string>()));
    const auto problems = pyrun::validate_scenario(scenario);
    if (!problems.empty()) throw std::invalid_argument("invalid scenario:\n" + pyrun::join(problems));
    options.host = vm["host"].as<std::string>();
    options.addresses = pyrun::parse_address_map(read_file(vm["addresses"].as<std::string>()), scenario.platform);
    options.cluster_key = bin::cluster_key(vm, "amino-scenario-node");
    if (options.cluster_key.empty()) throw std::invalid_argument("a cluster key is required (--cluster-key-file)");
    options.storage_dir = vm["storage-dir"].as<std::string>();
  } catch (const std::exception& e) {
    return bin::usage_error(argv[0], e);
  }
  std::signal(SIGPIPE, SIG_IGN);  // a launcher that went away shows as EOF on stdin, not a signal
  try {
    sockets::SocketsLoop loop;
    pyrun::ScenarioNode node(loop, scenario, options);
    std::cerr << "amino-scenario-node " << options.host << " listening on " << node.address() << std::endl;
    Control control(loop, node);
    control.read_next();
    loop.run();
    std::cerr << "amino-scenario-node " << options.host << ": shutting down" << std::endl;
    std::cout << std::flush;
    // Contexts suspended in calls that never returned are not unwound: the process just ends.
    std::_Exit(0);
  } catch (const std::invalid_argument& e) {
    std::cerr << "amino-scenario-node: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "amino-scenario-node: " << e.what() << std::endl;
    return 1;
  }
}
