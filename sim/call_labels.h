// What a frame carries, in words, for the trace's readers: "ks.invoke read" for a call of method
// `read`, "reply ks.invoke read" for its answer, the service for other requests and casts
// ("oms.heartbeat"). A label is derived from the frame's bytes (a reply's from its request's), which
// the trace hash already covers through the frame digest, so labels are not hashed: a run's hash is
// the same whether or not its events are kept and labelled.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "runtime/env.h"

namespace amino::sim {

class CallLabels {
 public:
  // The label of a frame going from -> to ("" for bytes that are not a runtime Frame, and for a
  // second reply to one request). Remembers requests until their first reply, so an unanswered
  // request costs one entry for the rest of the run (labels are made only when events are kept).
  std::string label(const NodeId& from, const NodeId& to, const std::string& frame);

 private:
  std::map<std::tuple<NodeId, NodeId, std::uint64_t>, std::string> requests_;  // (caller, callee, call id)
};

}  // namespace amino::sim
