// A deployment of real processes on loopback: amino-oms and kernel servers as child processes
// (optionally with a cluster key file; each kernel server with its own storage directory), a client
// Kernel in the test process, and amino-ctl run as a separate process. Every wait is bounded.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/sockets/sockets_env.h"
#include "tests/multiprocess/child_process.h"

namespace amino::testing {

inline const std::string kBin = AMINO_BIN_DIR;

// A scratch directory for key files and specs, removed at the end.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // Writes `bytes` to a file named `name` with permissions `mode`; returns its path.
  std::string write(const std::string& name, const std::string& bytes, unsigned mode = 0600) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A port that was free a moment ago (for a node that must come back on the same address).
std::uint16_t free_port();

struct CtlResult {
  int exit_code = -1;
  std::string out;  // everything printed on stdout
};

struct DeploymentOptions {
  std::string key;                     // the cluster key; empty: none (loopback without a key)
  std::vector<std::string> oms_flags;  // added to amino-oms's command line
  std::vector<std::string> ks_flags;   // added to every amino-kernel-server's
  int kernel_servers = 1;              // labelled name=ks1, ks2, ...
  bool merge_stderr = false;           // read the processes' log lines through their pipes
};

class Deployment {
 public:
  // Starts the OMS and kernel servers and waits (bounded) until every kernel server registered;
  // check ok() before using it.
  explicit Deployment(DeploymentOptions options);
  bool ok() const { return ok_; }

  // Runs fn in an execution context of the client; false if it did not finish within 30 s.
  bool run(const std::function<void()>& fn);
  std::vector<std::string> events();
  std::vector<NodeId> live_nodes();
  // Runs the client's loop until pred() holds or `limit` passes (checked every 50 ms).
  bool wait_until(const std::function<bool()>& pred, Duration limit);
  bool has_event(const std::string& needle);
  // Runs `amino-ctl --oms <oms> [--cluster-key-file K] <args...>` to completion (bounded).
  CtlResult ctl(const std::vector<std::string>& args, int timeout_ms = 30000) const;

  ChildProcess& oms() { return *oms_; }
  ChildProcess& ks(int i) { return *servers_.at(static_cast<std::size_t>(i - 1)); }
  const std::string& oms_addr() const { return oms_addr_; }
  const std::string& ks_addr(int i) const { return ks_addrs_.at(static_cast<std::size_t>(i - 1)); }
  const std::string& key_file() const { return key_file_; }
  const ScratchDir& dir() const { return dir_; }
  sockets::SocketsLoop& loop() { return loop_; }
  Kernel& client() { return *client_; }

 private:
  DeploymentOptions options_;
  ScratchDir dir_;
  std::string key_file_;
  std::unique_ptr<ChildProcess> oms_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
  std::string oms_addr_;
  std::vector<std::string> ks_addrs_;
  ClassRegistry classes_;
  sockets::SocketsLoop loop_;
  std::unique_ptr<sockets::SocketsEnv> env_;
  std::unique_ptr<Kernel> client_;
  bool ok_ = false;
};

// VmRSS of a process in KiB (from /proc/PID/status); -1 if unreadable.
long rss_kib(int pid);

}  // namespace amino::testing
