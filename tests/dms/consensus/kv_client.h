// A client process of the nemesis sweeps: random reads, writes (of unique values) and cas on a few
// keys of a ConsensusRSM KvStore, each recorded in a check::History (the register model) with the
// caller's clock.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "runtime/env.h"
#include "runtime/stub.h"
#include "testbed/check/history.h"

namespace amino::testing {

struct KvWorkload {
  int keys = 3;
  Duration call_timeout = kSecond;
  Duration max_think = 20 * kMillisecond;  // pause between a process's operations
};

struct KvCounts {
  std::size_t ops = 0, ok = 0, unknown = 0;
};

inline KvCounts count_outcomes(const check::History& h) {
  KvCounts c;
  for (const auto& op : h.operations()) {
    ++c.ops;
    c.ok += op.outcome == check::Outcome::kOk ? 1 : 0;
    c.unknown += op.outcome == check::Outcome::kInfo ? 1 : 0;
  }
  return c;
}

class KvClient {
 public:
  KvClient(int id, Env& env, Rng rng, Stub stub, check::History& h, KvWorkload w)
      : id_(id), env_(env), rng_(std::move(rng)), stub_(std::move(stub)), h_(h), w_(w) {}

  // Runs in an execution context on the client node until `stop` is set.
  void run(const bool& stop) {
    while (!stop) {
      one_operation();
      env_.sleep_for(rng_.uniform_int(0, w_.max_think / kMillisecond) * kMillisecond);
    }
  }

 private:
  void one_operation() {
    const std::string key = "k" + std::to_string(rng_.uniform_int(0, w_.keys - 1));
    const double dice = rng_.uniform();
    if (dice < 0.45) {
      read(key);
    } else if (dice < 0.85) {
      write(key);
    } else {
      cas(key);
    }
  }

  void read(const std::string& key) {
    const int op = h_.invoke(id_, "read", check::Json(key), nullptr, env_.now());
    Reply r = stub_.invoke("get", {Value(key)}, w_.call_timeout);
    if (!r.ok()) return unknown(op, r);
    check::Json v;  // null: absent
    if (!r.value.is_null()) {
      v = r.value.as_string();
      seen_[key] = r.value.as_string();
    }
    h_.complete(op, check::EventType::kOk, v, env_.now());
  }

  void write(const std::string& key) {
    const std::string value = next_value();
    const int op = h_.invoke(id_, "write", check::Json(key), value, env_.now());
    Reply r = stub_.invoke("put", {Value(key), Value(value)}, w_.call_timeout);
    if (!r.ok()) return unknown(op, r);
    seen_[key] = value;
    h_.complete(op, check::EventType::kOk, value, env_.now());
  }

  void cas(const std::string& key) {
    auto it = seen_.find(key);
    const std::string expected = it == seen_.end() ? "none" : it->second;
    const std::string value = next_value();
    const check::Json swap = check::Json::array({expected, value});
    const int op = h_.invoke(id_, "cas", check::Json(key), swap, env_.now());
    Reply r = stub_.invoke("cas", {Value(key), Value(expected), Value(value)}, w_.call_timeout);
    if (!r.ok()) return unknown(op, r);
    if (r.value.as_bool()) seen_[key] = value;
    // Jepsen's convention: a cas that did not swap is a fail (it certainly had no effect).
    h_.complete(op, r.value.as_bool() ? check::EventType::kOk : check::EventType::kFail, swap, env_.now());
  }

  std::string next_value() { return "p" + std::to_string(id_) + "." + std::to_string(++written_); }

  // Every failure a client sees is a system error (deadline, no leader reachable): the call may
  // or may not have taken effect. An application error would be a bug in the test itself.
  void unknown(int op, const Reply& r) {
    if (r.status.code == Code::kAppError) ADD_FAILURE() << "unexpected application error " << r.status.to_string();
    h_.complete(op, check::EventType::kInfo, nullptr, env_.now());
  }

  int id_;
  Env& env_;
  Rng rng_;
  Stub stub_;
  check::History& h_;
  KvWorkload w_;
  int written_ = 0;
  std::map<std::string, std::string> seen_;
};

}  // namespace amino::testing
