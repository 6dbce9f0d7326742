// A real deployment for multi-process tests: an amino-oms and kernel servers as child processes on
// loopback (each with its own storage directory under a fresh temp folder), plus running amino-ctl
// as a separate process. Every wait is bounded; the processes die with the object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/multiprocess/child_process.h"

namespace amino::testing {

// The folder of the programs (amino-oms, amino-kernel-server, amino-ctl).
extern const std::string kProgramDir;

std::uint16_t free_port();

struct CtlResult {
  int exit_code = -1;
  std::string out;  // everything printed on stdout
};

struct DeploymentOptions {
  int servers = 3;
  std::vector<std::string> common;  // flags for every program, amino-ctl included (e.g. a key)
  std::vector<std::string> oms;     // for amino-oms only
  std::vector<std::string> server;  // for every amino-kernel-server
};

class Deployment {
 public:
  // Starts the OMS and the kernel servers (labelled name=ks0, ks1, ...).
  explicit Deployment(int servers) : Deployment(DeploymentOptions{servers, {}, {}, {}}) {}
  explicit Deployment(DeploymentOptions options);
  ~Deployment();

  const std::string& oms() const { return oms_address_; }
  const std::filesystem::path& dir() const { return dir_; }
  ChildProcess& server(std::size_t i) { return *servers_.at(i); }
  int server_count() const { return static_cast<int>(servers_.size()); }
  // Runs `amino-ctl --oms <oms> <args...>` to completion (bounded).
  CtlResult ctl(const std::vector<std::string>& args, int timeout_ms = 30000) const;
  // Writes `text` to a file in dir() and returns its path.
  std::string write_file(const std::string& name, const std::string& text) const;
  // Polls `amino-ctl nodes` until `n` kernel servers are listed; false if they never are.
  bool wait_for_nodes(int n) const;

 private:
  std::filesystem::path dir_;
  DeploymentOptions options_;
  std::string oms_address_;
  std::unique_ptr<ChildProcess> oms_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
};

}  // namespace amino::testing
