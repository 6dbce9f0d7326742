// A FaultSchedule applied by one process of a multi-process sockets deployment (amino-oms,
// amino-kernel-server, or a client program). Every process loads the same schedule, the same
// name -> address table and the same epoch (schedule time 0, as Unix time), and applies each
// message-layer fault to its own FaultState at epoch + at: since a blocked pair is checked both when
// a frame is sent and when it arrives, the processes' mirrored states cut the same pairs. A `crash`
// naming this process ends it on the spot (std::_Exit, like SIGKILL: nothing is flushed or closed
// politely; with wipe_storage its storage directory is deleted first). What a process cannot do to
// itself — restart, pause, resume — and the simulation-only faults are rejected at start-up; a
// launcher (a test, a script) restarts processes and sends SIGSTOP/SIGCONT.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "testbed/fault_state.h"
#include "testbed/fault_timeline.h"
#include "runtime/sockets/sockets_loop.h"
#include "testbed/fault_schedule.h"

namespace amino::testbed {

struct ProcessFaultOptions {
  std::string self_name;                          // this process's name in the schedule
  std::map<std::string, NodeId> addresses;        // every name the schedule uses -> "host:port"
  std::chrono::system_clock::time_point epoch;    // the schedule's time 0
  std::filesystem::path storage_dir;              // deleted by a crash with wipe_storage
};

// Every problem: unknown names, faults a process cannot apply to itself, the schedule's own errors.
std::vector<std::string> validate_process_schedule(const FaultSchedule& schedule, const ProcessFaultOptions& o);

// Reads a schedule file (schedule_from_json format); throws std::invalid_argument.
FaultSchedule load_schedule_file(const std::filesystem::path& path);

class ProcessFaultDriver {
 public:
  // Throws std::invalid_argument with validate_process_schedule's problems.
  ProcessFaultDriver(sockets::SocketsLoop& loop, FaultState& state, FaultSchedule schedule,
                     ProcessFaultOptions options);
  // Arms the schedule's timers (faults whose time has passed apply at once, in schedule order).
  void start();
  // Called just before a crash of this process ends it (tests replace the ending).
  std::function<void(bool wipe_storage)> on_crash_self;

 private:
  void apply(const Fault& f);

  sockets::SocketsLoop& loop_;
  FaultState& state_;
  FaultSchedule schedule_;
  ProcessFaultOptions options_;
  FaultTimeline timeline_{loop_, [this](const Fault& f) { apply(f); }};
};

}  // namespace amino::testbed
