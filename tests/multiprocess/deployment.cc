#include "tests/multiprocess/deployment.h"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace amino::testing {

const std::string kProgramDir = AMINO_BIN_DIR;

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

namespace {
std::filesystem::path fresh_dir() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("amino-deploy-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
}  // namespace

Deployment::Deployment(DeploymentOptions options) : dir_(fresh_dir()), options_(std::move(options)) {
  const std::string port = std::to_string(free_port());
  oms_address_ = "127.0.0.1:" + port;
  std::vector<std::string> argv{kProgramDir + "/amino-oms", "--port", port};
  argv.insert(argv.end(), options_.common.begin(), options_.common.end());
  argv.insert(argv.end(), options_.oms.begin(), options_.oms.end());
  oms_ = std::make_unique<ChildProcess>(argv);
  if (oms_->wait_for_line("listening on", 10000).empty()) throw std::runtime_error("amino-oms did not start");
  for (int i = 0; i < options_.servers; ++i) {
    std::vector<std::string> ks{kProgramDir + "/amino-kernel-server", "--oms", oms_address_, "--port", "0",
                                "--label", "name=ks" + std::to_string(i), "--storage-dir",
                                (dir_ / ("ks" + std::to_string(i))).string()};
    ks.insert(ks.end(), options_.common.begin(), options_.common.end());
    ks.insert(ks.end(), options_.server.begin(), options_.server.end());
    servers_.push_back(std::make_unique<ChildProcess>(ks));
    if (servers_.back()->wait_for_line("amino-kernel-server", 10000).empty()) {
      throw std::runtime_error("amino-kernel-server " + std::to_string(i) + " did not start");
    }
  }
}

Deployment::~Deployment() {
  servers_.clear();
  oms_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CtlResult Deployment::ctl(const std::vector<std::string>& args, int timeout_ms) const {
  std::vector<std::string> argv{kProgramDir + "/amino-ctl", "--oms", oms_address_};
  argv.insert(argv.end(), options_.common.begin(), options_.common.end());
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p(argv);
  CtlResult r;
  r.out = p.read_all(timeout_ms);
  r.exit_code = p.wait_exit(timeout_ms);
  return r;
}

std::string Deployment::write_file(const std::string& name, const std::string& text) const {
  const auto path = dir_ / name;
  std::ofstream(path) << text;
  return path.string();
}

bool Deployment::wait_for_nodes(int n) const {
  for (int i = 0; i < 100; ++i) {
    const CtlResult r = ctl({"nodes"});  // one line per live kernel server
    if (r.exit_code == 0 && std::count(r.out.begin(), r.out.end(), '\n') >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace amino::testing
