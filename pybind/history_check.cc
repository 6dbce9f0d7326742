#include "pybind/history_check.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "testbed/check/history_jsonl.h"
#include "testbed/check/linearizability.h"

namespace amino::pyrun {

check::History history_from_text(const std::string& jsonl) { return check::parse_jsonl(jsonl); }

check::History history_from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read history " + path + ": " + std::strerror(errno));
  try {
    return check::read_jsonl(in);
  } catch (const check::HistoryError& e) {
    throw std::invalid_argument(path + " " + e.what());  // "h.jsonl line 3: ..."
  }
}

std::string events_json(const check::History& h) {
  std::string out = "[";
  for (const auto& e : h.events()) {
    if (out.size() > 1) out += ",";
    out += check::event_to_line(e);
  }
  return out + "]";
}

std::string check_json(const check::History& h, const check::Model& model, const CheckLimits& limits) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  check::CheckOptions options;
  if (limits.max_steps > 0) options.max_steps_per_key = limits.max_steps;
  options.earliest_failure = limits.earliest_failure;
  if (limits.time_limit_s > 0) {
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.time_limit_s));
    options.out_of_time = [deadline] { return Clock::now() >= deadline; };
  }
  const check::CheckResult r = check::check_linearizable(h, model, options);
  check::Json j = r.to_json();
  j["elapsed_s"] = std::chrono::duration<double>(Clock::now() - start).count();
  return j.dump();
}

std::string check_transactions_json(const check::History& h, const std::string& model, const std::string& consistency,
                                    double time_limit_s) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  check::TxnCheckOptions options;
  options.model = check::txn_model_from(model);
  options.consistency = consistency;
  if (time_limit_s > 0) {
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(time_limit_s));
    options.out_of_time = [deadline] { return Clock::now() >= deadline; };
  }
  check::Json j = check::check_transactions(h, options).to_json();
  j["elapsed_s"] = std::chrono::duration<double>(Clock::now() - start).count();
  return j.dump();
}

std::string consistency_levels_json() {
  check::Json out = check::Json::array();
  for (const auto& l : check::consistency_levels()) {
    out.push_back({{"name", l.name}, {"forbidden", l.forbidden}, {"order", l.order}, {"description", l.description}});
  }
  return out.dump();
}

}  // namespace amino::pyrun
