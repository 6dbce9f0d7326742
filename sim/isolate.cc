#include "sim/isolate.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace amino::sim {

namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

[[noreturn]] void child(int fd, const std::function<std::string()>& fn) {
  int code = 0;
  std::string out;
  try {
    out = fn();
  } catch (const std::exception& e) {
    out = e.what();
    code = 1;
  }
  write_all(fd, out);
  ::close(fd);
  std::fflush(nullptr);
  ::_exit(code);  // skip atexit handlers: the SimGrid engine in the child is never torn down
}

}  // namespace

IsolatedResult run_isolated(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("run_isolated: pipe failed");
  std::fflush(nullptr);  // do not duplicate buffered output into the child
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("run_isolated: fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], fn);
  }
  ::close(fds[1]);
  IsolatedResult r;
  r.output = read_all(fds[0]);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    r.ok = r.exit_code == 0;
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace amino::sim
