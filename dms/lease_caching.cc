#include "dms/lease_caching.h"

#include <algorithm>

#include "dms/support.h"
#include "runtime/mutants.h"

namespace amino::dms {

namespace {

// Control calls from the lease client to its server; they never reach the object.
constexpr const char* kAcquire = "__amino.lease.acquire";  // [token, lease_ns] -> {state, lease_ns}
constexpr const char* kRenew = "__amino.lease.renew";      // [token, lease_ns, state|null]
constexpr const char* kRelease = "__amino.lease.release";  // [token, state|null]

Duration ms_config(const DmConfig& c, const char* key) { return millis(c.at(key).as_int()); }

// The server side keeps the lease and the last written-back state (in the object itself).
class LeaseServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    const Time now = ctx.env().now();
    if (inv.method == kAcquire) return acquire(inv.args, ctx, now);
    if (inv.method == kRenew) return renew(inv.args, ctx, now);
    if (inv.method == kRelease) return release(inv.args, ctx);
    // A call that bypassed the lease protocol may only run while nobody holds the lease.
    if (held(now)) return Reply::error(Code::kUnavailable, "leased by " + holder_);
    return ctx.next(inv);
  }

  // The lease travels with the object when it migrates; time left, since clocks differ.
  Value snapshot() const override { return ValueMap{{"holder", holder_}, {"left_ns", left_ns_at_snapshot()}}; }
  void restore(const Value& v) override {
    holder_ = v.at("holder").as_string();
    pending_left_ns_ = v.at("left_ns").as_int();
  }
  void on_create(ServerContext& ctx) override {
    clock_ = &ctx.env();
    expiry_ = deadline_after(ctx.env().now(), pending_left_ns_);  // restore() runs before on_create
    pending_left_ns_ = 0;
  }

 private:
  bool held(Time now) const { return !holder_.empty() && now < expiry_; }

  Reply acquire(const ValueList& a, ServerContext& ctx, Time now) {
    const std::string& token = a.at(0).as_string();
    if (held(now) && holder_ != token) {
      return Reply::error(Code::kUnavailable, "leased by " + holder_ + " for " +
                                                  std::to_string((expiry_ - now) / kMillisecond) + " ms more");
    }
    holder_ = token;
    expiry_ = deadline_after(now, a.at(1).as_int());  // the lease length comes from a client
    return Reply::ok(ValueMap{{"state", ctx.snapshot_object()}, {"lease_ns", a.at(1).as_int()}});
  }

  // Renewal and release are accepted from the holder even past expiry as long as nobody else took
  // the lease: then its copy is still the only one that changed.
  Reply renew(const ValueList& a, ServerContext& ctx, Time now) {
    if (holder_ != a.at(0).as_string()) return lost(a.at(0).as_string());
    if (!a.at(2).is_null()) ctx.restore_object(a.at(2));
    expiry_ = deadline_after(now, a.at(1).as_int());  // the lease length comes from a client
    return Reply::ok({});
  }

  Reply release(const ValueList& a, ServerContext& ctx) {
    if (holder_ != a.at(0).as_string()) return lost(a.at(0).as_string());
    if (!a.at(1).is_null()) ctx.restore_object(a.at(1));
    holder_.clear();
    return Reply::ok({});
  }

  Reply lost(const std::string& token) const {
    return Reply::error(Code::kAborted, "lease of " + token + " was lost (now " +
                                            (holder_.empty() ? std::string("free") : "held by " + holder_) + ")");
  }

  std::int64_t left_ns_at_snapshot() const {
    if (holder_.empty() || clock_ == nullptr) return 0;
    return std::max<std::int64_t>(0, expiry_ - clock_->now());
  }

  std::string holder_;
  Time expiry_ = 0;
  std::int64_t pending_left_ns_ = 0;
  Env* clock_ = nullptr;
};

class LeaseClient : public ClientDM {
 public:
  ~LeaseClient() override { *alive_ = false; }

