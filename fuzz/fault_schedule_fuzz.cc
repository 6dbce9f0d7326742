// Fuzz target: fault schedules as JSON (testbed/fault_schedule.h), as amino-oms/amino-kernel-server
// --fault-schedule files and Python scenarios carry them. Any text must give a schedule or the
// errors the callers handle (std::invalid_argument, nlohmann::json::exception); an accepted schedule
// validates against a platform without throwing, round-trips through JSON, and its message faults
// apply to a FaultState.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fault_platform.h"
#include "fuzz/fuzz_check.h"
#include "testbed/fault_state.h"
#include "testbed/fault_schedule.h"

using amino::fuzz::check;
using namespace amino::testbed;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FaultSchedule s;
  try {
    s = schedule_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception&) {
    return 0;
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const nlohmann::json j = schedule_to_json(s);
  check(schedule_to_json(schedule_from_json(nlohmann::json::parse(j.dump()))) == j,
        "schedule_from_json(schedule_to_json(s)) == s", j.dump());

  (void)validate(s, amino::fuzz::fault_platform());
  std::vector<amino::NodeId> nodes;
  for (const auto& h : amino::fuzz::fault_platform().hosts) nodes.push_back(h.name);
  amino::testbed::FaultState state;
  for (const auto& f : s.faults) {
    (void)describe(f.fault);
    (void)sockets_unsupported(f.fault);
    // What SimWorld does: only faults that validate are applied.
    if (validate(f.fault, amino::fuzz::fault_platform()).empty()) {
      check(apply_message_fault(f.fault, state, nodes, [](const amino::NodeId& n) { return n; }) ==
                is_message_fault(f.fault),
            "apply_message_fault applies exactly the message faults", describe(f.fault));
    }
  }
  return 0;
}
