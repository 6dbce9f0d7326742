// The history of a run's client operations, in the shared JSON Lines vocabulary (Jepsen's): each call
// is an "invoke" event when the client issues it and one completion event ("ok", "fail" or "info")
// when it returns; a call still in flight when the run ends has no completion (it may have taken
// effect). pybind/README.md ("Histories") documents the fields; checkers read them (amino.check).
//
// Processes: workload i (in declaration order, 0-based) of n is process i; a workload with several
// calls in flight at once (open loop) gives each concurrent call its own lane, and lane L of workload
// i is process i + L * n (the lowest free lane is taken), so a process never has two operations
// outstanding and process % n names the workload.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/status.h"
#include "runtime/time.h"
#include "testbed/check/history.h"

namespace amino::pyrun {

// The completion type (ok, fail or info) of a call that was issued and returned with status code
// `c` (history.cc holds the table, one reason per code). A call that was never issued (its stub
// could not be acquired) is a "fail" whatever the code: HistoryRecorder::not_issued.
check::EventType completion_of(Code c);

// Records into a check::History (the checker's own type, so a run's history is checked as it is
// written: one operation outstanding per process, completions after their invokes).
class HistoryRecorder {
 public:
  explicit HistoryRecorder(std::size_t workloads) : workloads_(workloads), lanes_(workloads) {}

  struct Op {
    std::size_t workload = 0, lane = 0;
    int op = 0;  // its index in history().operations()
  };

  // Appends the invoke event (time: ns since the run's time 0) and takes a lane of the workload.
  Op invoke(std::size_t workload, const std::string& client, const std::string& node, const std::string& object,
            const std::string& method, nlohmann::json args, Time time);
  // The call returned: its completion type comes from completion_of(reply code). `value` is the
  // reply's JSON (used when the code is OK).
  void returned(Op& op, const Status& status, nlohmann::json value, Time time);
  // The call never reached the object (no stub): "fail", with the reason.
  void not_issued(Op& op, const Status& status, Time time);

  // The events as a JSON array (check::event_to_json each).
  nlohmann::json events() const;
  const check::History& history() const { return history_; }

 private:
  void complete(Op& op, check::EventType type, nlohmann::json value, const std::string& error, Time time);

  std::size_t workloads_;
  std::vector<std::vector<bool>> lanes_;  // per workload: lane busy?
  check::History history_;
};

}  // namespace amino::pyrun