  void on_create(ClientContext& ctx) override {
    token_ = ctx.env().self() + "#" + std::to_string(ctx.env().rng().next() % 1000000007ULL);
  }

  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    // One lease operation or local call at a time on this node: a concurrent acquire would
    // otherwise replace a copy holding unsaved writes.
    if (!lock_.acquire(ctx.env(), inv.deadline)) return Reply::error(Code::kTimeout, "waited for the local copy");
    FifoLockGuard guard(lock_);
    Reply lease = ensure_lease(inv.deadline, ctx);
    if (!lease.ok()) return lease;
    last_use_ = ctx.env().now();
    Reply r = copy_->invoke(inv);
    if (!inv.read_only) dirty_ = true;  // even a throwing method may have changed fields
    return r;
  }

 private:
  Reply ensure_lease(Time deadline, ClientContext& ctx) {
    const Time now = ctx.env().now();
    const Duration margin = ms_config(ctx.config(), "renewMarginMs");
    if (copy_ && deadline_after(now, margin) < expiry_) return Reply::ok({});
    if (copy_ && now < expiry_ && renew(ctx).ok()) return Reply::ok({});
    // Mutant lease_used_after_expiry: a lapsed lease is kept (and its copy used) when renewal fails.
    if (copy_ && ctx.env().now() >= expiry_ && !mutant_active(Mutant::kLeaseUsedAfterExpiry)) {
      drop("it expired before it could be renewed", ctx);
    }
    if (copy_) return Reply::ok({});  // renewal failed but the lease still runs: use it
    return acquire(deadline, ctx);
  }

  Reply acquire(Time deadline, ClientContext& ctx) {
    Env& env = ctx.env();
    const Time give_up = std::min(deadline, deadline_after(env.now(), ms_config(ctx.config(), "maxWaitMs")));
    const Duration lease = ms_config(ctx.config(), "leaseMs");
    Duration backoff = 10 * kMillisecond;
    for (;;) {
      const Time sent = env.now();
      Reply r = control(kAcquire, {Value(token_), Value(lease)}, deadline, ctx);
      if (r.ok()) {
        copy_ = ctx.make_local_copy(r.value.at("state"));
        expiry_ = deadline_after(sent, r.value.at("lease_ns").as_int());
        dirty_ = false;
        schedule_maintenance(ctx);
        return r;
      }
      if (!is_retryable(r.status.code) || env.now() + backoff >= give_up) return r;
      env.sleep_for(backoff);
      backoff = std::min<Duration>(backoff * 2, 200 * kMillisecond);
    }
  }

  Reply renew(ClientContext& ctx) {
    const Time sent = ctx.env().now();
    const Duration lease = ms_config(ctx.config(), "leaseMs");
    Reply r = control(kRenew, {Value(token_), Value(lease), dirty_state()}, expiry_, ctx);
    if (r.ok()) {
      expiry_ = sent + lease;
      dirty_ = false;
      schedule_maintenance(ctx);
    } else if (r.status.code == Code::kAborted) {
      drop(r.status.message, ctx);
    }
    return r;
  }

  void release(ClientContext& ctx) {
    Reply r = control(kRelease, {Value(token_), dirty_state()}, expiry_, ctx);
    if (!r.ok() && dirty_) {
      ctx.env().log(LogLevel::kWarn, "LeaseCaching: writes of " + token_ + " not written back: " + r.status.to_string());
    }
    copy_.reset();
  }

  void drop(const std::string& why, ClientContext& ctx) {
    if (dirty_) ctx.env().log(LogLevel::kWarn, "LeaseCaching: " + token_ + " discards unsaved writes: " + why);
    copy_.reset();
    dirty_ = false;
  }

  Value dirty_state() const { return dirty_ ? copy_->snapshot() : Value(); }

  Reply control(const char* method, ValueList args, Time deadline, ClientContext& ctx) {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Invocation inv;
    inv.method = method;
    inv.args = std::move(args);
    inv.caller = ctx.env().self();
    inv.deadline = deadline;
    Reply r = ctx.forward(server_, inv);
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
    return r;
  }

  // Shortly before the lease ends: renew (writing back) if the copy was used recently, else
  // release it so other clients need not wait for expiry.
  void schedule_maintenance(ClientContext& ctx) {
    Env& env = ctx.env();
    if (timer_ != 0) env.cancel_timer(timer_);
    const Duration at = std::max<Duration>(0, expiry_ - ms_config(ctx.config(), "renewMarginMs") - env.now());
    auto alive = alive_;
    timer_ = env.arm_timer(at, [this, alive, &ctx] {
      if (!*alive) return;
      timer_ = 0;
      ctx.env().spawn("LeaseCaching.maintain", [this, alive, &ctx] {
        if (*alive) maintain(ctx);
      });
    });
  }

  void maintain(ClientContext& ctx) {
    if (!lock_.acquire(ctx.env(), expiry_)) return;
    FifoLockGuard guard(lock_);
    if (!copy_ || ctx.env().now() >= expiry_) return;
    if (ctx.env().now() - last_use_ >= ms_config(ctx.config(), "idleReleaseMs")) {
      release(ctx);
    } else {
      (void)renew(ctx);
    }
  }

  std::string token_;
  ReplicaRef server_;
  std::unique_ptr<LocalCopy> copy_;
  Time expiry_ = 0;  // on this node's clock, conservative
  Time last_use_ = 0;
  bool dirty_ = false;
  FifoLock lock_;
  TimerId timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

DmDescriptor lease_caching() {
  DmDescriptor d;
  d.name = "LeaseCaching";
  d.category = "caching";
  d.summary = "the exclusive lease holder runs calls on a local copy and writes it back";
  d.paper = "LeaseCaching (Amino.Run CacheLeasePolicy)";
  d.source = "dms/lease_caching.h";
  d.guarantee =
      "A client runs calls (reads and writes) on a local copy only while it holds the server's exclusive "
      "lease, so at any time at most one client's copy can change the object. The server grants a lease "
      "(token, leaseMs) with the object's current state; the holder's local expiry is counted from when it "
      "sent the request, so it always ends before the server's. The holder writes its copy back when it renews "
      "(a call or its maintenance timer finds less than renewMarginMs left) and when it releases the lease "
      "(idle for idleReleaseMs at a maintenance point); an idle holder thus frees the object within about one "
      "lease period. Other clients wait (polling with backoff) up to maxWaitMs within their call's deadline, "
      "then get kUnavailable. A lease that expires is free again: the server's object is the last state "
      "written back.";
  d.tolerates =
      "A lease holder that crashes or is cut off: others proceed after expiry with the last written-back "
      "state. The writes it made since its last write-back are lost (even though those calls returned success "
      "to it); it discards its copy once its lease lapses.";
  d.caveats = "Methods run on the copy run on the client's node: runtime() is the client's kernel.";
  d.config = {ConfigKey{"leaseMs", Value::Kind::kInt, Value(2000), "lease duration", Value(1), Value(kMaxTimeoutMs)},
              ConfigKey{"renewMarginMs", Value::Kind::kInt, Value(300), "renew (and write back) when less than this is left", Value(0), Value(kMaxTimeoutMs)},
              ConfigKey{"idleReleaseMs", Value::Kind::kInt, Value(500), "release at the next maintenance point after this long unused", Value(0), Value(kMaxTimeoutMs)},
              ConfigKey{"maxWaitMs", Value::Kind::kInt, Value(5000), "how long a call waits for another client's lease to end", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = [] { return std::make_unique<LeaseClient>(); };
  d.make_server = [] { return std::make_unique<LeaseServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
