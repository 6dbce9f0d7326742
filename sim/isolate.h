// Runs one simulation in a forked child process, because a SimWorld can exist only once per
// process (sim_world.h). The child runs `fn`, whose returned string (e.g. a JSON result or a trace
// hash) travels back through a pipe. Call it from a process that has not created a SimWorld: the
// child inherits the parent's memory, including any SimGrid state.
#pragma once

#include <functional>
#include <string>

namespace amino::sim {

struct IsolatedResult {
  bool ok = false;        // the child returned normally from fn
  int exit_code = -1;     // when it exited
  int signal = 0;         // when it was killed by a signal (e.g. SIGABRT from an escaped exception)
  std::string output;     // fn's result, or the exception message when fn threw
};

IsolatedResult run_isolated(const std::function<std::string()>& fn);

}  // namespace amino::sim
