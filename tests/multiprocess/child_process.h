// A child process of a test: started with posix_spawn, its stdout (optionally with stderr) read
// through a pipe, killed
// (SIGKILL) on request or when the object goes away, so a failing test never leaves servers behind.
#pragma once

#include <string>
#include <vector>

namespace amino::testing {

struct ChildOptions {
  bool merge_stderr = false;             // stderr into the same pipe as stdout (to read log lines)
  std::vector<std::string> extra_env;    // "NAME=value", added to this process's environment
};

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line containing `needle` (returned) or `timeout_ms` passes ("" then).
  std::string wait_for_line(const std::string& needle, int timeout_ms);
  // Reads stdout until the child closes it or `timeout_ms` passes: everything not yet returned.
  std::string read_all(int timeout_ms);
  // Everything read from the pipe so far that wait_for_line has not consumed, plus what is there now.
  std::string drain();
  void kill_hard();
  // Waits up to timeout_ms for the child to exit; its exit code, 128 + signal, or -1 if still running.
  int wait_exit(int timeout_ms);
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

}  // namespace amino::testing
