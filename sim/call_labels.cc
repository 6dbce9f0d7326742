#include "sim/call_labels.h"

#include "amino.pb.h"
#include "runtime/protocol.h"
#include "runtime/wire.h"

namespace amino::sim {

namespace {

constexpr std::size_t kMaxLabelPart = 64;

// Labels end up in JSON: printable ASCII only (a frame's strings are whatever its sender wrote).
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, kMaxLabelPart)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > kMaxLabelPart) out += "...";
  return out;
}

}  // namespace

std::string CallLabels::label(const NodeId& from, const NodeId& to, const std::string& frame) {
  pb::Frame f;
  if (!wire::parse_bounded(f, frame)) return "";
  if (f.is_reply()) {
    auto it = requests_.find({to, from, f.call_id()});
    if (it == requests_.end()) return "";  // a duplicate, or not an answer to a request seen
    std::string l = "reply " + it->second;
    requests_.erase(it);
    return l;
  }
  if (f.service().empty()) return "";  // every runtime request and cast names its service
  std::string l = printable(f.service());
  if (f.service() == svc::kInvoke) {
    pb::InvokeRequest req;
    if (wire::parse_bounded(req, f.body())) l += " " + printable(req.method());
  }
  if (f.call_id() != 0) requests_[{from, to, f.call_id()}] = l;
  return l;
}

}  // namespace amino::sim
