#include "pybind/history.h"

#include "testbed/check/history_jsonl.h"

namespace amino::pyrun {

using nlohmann::json;
using Completion = check::EventType;

// The one status -> history table. "fail" claims the call certainly had no effect, which a checker
// then relies on (a wrong "fail" is a false alarm or a missed bug), so a code is "fail" only if no
// site that produces it can follow a run of the method. None of the codes qualifies once two facts
// are taken into account: DMs and the kernel retry the retryable codes (status.cc is_retryable), so
// the code a call ends with says nothing about earlier attempts that timed out; and a SystemError
// escaping a method body keeps its code (ClassInfo::invoke, runtime/microservice.cc), so even the
// codes the runtime raises before a body runs (NO_SUCH_METHOD, BAD_ARGUMENTS) also come back from
// methods that ran (a nested call to a missing method, a Value converted inside the body). Failing
// for certain is therefore decided by the runner, not the code: a call whose stub could not be
// acquired never reached the object (HistoryRecorder::not_issued). No `default:` so that a new Code
// is a -Wswitch warning here.
Completion completion_of(Code c) {
  switch (c) {
    case Code::kOk:                 // the method ran and returned
      return Completion::kOk;
    case Code::kAppError:           // the method ran and threw: its exception is its result (only
      return Completion::kOk;       // ClassInfo::invoke produces it; DMs never retry it)
    case Code::kTimeout:            // no answer by the deadline: the request may have run
    case Code::kUnreachable:        // the connection broke, possibly after the request went out
    case Code::kNoSuchObject:       // a stale location, retried: earlier attempts may have run
    case Code::kMigrating:          // retried until the deadline: earlier attempts may have run
    case Code::kOverloaded:         // the gate refused this attempt; earlier retried ones may have run
    case Code::kNotLeader:          // retried: an earlier leader may have logged (and later commit) it
    case Code::kUnavailable:        // e.g. a Raft replica stopping fails waiters whose entry is logged
    case Code::kSessionExpired:     // the retry was refused because the original may have applied
      return Completion::kInfo;
    case Code::kNoSuchMethod:       // raised before a body runs, or escaped from one (see above)
    case Code::kBadArguments:       // arity/argument conversion before the body, or escaped from one
    case Code::kNoSuchMicroService: // a group gone mid-call (after attempts) or a lookup in a body
    case Code::kNoSuchClass:        // creation errors: in a call, only from a body that creates
    case Code::kBadSpec:            //   objects or from a DM replicating, i.e. after the body may
    case Code::kPlacement:          //   have run
      return Completion::kInfo;
    case Code::kBadFrame:           // a malformed request or reply (the latter after a run)
    case Code::kAborted:            // a DM gave up part-way (e.g. LeaseCaching lost its lease)
    case Code::kInternal:           // a DM or handler threw: anywhere along the way
      return Completion::kInfo;
  }
  return Completion::kInfo;  // a code off the wire we do not know: unknown effect
}

HistoryRecorder::Op HistoryRecorder::invoke(std::size_t workload, const std::string& client, const std::string& node,
                                            const std::string& object, const std::string& method, json args,
                                            Time time) {
  std::vector<bool>& busy = lanes_.at(workload);
  std::size_t lane = 0;
  while (lane < busy.size() && busy[lane]) ++lane;
  if (lane == busy.size()) busy.push_back(false);
  busy[lane] = true;
  const auto process = static_cast<std::int64_t>(workload + lane * workloads_);
  const int index = history_.invoke(process, method, std::nullopt, std::move(args), time,
                                    json{{"object", object}, {"client", client}, {"node", node}});
  return Op{workload, lane, index};
}

void HistoryRecorder::returned(Op& op, const Status& status, json value, Time time) {
  const Completion type = completion_of(status.code);
  if (status.ok()) {
    complete(op, type, std::move(value), "", time);
  } else if (type == Completion::kOk) {
    complete(op, type, nullptr, status.to_string(), time);  // an application exception: no value
  } else {
    complete(op, type, history_.operations()[static_cast<std::size_t>(op.op)].input, status.to_string(), time);
  }
}

void HistoryRecorder::not_issued(Op& op, const Status& status, Time time) {
  complete(op, Completion::kFail, history_.operations()[static_cast<std::size_t>(op.op)].input, status.to_string(),
           time);
}

void HistoryRecorder::complete(Op& op, Completion type, json value, const std::string& error, Time time) {
  // The completion repeats the invoke's object, client and node, and adds the error if any.
  json extra = history_.events()[static_cast<std::size_t>(history_.operations()[static_cast<std::size_t>(op.op)].id)].extra;
  if (!error.empty()) extra["error"] = error;
  history_.complete(op.op, type, std::move(value), time, std::move(extra));
  lanes_.at(op.workload)[op.lane] = false;
}

json HistoryRecorder::events() const {
  json out = json::array();
  for (const auto& e : history_.events()) out.push_back(check::event_to_json(e));
  return out;
}

}  // namespace amino::pyrun
