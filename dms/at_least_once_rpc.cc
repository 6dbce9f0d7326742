#include "dms/at_least_once_rpc.h"

#include <algorithm>

namespace amino::dms {

namespace {

struct RetryPolicy {
  Duration budget;
  Duration initial_delay;
  Duration max_delay;
  double multiplier;
  Duration attempt_timeout;

  static RetryPolicy from(const DmConfig& c) {
    return RetryPolicy{millis(c.at("timeoutMs").as_int()), millis(c.at("initialDelayMs").as_int()),
                       millis(c.at("maxDelayMs").as_int()), c.at("multiplier").as_double(),
                       millis(c.at("attemptTimeoutMs").as_int())};
  }
  Duration next_delay(Duration d) const {
    return std::min<Duration>(max_delay, scaled(multiplier, d));
  }
};

// The replica may be gone: ask the group again before the next attempt.
bool replica_suspect(Code c) {
  return c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout || c == Code::kUnavailable;
}

class AtLeastOnceClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    const RetryPolicy p = RetryPolicy::from(ctx.config());
    Env& env = ctx.env();
    const Time give_up = std::min(inv.deadline, deadline_after(env.now(), p.budget));
    Duration delay = p.initial_delay;
    int attempts = 0;
    for (;;) {
      ++attempts;
      Reply r = attempt(inv, ctx, std::min(give_up, deadline_after(env.now(), p.attempt_timeout)));
      if (r.ok() || !is_retryable(r.status.code)) return r;
      if (replica_suspect(r.status.code)) server_ = {};
      if (deadline_after(env.now(), delay) >= give_up) {
        r.status.message += " (AtLeastOnceRPC gave up after " + std::to_string(attempts) + " attempts)";
        return r;
      }
      env.sleep_for(delay);
      delay = p.next_delay(delay);
    }
  }

 private:
  // One try with its own (shorter) deadline; the call id stays that of the application call.
  Reply attempt(const Invocation& inv, ClientContext& ctx, Time deadline) {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Invocation once = inv;
    once.deadline = deadline;
    return ctx.forward(server_, once);
  }

  ReplicaRef server_;
};

}  // namespace

DmDescriptor at_least_once_rpc() {
  DmDescriptor d;
  d.name = "AtLeastOnceRPC";
  d.summary = "retries retryable system errors with capped exponential backoff within a budget";
  d.paper = "AtLeastOnceRPC (Amino.Run AtLeastOnceRPCPolicy)";
  d.source = "dms/at_least_once_rpc.h";
  d.guarantee =
      "A call that fails with a system error is_retryable() allows (timeout, unreachable, stale location, "
      "migrating, overloaded, not-leader, unavailable) is sent again, with exponential backoff from "
      "initialDelayMs growing by multiplier up to maxDelayMs and each attempt bounded by attemptTimeoutMs, "
      "until it succeeds or the DM's budget (timeoutMs) or the call's own deadline runs out; the last error is "
      "returned then. Application errors (kAppError) and non-retryable system errors are returned at once, "
      "never retried.";
  d.tolerates =
      "Transient faults: temporary partitions and message loss, a server restarting or migrating, a replica "
      "failing when the group has another one (the replica is re-chosen).";
  d.caveats =
      "Duplicates: a retried call keeps its call_id, but nothing below deduplicates it, so a call whose reply "
      "was lost may run more than once. Read-only methods (Invocation::read_only) are duplicate-safe; mutating "
      "methods must be idempotent or tolerate running twice.";
  d.config = {
      ConfigKey{"timeoutMs", Value::Kind::kInt, Value(20000), "total retry budget per call (Amino.Run's 20 s)", Value(1), Value(kMaxTimeoutMs)},
      ConfigKey{"initialDelayMs", Value::Kind::kInt, Value(20), "first backoff delay (Amino.Run's 20 ms)", Value(1), Value(kMaxTimeoutMs)},
      ConfigKey{"maxDelayMs", Value::Kind::kInt, Value(1000), "cap on the backoff delay", Value(1), Value(kMaxTimeoutMs)},
      ConfigKey{"multiplier", Value::Kind::kDouble, Value(2.0), "backoff growth per retry", Value(1.0), Value(100.0)},
      ConfigKey{"attemptTimeoutMs", Value::Kind::kInt, Value(1000), "deadline of one attempt, so a lost request leaves time to retry", Value(1), Value(kMaxTimeoutMs)},
  };
  d.make_client = [] { return std::make_unique<AtLeastOnceClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
