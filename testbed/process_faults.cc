#include "testbed/process_faults.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace amino::testbed {

namespace {

std::vector<NodeId> names_of(const ProcessFaultOptions& o) {
  std::vector<NodeId> out;
  for (const auto& [name, address] : o.addresses) out.push_back(name);
  return out;
}

// The schedule's validation needs a platform only for its node names.
PlatformSpec names_as_platform(const ProcessFaultOptions& o) {
  PlatformSpec p;
  for (const auto& name : names_of(o)) p.hosts.push_back(HostSpec{name, 1e9, "", {}});
  return p;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : "; ") + e;
  return out;
}

}  // namespace

std::vector<std::string> validate_process_schedule(const FaultSchedule& schedule, const ProcessFaultOptions& o) {
  std::vector<std::string> errors;
  if (o.addresses.count(o.self_name) == 0) {
    errors.push_back("this process's name '" + o.self_name + "' has no address in the node table");
  }
  for (const auto& e : validate(schedule, names_as_platform(o))) errors.push_back(e);
  for (const auto& f : schedule.faults) {
    const bool crash = std::holds_alternative<CrashFault>(f.fault);
    if (is_message_fault(f.fault) || crash) continue;
    const std::string why = std::holds_alternative<RestartFault>(f.fault) ||
                                    std::holds_alternative<PauseFault>(f.fault) ||
                                    std::holds_alternative<ResumeFault>(f.fault)
                                ? "a process cannot do this to itself: the launcher restarts processes and "
                                  "sends SIGSTOP/SIGCONT"
                                : sockets_unsupported(f.fault);
    errors.push_back(describe(f.fault) + ": not in a process's schedule: " + why);
  }
  for (const auto& t : schedule.triggers) errors.push_back(describe(t) + ": not in a process's schedule: " + kTriggersSimOnly);
  return errors;
}

FaultSchedule load_schedule_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read the fault schedule " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  try {
    return schedule_from_json(nlohmann::json::parse(text.str()));
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("fault schedule " + path.string() + ": " + e.what());
  }
}

ProcessFaultDriver::ProcessFaultDriver(sockets::SocketsLoop& loop, FaultState& state, FaultSchedule schedule,
                                       ProcessFaultOptions options)
    : loop_(loop), state_(state), schedule_(std::move(schedule)), options_(std::move(options)) {
  const auto problems = validate_process_schedule(schedule_, options_);
  if (!problems.empty()) throw std::invalid_argument("fault schedule: " + join(problems));
  on_crash_self = [this](bool wipe) {
    std::cout << "crashing now (fault schedule)" << std::endl;
    if (wipe && !options_.storage_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(options_.storage_dir, ec);
    }
    std::_Exit(137);  // like SIGKILL: no destructors, no goodbye to peers
  };
}

void ProcessFaultDriver::start() {
  // Epoch + at on the system clock, translated once to the loop's monotonic clock.
  const Time loop_now = loop_.now();
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now() -
                                                                                options_.epoch);
  for (const auto& sf : schedule_.faults) timeline_.add(loop_now + sf.at - since_epoch.count(), sf.fault);
}

void ProcessFaultDriver::apply(const Fault& f) {
  const auto address_of = [this](const NodeId& name) { return options_.addresses.at(name); };
  if (apply_message_fault(f, state_, names_of(options_), address_of)) return;
  if (const auto* c = std::get_if<CrashFault>(&f); c != nullptr && c->node == options_.self_name) {
    on_crash_self(c->wipe_storage);
  }
}

}  // namespace amino::testbed
