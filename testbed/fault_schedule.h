// Faults as plain data. A FaultSchedule is a list of (simulated time, fault) that round-trips
// through JSON, so Python scenarios and saved failing runs can carry it. Every fault is checked
// against the platform (and the schedule's own crash/restart/pause/resume sequence) before the run,
// with readable errors. docs/faults.md gives each fault's exact semantics.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/probe.h"
#include "testbed/fault_state.h"
#include "testbed/platform.h"

namespace amino::testbed {

// Partitions act in the message layer (FaultyEnv): blocked pairs drop or reset frames.
struct PartitionFault {  // "partition": groups cannot talk to each other, both ways
  std::vector<std::vector<NodeId>> groups;
  BlockMode mode = BlockMode::kDrop;
};
struct OneWayPartitionFault {  // "partition_one_way": frames from `from` to `to` are cut
  std::vector<NodeId> from, to;
  BlockMode mode = BlockMode::kDrop;
};
struct BridgePartitionFault {  // "partition_bridge": halves cut, middle node sees both
  std::vector<NodeId> nodes;
  BlockMode mode = BlockMode::kDrop;
};
struct MajoritiesRingFault {  // "partition_majorities_ring"
  std::vector<NodeId> nodes;
  BlockMode mode = BlockMode::kDrop;
};
struct HealFault {};  // "heal": remove every blocked pair

// Network path parameters in SimGrid: a link name or "<host>/uplink".
struct LinkChangeFault {  // "link"
  std::string link;
  std::optional<Duration> latency;
  std::optional<double> bandwidth;  // bytes/s
};
// Per-message faults (FaultyEnv). from/to may be "*": both "*" = every path; from "*" = every path
// into `to`; a concrete from with to "*" = every path out of `from`.
struct MessageFaultsFault {  // "message_faults"
  NodeId from = "*";
  NodeId to = "*";
  LinkFaults faults;
};
struct ClearMessageFaultsFault {};  // "clear_message_faults"

struct CrashFault {  // "crash": host off, every actor killed, unsynced writes lost
  NodeId node;
  bool wipe_storage = false;  // also lose synced storage ("crash without state")
};
struct RestartFault { NodeId node; };  // "restart": host on, boot function runs again
struct PauseFault { NodeId node; };    // "pause": node code stops at its next scheduling point
struct ResumeFault { NodeId node; };   // "resume"
struct ClockFault {  // "clock": node clock becomes true time + offset, advancing at (1 + drift)
  NodeId node;
  Duration offset = 0;
  double drift = 0;  // e.g. 1e-4 = 100 ppm fast; must be > -1
};
struct TornWriteFault { NodeId node; };  // "torn_write": next crash persists half of the last unsynced write

using Fault = std::variant<PartitionFault, OneWayPartitionFault, BridgePartitionFault, MajoritiesRingFault, HealFault,
                           LinkChangeFault, MessageFaultsFault, ClearMessageFaultsFault, CrashFault, RestartFault,
                           PauseFault, ResumeFault, ClockFault, TornWriteFault>;

struct ScheduledFault {
  Time at = 0;
  Fault fault;
};

// Faults timed to a protocol event (a probe, runtime/probe.h) instead of a clock: when the nth probe
// of kind `probe` (reported on `node` / in `group`, when given) fires at or after `from` (and before
// `until`, when given), each of `faults` happens its `at` later (0: at once). A node name "$node"
// (kProbeNode) in those faults stands for the probe's node; a partition group (or one-way side)
// naming it holds the probe's node, which leaves every other group. Only the simulator records
// probes, so only it applies triggers (JSON type "on_probe", docs/faults.md).
inline constexpr const char* kProbeNode = "$node";

struct ProbeTrigger {
  std::string probe;
  std::int64_t nth = 1;
  std::optional<NodeId> node;
  std::optional<std::string> group;
  Time from = 0;
  std::optional<Time> until;
  std::vector<ScheduledFault> faults;  // `at` is the delay after the probe
};

struct FaultSchedule {
  std::vector<ScheduledFault> faults;
  std::vector<ProbeTrigger> triggers;
};

// Does probe `p` count for trigger `t` (kind, node, group and time window; not the count)?
bool trigger_counts(const ProbeTrigger& t, const ProbeRecord& p);
// `f` with every "$node" replaced by `node` (partitions: as described at ProbeTrigger).
Fault resolve_probe_node(const Fault& f, const NodeId& node);
// Crash, restart, pause, resume: the node they act on (nullptr for other faults).
const NodeId* lifecycle_node(const Fault& f);

const char* fault_type(const Fault& f);
// One line, for traces and logs.
std::string describe(const Fault& f);

// Problems with one fault against the platform; empty when valid.
std::vector<std::string> validate(const Fault& f, const PlatformSpec& platform);
// Also checks the order of crash/restart/pause/resume per node (all nodes start up and running);
// a trigger's faults are checked as their own sequence ("$node" and every node start up).
std::vector<std::string> validate(const FaultSchedule& s, const PlatformSpec& platform);
std::vector<std::string> validate(const ProbeTrigger& t, const PlatformSpec& platform);

// Message-layer faults (partitions, heal, message_faults, clear_message_faults) act on a FaultState
// the same way on every backend. This applies one, naming nodes through `id_of` (identity in
// simulation; host name -> "127.0.0.1:port" on sockets); `all_nodes` are the names that
// from=X, to="*" expands to. Returns false, doing nothing, for the other (platform) faults.
bool is_message_fault(const Fault& f);
bool apply_message_fault(const Fault& f, FaultState& state, const std::vector<NodeId>& all_nodes,
                         const std::function<NodeId(const NodeId&)>& id_of);

// Why the sockets backend (and a process's schedule) refuses every trigger.
inline constexpr const char* kTriggersSimOnly =
    "triggers ('on_probe') fire on probes, which only the simulator records (runtime/probe.h)";

// Empty when the sockets backend can apply `f` (message-layer faults, crash, restart), otherwise
// why not (docs/faults.md, "Sockets backend" column).
std::string sockets_unsupported(const Fault& f);

nlohmann::json fault_to_json(const Fault& f);
Fault fault_from_json(const nlohmann::json& j);  // throws std::invalid_argument on unknown types
// A schedule's JSON is {"faults": [...]}: timed faults with "at_ns", triggers as {"type": "on_probe",
// "probe", "nth", "node", "group", "at_ns" (= from), "until_ns", "faults": [{"after_ns", fault}]}.
nlohmann::json schedule_to_json(const FaultSchedule& s);
FaultSchedule schedule_from_json(const nlohmann::json& j);
nlohmann::json trigger_to_json(const ProbeTrigger& t);
ProbeTrigger trigger_from_json(const nlohmann::json& j);  // throws std::invalid_argument
std::string describe(const ProbeTrigger& t);

}  // namespace amino::testbed
