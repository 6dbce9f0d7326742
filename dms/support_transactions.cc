// The transaction DMs' shared parts (declared in dms/support_transactions.h).
#include "dms/support_transactions.h"

#include <algorithm>

#include "runtime/mutants.h"

namespace amino::dms::txn {

// ---------------------------------------------------------------------------------------------
// Transaction control

std::vector<ConfigKey> control_keys() {
  return {ConfigKey{"startMethod", Value::Kind::kString, Value("startTransaction"),
                    "the intercepted method (no arguments) that opens a transaction for the calling endpoint"},
          ConfigKey{"commitMethod", Value::Kind::kString, Value("commitTransaction"),
                    "the intercepted method (no arguments) that commits the open transaction"},
          ConfigKey{"rollbackMethod", Value::Kind::kString, Value("rollbackTransaction"),
                    "the intercepted method (no arguments) that rolls the open transaction back"}};
}

std::vector<std::string> control_methods(const DmConfig& c) {
  return {c.at("startMethod").as_string(), c.at("commitMethod").as_string(), c.at("rollbackMethod").as_string()};
}

Control classify(const DmConfig& c, const std::string& method) {
  if (method == c.at("startMethod").as_string()) return Control::kStart;
  if (method == c.at("commitMethod").as_string()) return Control::kCommit;
  if (method == c.at("rollbackMethod").as_string()) return Control::kRollback;
  return Control::kNone;
}

std::optional<std::string> control_config_problem(const std::string& dm, const DmConfig& c) {
  std::vector<std::string> names = control_methods(c);
  for (const auto& n : names) {
    if (n.empty()) return dm + ": a transaction-control method name is empty";
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
    return dm + ": startMethod, commitMethod and rollbackMethod must be three different methods";
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// ServerLink

namespace {
bool replica_lost(Code c) { return c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout; }
}  // namespace

Reply ServerLink::forward(Invocation& inv, ClientContext& ctx) {
  if (!server_.valid()) server_ = ctx.ref_request();
  if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
  Reply r = ctx.forward(server_, inv);
  if (replica_lost(r.status.code)) server_ = {};  // choose again on the next call
  return r;
}

Reply ServerLink::control(const std::string& method, ValueList args, const Invocation& app, ClientContext& ctx) {
  Invocation inv;
  inv.method = method;
  inv.args = std::move(args);
  inv.read_only = false;
  inv.caller = app.caller;
  inv.session = app.session;
  inv.call_id = app.call_id;
  inv.deadline = app.deadline;
  return forward(inv, ctx);
}

// ---------------------------------------------------------------------------------------------
// Lock-based transactions: configuration

std::vector<ConfigKey> lock_keys() {
  return {ConfigKey{"leaseMs", Value::Kind::kInt, Value(5000),
                    "an open transaction's lease: renewed by each of its calls; when it runs out the transaction is "
                    "rolled back and the lock released",
                    Value(1), Value(kMaxTimeoutMs)},
          ConfigKey{"lockTimeoutMs", Value::Kind::kInt, Value(10000),
                    "longest a call or begin waits for the lock before failing with kUnavailable", Value(0),
                    Value(kMaxTimeoutMs)}};
}

// ---------------------------------------------------------------------------------------------
// Lock-based transactions: client part

namespace {

class LockingClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    const Control c = classify(ctx.config(), inv.method);
    if (c == Control::kNone) return call(inv, ctx);
    if (auto why = control_config_problem("transactions", ctx.config())) return Reply::error(Code::kBadSpec, *why);
    if (!inv.args.empty()) return Reply::error(Code::kBadArguments, inv.method + " takes no arguments");
    if (c == Control::kStart) {
      if (open_ && doomed_.empty()) {
        return Reply::error(Code::kBadArguments, "a transaction is already open on this endpoint (id " +
                                                     std::to_string(*open_) + "); nested transactions are not supported");
      }
      if (open_) {
        // The open transaction is doomed: it can only end in a rollback, and a begin says the
        // application has given up on it (a client that retries from its begin after kAborted). End
        // it as its commit would, so that the endpoint is never left unable to start another one.
        (void)link_.control(kRollback, {Value(*open_)}, inv, ctx);  // best effort: its lease does it otherwise
        open_.reset();
        doomed_.clear();
      }
      Reply r = link_.control(kBegin, {}, inv, ctx);
      if (!r.ok()) return r;
      if (!r.value.is<std::int64_t>()) return Reply::error(Code::kInternal, "begin answered without a transaction id");
      open_ = r.value.as_int();
      doomed_.clear();
      return Reply::ok({});
    }
    if (!open_) return Reply::error(Code::kBadArguments, inv.method + " without an open transaction");
    const std::int64_t id = *open_;
    // Whatever the outcome, the transaction is over for this endpoint: committed, rolled back,
    // aborted, or (a system error) unknown, in which case the server's lease rolls it back if the
    // request never arrived.
    open_.reset();
    const std::string doomed = std::move(doomed_);
    doomed_.clear();
    if (!doomed.empty()) {
      // Roll back what the server may still hold (best effort: its lease does it otherwise).
      (void)link_.control(kRollback, {Value(id)}, inv, ctx);
      if (c == Control::kRollback) return Reply::ok({});
      return Reply::error(Code::kAborted, "transaction " + std::to_string(id) + " was aborted: " + doomed);
    }
    return link_.control(c == Control::kCommit ? kCommit : kRollback, {Value(id)}, inv, ctx);
  }

 private:
  Reply call(Invocation& inv, ClientContext& ctx) {
    if (!open_) return link_.forward(inv, ctx);
    if (!doomed_.empty()) {
      return Reply::error(Code::kAborted, "the open transaction was aborted (" + doomed_ +
                                              "); end it with commit or rollback");
    }
    const std::int64_t id = *open_;
    Invocation wrapped = inv;
    wrapped.method = kCall;
    wrapped.args = {Value(id), Value(inv.method), Value(inv.args)};
    Reply r = link_.forward(wrapped, ctx);
    // A call the server refused as not in the transaction, or one whose outcome is unknown (a
    // system error: it may or may not have run), dooms the transaction: committing it would
    // commit something the application cannot know. Its later calls fail without running, so none
    // of them runs outside the transaction it was meant for, and its commit rolls it back.
    const Code code = r.status.code;
    if (code == Code::kAborted || is_retryable(code) || code == Code::kInternal) {
      doomed_ = inv.method + " failed: " + r.status.to_string();
    }
    return r;
  }

  ServerLink link_;
  std::optional<std::int64_t> open_;  // the open transaction's id
  std::string doomed_;                // why the open transaction can no longer commit (empty: it can)
};

}  // namespace

std::unique_ptr<ClientDM> make_locking_client() { return std::make_unique<LockingClient>(); }

// ---------------------------------------------------------------------------------------------
// Lock-based transactions: server part

LockingServer::~LockingServer() { *alive_ = false; }

void LockingServer::on_create(ServerContext& ctx) {
  next_id_ = static_cast<std::int64_t>(ctx.env().rng().next() >> 2) + 1;
  on_start(ctx, moved_);
  if (moved_before_) {
    // The transaction open at the source is lost with the move: its owner learns at its next call.
    ctx.restore_object(*moved_before_);
    if (Status s = persist(ctx); !s.ok()) ctx.env().log(LogLevel::kWarn, std::string(name_) + ": " + s.to_string());
    ctx.env().log(LogLevel::kInfo, std::string(name_) + ": a transaction open at the source was rolled back by the move");
    moved_before_.reset();
  }
}

void LockingServer::on_destroy(ServerContext& ctx) {
  *alive_ = false;
  if (lease_timer_ != 0) ctx.env().cancel_timer(lease_timer_);
}

Value LockingServer::snapshot() const {
  ValueMap m{{"moved", true}};
  if (active_) m["before"] = active_->before;
  return m;
}

void LockingServer::restore(const Value& state) {
  moved_ = true;
  if (state.is<ValueMap>()) {
    if (const Value* b = state.find("before")) moved_before_ = *b;
  }
}

Reply LockingServer::on_rpc(Invocation& inv, ServerContext& ctx) {
  if (inv.method == kBegin) return begin(inv, ctx);
  if (inv.method == kCommit) return finish(inv, ctx, true);
  if (inv.method == kRollback) return finish(inv, ctx, false);
  if (inv.method == kCall) return call_in_txn(inv, ctx);
  return call_alone(inv, ctx);
}

bool LockingServer::acquire(const Invocation& inv, ServerContext& ctx) {
  const Duration wait = millis(ctx.config().at("lockTimeoutMs").as_int());
  return lock_.acquire(ctx.env(), std::min(inv.deadline, deadline_after(ctx.env().now(), wait)));
}

Reply LockingServer::begin(Invocation& inv, ServerContext& ctx) {
  if (!inv.args.empty()) return Reply::error(Code::kBadArguments, std::string(name_) + ": begin takes no arguments");
  if (active_ && active_->session == inv.session) {
    return Reply::error(Code::kBadArguments, std::string(name_) + ": this endpoint already has transaction " +
                                                 std::to_string(active_->id) + " open (no nesting)");
  }
  if (!acquire(inv, ctx)) {
    return Reply::error(Code::kUnavailable, std::string(name_) + ": the object stayed locked by another transaction "
                                                                 "or call; begin gave up");
  }
  active_ = Active{inv.session, next_id_++, ctx.snapshot_object(), 0};
  arm_lease(ctx);
  if (ctx.env().probing()) ctx.env().probe("txn.begin", {{"id", active_->id}});
  return Reply::ok(Value(active_->id));
}

Reply LockingServer::not_active(std::int64_t id) const {
  return Reply::error(Code::kAborted, std::string(name_) + ": transaction " + std::to_string(id) +
                                          " is not open (its lease ran out, it was rolled back or migrated, or "
                                          "the server restarted): its writes are undone");
}

Reply LockingServer::finish(Invocation& inv, ServerContext& ctx, bool commit) {
  if (inv.args.size() != 1 || !inv.args[0].is<std::int64_t>()) {
    return Reply::error(Code::kBadArguments, std::string(name_) + ": commit/rollback take [transaction id]");
  }
  const std::int64_t id = inv.args[0].as_int();
  if (!active_ || active_->id != id || active_->session != inv.session) return not_active(id);
  if (owner_calls_ > 0) {
    return Reply::error(Code::kBadArguments, std::string(name_) + ": a call of transaction " + std::to_string(id) +
                                                 " is still running; finish it before committing or rolling back");
  }
  if (commit) {
    if (Status s = persist(ctx); !s.ok()) {
      end(ctx, false, "commit could not be made durable");
      return Reply::error(Code::kAborted, std::string(name_) + ": commit could not be made durable (" +
                                              s.to_string() + "); transaction rolled back");
    }
  }
  end(ctx, commit, commit ? "commit" : "rollback");
  return Reply::ok({});
}

Reply LockingServer::call_in_txn(Invocation& inv, ServerContext& ctx) {
  const ValueList& a = inv.args;
  if (a.size() != 3 || !a[0].is<std::int64_t>() || !a[1].is<std::string>() || !a[2].is<ValueList>()) {
    return Reply::error(Code::kBadArguments, std::string(name_) + ": a transaction's call takes [id, method, [args]]");
  }
  const std::int64_t id = a[0].as_int();
  if (!active_ || active_->id != id || active_->session != inv.session) return not_active(id);
  Invocation app = inv;
  app.method = a[1].as_string();
  app.args = a[2].as_list();
  if (app.method.rfind("__amino.", 0) == 0) {
    return Reply::error(Code::kBadArguments, std::string(name_) + ": internal calls cannot run inside a transaction");
  }
  active_->lease_until = deadline_after(ctx.env().now(), millis(ctx.config().at("leaseMs").as_int()));
  ++owner_calls_;
  Reply r = ctx.next(app);
  --owner_calls_;
  if (active_ && active_->id == id) {
    active_->lease_until = deadline_after(ctx.env().now(), millis(ctx.config().at("leaseMs").as_int()));
  }
  return r;
}

Reply LockingServer::call_alone(Invocation& inv, ServerContext& ctx) {
  if (!acquire(inv, ctx)) {
    return Reply::error(Code::kUnavailable, std::string(name_) + ": " + inv.method +
                                                " waited for the object's lock (a transaction holds it) and gave up");
  }
  FifoLockGuard guard(lock_);
  // A lone mutating call is a transaction of one call: durable DMs persist it, undoing it on failure.
  std::optional<Value> before;
  if (!inv.read_only) before = ctx.snapshot_object();
  Reply r = ctx.next(inv);
  if (before) {
    if (Status s = persist(ctx); !s.ok()) {
      ctx.restore_object(*before);
      return Reply::error(Code::kAborted, std::string(name_) + ": " + inv.method + " could not be made durable (" +
                                              s.to_string() + "); undone");
    }
  }
  return r;
}

void LockingServer::end(ServerContext& ctx, bool commit, const char* why) {
  if (!active_) return;
  // (Mutant kRollbackKeepsWrites: an aborted transaction's writes stay visible, an aborted read.)
  if (!commit && !mutant_active(Mutant::kRollbackKeepsWrites)) ctx.restore_object(active_->before);
  if (ctx.env().probing()) ctx.env().probe("txn.end", {{"id", active_->id}, {"outcome", std::string(why)}});
  active_.reset();
  if (lease_timer_ != 0) ctx.env().cancel_timer(lease_timer_);
  lease_timer_ = 0;
  lock_.release();
}

void LockingServer::arm_lease(ServerContext& ctx) {
  const Duration lease = millis(ctx.config().at("leaseMs").as_int());
  active_->lease_until = deadline_after(ctx.env().now(), lease);
  auto alive = alive_;
  ServerContext* c = &ctx;
  const Time until = active_->lease_until;
  lease_timer_ = ctx.env().arm_timer(until - ctx.env().now(), [this, alive, c] {
    if (*alive) on_lease_timer(*c);
  });
}

// The lease timer fires at the last known expiry; calls since then moved it, so look again.
void LockingServer::on_lease_timer(ServerContext& ctx) {
  lease_timer_ = 0;
  if (!active_) return;
  const Time now = ctx.env().now();
  if (owner_calls_ > 0 || active_->lease_until > now) {
    // Not expired (or a call of the owner is inside the object: it renews the lease on return).
    const Duration wait = owner_calls_ > 0 ? millis(ctx.config().at("leaseMs").as_int()) : active_->lease_until - now;
    auto alive = alive_;
    ServerContext* c = &ctx;
    lease_timer_ = ctx.env().arm_timer(wait, [this, alive, c] {
      if (*alive) on_lease_timer(*c);
    });
    return;
  }
  ctx.env().log(LogLevel::kInfo, std::string(name_) + ": transaction " + std::to_string(active_->id) +
                                     " lost its lease (owner silent or gone): rolled back, lock released");
  end(ctx, false, "lease expired");
}

}  // namespace amino::dms::txn
