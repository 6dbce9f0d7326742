#include "pybind/workload_driver.h"

#include <cmath>
#include <sstream>

#include "dms/all.h"
#include "runtime/codec.h"
#include "runtime/spec.h"
#include "runtime/value_json.h"
#include "runtime/wire.h"

namespace amino::pyrun {

using nlohmann::json;

namespace {

// The status of a SystemError thrown at the caller: its what() is "CODE: message" (status.h).
Status status_of(const SystemError& e) {
  const std::string prefix = std::string(code_name(e.code())) + ": ";
  std::string what = e.what();
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  return Status{e.code(), what, {}};
}

}  // namespace

std::string create_deployment(Kernel& k, const DeploymentSpec& d) {
  std::string failure;
  try {
    MicroServiceSpec spec = parse_spec(d.spec_yaml, dms::builtin());
    spec.name = d.name;
    Stub stub = k.create(spec);
    for (const auto& c : d.init) {
      Reply r = stub.invoke(c.method, c.args);
      if (!r.ok()) failure = "init call " + c.method + ": " + r.status.to_string();
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  return failure;
}

std::vector<Rng> workload_rngs(const Scenario& s) {
  Rng workload_rng(s.seed ^ 0xA5A5A5A5DEADBEEFULL);
  std::vector<Rng> out;
  for (std::size_t wi = 0; wi < s.workloads.size(); ++wi) out.push_back(workload_rng.fork());
  return out;
}

json WorkloadDriver::summarize_value(const Value& v) const {
  json j = to_json(v);
  if (s_.max_value_chars == 0) return nullptr;
  const std::string text = j.dump();
  if (text.size() <= s_.max_value_chars) return j;
  std::ostringstream os;
  os << "<" << kind_name(v.kind()) << " of " << text.size() << " chars, digest " << std::hex << wire::digest(v) << ">";
  return os.str();
}

json WorkloadDriver::summarize_args(const ValueList& args) const {
  json out = json::array();
  for (const auto& a : args) out.push_back(summarize_value(a));
  return out;
}

// One call of workload `wi`: a record (records_json) and an operation of the history.
void WorkloadDriver::one_call(std::size_t wi, Kernel& k, const CallSpec& c) {
  const WorkloadSpec& w = s_.workloads[wi];
  const std::string& target = c.target.empty() ? w.target : c.target;
  Record r{w.client, w.node, target, c.method, k.env().now() - t0_, 0, "", nullptr, ""};
  HistoryRecorder::Op op = history_.invoke(wi, w.client, w.node, target, c.method, summarize_args(c.args), since_t0());
  ++in_flight_;
  bool issued = false;
  Status status;
  try {
    Stub stub = k.acquire(target);
    issued = true;
    Reply reply = stub.invoke(c.method, c.args, secs(w.timeout));
    status = reply.status;
    if (reply.ok()) r.value = summarize_value(reply.value);
    else r.error = reply.status.message;
  } catch (const SystemError& e) {
    status = status_of(e);
    r.error = e.what();
  }
  r.outcome = code_name(status.code);
  --in_flight_;
  r.latency = k.env().now() - t0_ - r.start;
  if (issued) history_.returned(op, status, r.value, since_t0());
  else history_.not_issued(op, status, since_t0());
  records_.push_back(std::move(r));
}

void WorkloadDriver::closed_loop(std::size_t wi) {
  const WorkloadSpec& w = s_.workloads[wi];
  Kernel& k = nodes_.kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count) && env.now() < end_; ++i) {
    one_call(wi, k, w.calls[static_cast<std::size_t>(i) % w.calls.size()]);
    if (w.think > 0) env.sleep_for(secs(w.think));
  }
}

// Poisson arrivals from the workload's own seeded stream; every call runs in its own context, so a
// slow reply does not hold back the next arrival.
void WorkloadDriver::open_loop(std::size_t wi, Rng rng) {
  const WorkloadSpec& w = s_.workloads[wi];
  Kernel& k = nodes_.kernel(w.node);
  Env& env = k.env();
  env.sleep_for(secs(w.start));
  for (long long i = 0; (w.count == 0 || i < w.count); ++i) {
    const double gap = -std::log(1.0 - rng.uniform()) / w.rate;
    env.sleep_for(secs(gap));
    if (env.now() >= end_) break;
    const CallSpec& c = w.calls[static_cast<std::size_t>(i) % w.calls.size()];
    env.spawn("call", [this, wi, &k, &c] { one_call(wi, k, c); });
  }
}

void WorkloadDriver::start(std::size_t wi, Rng rng) {
  const WorkloadSpec& w = s_.workloads[wi];
  Env& env = nodes_.env(w.node);
  if (w.rate > 0) {
    env.spawn("open:" + w.client, [this, wi, rng]() mutable { open_loop(wi, rng); });
  } else {
    env.spawn("closed:" + w.client, [this, wi] { closed_loop(wi); });
  }
}

json WorkloadDriver::records_json() const {
  json out = json::array();
  for (const auto& r : records_) {
    out.push_back({{"client", r.client}, {"node", r.node}, {"microservice", r.microservice}, {"method", r.method},
                   {"start", to_seconds(r.start)}, {"latency", to_seconds(r.latency)}, {"outcome", r.outcome},
                   {"value", r.value}, {"error", r.error}});
  }
  return out;
}

}  // namespace amino::pyrun
