#include "tests/multiprocess/deployment.h"

#include <boost/asio/ip/tcp.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "dms/all.h"
#include "runtime/protocol.h"
#include "scenarios/registry.h"

namespace amino::testing {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "amino-mp-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string& name, const std::string& bytes, unsigned mode) const {
  const auto file = path_ / name;
  std::ofstream(file, std::ios::binary) << bytes;
  ::chmod(file.c_str(), static_cast<mode_t>(mode));
  return file.string();
}

Deployment::Deployment(DeploymentOptions options) : options_(std::move(options)) {
  std::vector<std::string> key_flags;
  if (!options_.key.empty()) {
    key_file_ = dir_.write("cluster.key", options_.key + "\n");
    key_flags = {"--cluster-key-file", key_file_};
  }
  const ChildOptions child{options_.merge_stderr, {}};
  std::vector<std::string> oms_argv = {kBin + "/amino-oms", "--port", "0", "--heartbeat-timeout-ms", "1500"};
  oms_argv.insert(oms_argv.end(), key_flags.begin(), key_flags.end());
  oms_argv.insert(oms_argv.end(), options_.oms_flags.begin(), options_.oms_flags.end());
  oms_ = std::make_unique<ChildProcess>(oms_argv, child);
  const std::string line = oms_->wait_for_line("listening on", 10000);
  if (line.empty()) return;
  oms_addr_ = line.substr(line.rfind(' ') + 1);
  for (int i = 1; i <= options_.kernel_servers; ++i) {
    std::vector<std::string> argv = {kBin + "/amino-kernel-server", "--oms", oms_addr_, "--label",
                                     "name=ks" + std::to_string(i), "--heartbeat-ms", "300", "--storage-dir",
                                     (dir_.path() / ("ks" + std::to_string(i))).string()};
    argv.insert(argv.end(), key_flags.begin(), key_flags.end());
    argv.insert(argv.end(), options_.ks_flags.begin(), options_.ks_flags.end());
    servers_.push_back(std::make_unique<ChildProcess>(argv, child));
    const std::string prefix = "amino-kernel-server ";
    const std::string up = servers_.back()->wait_for_line(prefix, 10000);
    if (up.empty()) return;
    const auto start = up.find(prefix) + prefix.size();
    ks_addrs_.push_back(up.substr(start, up.find(" (", start) - start));
  }
  scenarios::register_all(classes_);
  sockets::SocketsEnvOptions eo;
  eo.cluster_key = options_.key;
  eo.min_log_level = LogLevel::kError;
  env_ = std::make_unique<sockets::SocketsEnv>(loop_, eo);
  KernelOptions ko;
  ko.oms = oms_addr_;
  ko.client_only = true;
  ko.call_timeout = ko.control_timeout = 5 * kSecond;
  client_ = std::make_unique<Kernel>(*env_, classes_, dms::builtin(), ko);
  client_->start();
  ok_ = wait_until([&] { return live_nodes().size() == static_cast<std::size_t>(options_.kernel_servers); },
                   20 * kSecond);
}

bool Deployment::run(const std::function<void()>& fn) {
  auto done = std::make_shared<bool>(false);
  env_->spawn("test", [&fn, done] {
    fn();
    *done = true;
  });
  return loop_.run_until([done] { return *done; }, 30 * kSecond);
}

std::vector<std::string> Deployment::events() {
  std::vector<std::string> out;
  run([&] {
    const Reply r = client_->oms_call(svc::kEvents, ValueMap{});
    if (!r.ok()) return;
    for (const auto& e : r.value.as_list()) out.push_back(e.as_string());
  });
  return out;
}

std::vector<NodeId> Deployment::live_nodes() {
  std::vector<NodeId> out;
  run([&] {
    try {
      for (const auto& n : client_->nodes()) out.push_back(n.id);
    } catch (const std::exception&) {
    }
  });
  return out;
}

bool Deployment::wait_until(const std::function<bool()>& pred, Duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(limit);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    loop_.run_for(50 * kMillisecond);
  }
  return true;
}

bool Deployment::has_event(const std::string& needle) {
  const auto ev = events();
  return std::any_of(ev.begin(), ev.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

CtlResult Deployment::ctl(const std::vector<std::string>& args, int timeout_ms) const {
  std::vector<std::string> argv{kBin + "/amino-ctl", "--oms", oms_addr_};
  if (!key_file_.empty()) argv.insert(argv.end(), {"--cluster-key-file", key_file_});
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p(argv);
  CtlResult r;
  r.out = p.read_all(timeout_ms);
  r.exit_code = p.wait_exit(timeout_ms);
  return r;
}

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

}  // namespace amino::testing
