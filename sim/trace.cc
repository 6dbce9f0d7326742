#include "sim/trace.h"

#include <cstdio>
#include <map>

#include <boost/container_hash/hash.hpp>
#include <nlohmann/json.hpp>

namespace amino::sim {

namespace {

// Canonical encoding, hashed as it is produced: the four text fields and the four numbers in a
// fixed order, folded with boost::hash_combine (8 bytes per step; a byte-wise FNV over every event
// was a few per cent of a simulated RPC). Stable for a given binary. Message labels are not events
// and are not hashed (Trace::label_message).
std::uint64_t hash_event(const TraceEvent& e, std::uint64_t h) {
  std::size_t seed = h;
  for (const std::string* f : {&e.node, &e.kind, &e.peer, &e.detail}) boost::hash_combine(seed, *f);
  for (std::uint64_t v : {static_cast<std::uint64_t>(e.time), e.id, e.bytes, e.digest}) boost::hash_combine(seed, v);
  return seed;
}

nlohmann::json event_json(const TraceEvent& e, const std::string& call) {
  nlohmann::json j = {{"t", e.time}, {"node", e.node}, {"kind", e.kind}};
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (e.id != 0) j["id"] = e.id;
  if (e.bytes != 0) j["bytes"] = e.bytes;
  if (e.digest != 0) j["digest"] = e.digest;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!call.empty()) j["call"] = call;
  return j;
}

// The label of a send or recv event's message ("" for other events and unlabelled messages).
const std::string& call_of(const std::unordered_map<std::uint64_t, std::string>& calls, const TraceEvent& e) {
  static const std::string kNone;
  if (e.kind != "send" && e.kind != "recv") return kNone;
  auto it = calls.find(e.id);
  return it == calls.end() ? kNone : it->second;
}

double micros(Time t) { return static_cast<double>(t) / 1000.0; }

class ChromeWriter {
 public:
  ChromeWriter(const std::vector<std::string>& nodes, const std::unordered_map<std::uint64_t, std::string>& calls)
      : calls_(calls) {
    tid_["*"] = 0;
    meta(0, "world");
    for (const auto& n : nodes) {
      const int tid = static_cast<int>(tid_.size());
      tid_[n] = tid;
      meta(tid, n);
    }
  }

  void add(const TraceEvent& e) {
    const int tid = track(e.node);
    if (e.kind == "send" || e.kind == "recv") {
      message(e, tid);
    } else if (e.kind == "fault_begin" || e.kind == "fault_end") {
      out_.push_back({{"ph", e.kind == "fault_begin" ? "b" : "e"}, {"cat", "fault"}, {"name", e.detail},
                      {"id", span_id(e)}, {"ts", micros(e.time)}, {"pid", 0}, {"tid", tid}});
    } else {
      out_.push_back({{"ph", "i"}, {"s", e.node == "*" ? "g" : "t"}, {"name", e.kind + " " + e.detail},
                      {"ts", micros(e.time)}, {"pid", 0}, {"tid", tid}, {"args", event_json(e, "")}});
    }
  }

  std::string dump() const { return nlohmann::json{{"traceEvents", out_}, {"displayTimeUnit", "ms"}}.dump(); }

 private:
  int track(const std::string& node) {
    auto it = tid_.find(node);
    if (it != tid_.end()) return it->second;
    const int tid = static_cast<int>(tid_.size());
    tid_[node] = tid;
    meta(tid, node);
    return tid;
  }
  void meta(int tid, const std::string& name) {
    out_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 0}, {"tid", tid}, {"args", {{"name", name}}}});
  }
  // A 1 us slice per endpoint, bound together by a flow arrow keyed on the message id.
  void message(const TraceEvent& e, int tid) {
    const bool send = e.kind == "send";
    const std::string& call = call_of(calls_, e);
    std::string name = (send ? "send to " : "recv from ") + e.peer;
    if (!call.empty()) name += ": " + call;
    out_.push_back({{"ph", "X"}, {"name", name}, {"cat", "msg"}, {"ts", micros(e.time)}, {"dur", 1},
                    {"pid", 0}, {"tid", tid}, {"args", event_json(e, call)}});
    nlohmann::json flow = {{"ph", send ? "s" : "f"}, {"name", "msg"}, {"cat", "msg"}, {"id", e.id},
                           {"ts", micros(e.time)}, {"pid", 0}, {"tid", tid}};
    if (!send) flow["bp"] = "e";
    out_.push_back(flow);
  }
  static std::uint64_t span_id(const TraceEvent& e) { return fnv1a64(e.node + "\x1f" + e.detail); }

  const std::unordered_map<std::uint64_t, std::string>& calls_;
  std::map<std::string, int> tid_;
  std::vector<nlohmann::json> out_;
};

}  // namespace

std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void Trace::record(TraceEvent e) {
  hash_ = hash_event(e, hash_);
  ++count_;
  if (keep_) events_.push_back(std::move(e));
}

void Trace::note(TraceEvent e) {
  if (keep_) events_.push_back(std::move(e));
}

void Trace::label_message(std::uint64_t id, std::string call) {
  if (keep_ && !call.empty()) calls_[id] = std::move(call);
}

std::string Trace::hash_hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

std::string Trace::to_jsonl() const {
  std::string out;
  for (const auto& e : events_) {
    out += event_json(e, call_of(calls_, e)).dump();
    out += '\n';
  }
  return out;
}

std::string Trace::to_chrome_json(const std::vector<std::string>& nodes) const {
  ChromeWriter w(nodes, calls_);
  for (const auto& e : events_) w.add(e);
  return w.dump();
}

}  // namespace amino::sim
