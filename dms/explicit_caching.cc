#include "dms/explicit_caching.h"

#include "dms/support.h"
#include "runtime/wire.h"

namespace amino::dms {

namespace {

// Control calls from the client part to its server part; they never reach the object.
constexpr const char* kPull = "__amino.xcache.pull";  // [] -> state
constexpr const char* kPush = "__amino.xcache.push";  // [state, digest of the pulled state | null]

std::int64_t digest_of(const Value& state) { return static_cast<std::int64_t>(wire::digest(state)); }

class ExplicitCachingServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    if (inv.method == kPull) return Reply::ok(ctx.snapshot_object());
    if (inv.method == kPush) return push(inv.args, ctx);
    return ctx.next(inv);
  }

 private:
  static Reply push(const ValueList& a, ServerContext& ctx) {
    if (a.size() != 2 || !(a[1].is_null() || a[1].is<std::int64_t>())) {
      return Reply::error(Code::kBadArguments, "ExplicitCaching push takes [state, base digest|null]");
    }
    // The base digest comes only with rejectStalePush: refuse to overwrite writes the pusher never saw.
    if (!a[1].is_null() && digest_of(ctx.snapshot_object()) != a[1].as_int()) {
      return Reply::error(Code::kAborted, "ExplicitCaching: the object changed since this copy was pulled; push refused");
    }
    ctx.restore_object(a[0]);
    return Reply::ok({});
  }
};

class ExplicitCachingClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    const DmConfig& c = ctx.config();
    const bool pull = inv.method == c.at("pullMethod").as_string();
    if (pull || inv.method == c.at("pushMethod").as_string()) {
      if (c.at("pullMethod") == c.at("pushMethod")) {
        return Reply::error(Code::kBadSpec, "ExplicitCaching: pullMethod and pushMethod must be different methods");
      }
      if (!inv.args.empty()) return Reply::error(Code::kBadArguments, inv.method + " takes no arguments");
      // One pull, push or call on the copy at a time: a call on the copy while a push is out would
      // change a copy that is then dropped, losing a write that returned success.
      if (!lock_.acquire(ctx.env(), inv.deadline)) return Reply::error(Code::kTimeout, "waited for the local copy");
      FifoLockGuard guard(lock_);
      return pull ? pull_copy(inv, ctx) : push_copy(inv, ctx);
    }
    if (!copy_) return forward_->on_rpc(inv, ctx);  // not pulled: the server answers
    if (!lock_.acquire(ctx.env(), inv.deadline)) return Reply::error(Code::kTimeout, "waited for the local copy");
    FifoLockGuard guard(lock_);
    if (!copy_) return forward_->on_rpc(inv, ctx);  // pushed while this call waited
    if (!inv.read_only) dirty_ = true;  // even a throwing method may have changed fields
    return copy_->invoke(inv);
  }

 private:
  Reply pull_copy(Invocation& inv, ClientContext& ctx) {
    Reply r = control(kPull, {}, inv, ctx);
    if (!r.ok()) return r;  // the old copy, if any, stays
    if (dirty_) ctx.env().log(LogLevel::kWarn, "ExplicitCaching: a pull discards unpushed writes to the copy");
    copy_ = ctx.make_local_copy(r.value);
    base_ = digest_of(r.value);
    dirty_ = false;
    return Reply::ok({});
  }

  Reply push_copy(Invocation& inv, ClientContext& ctx) {
    if (!copy_) return Reply::ok({});  // nothing pulled: nothing to push
    if (dirty_) {
      const Value base = ctx.config().at("rejectStalePush").as_bool() ? Value(base_) : Value();
      Reply r = control(kPush, {copy_->snapshot(), base}, inv, ctx);
      if (r.status.code == Code::kAborted) {
        copy_.reset();  // refused as stale: the writes on the copy are dropped, as the caller is told
        dirty_ = false;
        return r;
      }
      if (!r.ok()) return r;  // not written back: the copy and its writes stay, to push again
    }
    copy_.reset();
    dirty_ = false;
    return Reply::ok({});
  }

  Reply control(const char* method, ValueList args, const Invocation& app, ClientContext& ctx) {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Invocation inv;
    inv.method = method;
    inv.args = std::move(args);
    inv.caller = app.caller;
    inv.session = app.session;
    inv.call_id = app.call_id;
    inv.deadline = app.deadline;
    Reply r = ctx.forward(server_, inv);
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
    return r;
  }

  std::unique_ptr<ClientDM> forward_ = make_forwarding_client();  // calls without a copy: as DefaultDM
  ReplicaRef server_;
  std::unique_ptr<LocalCopy> copy_;
  std::int64_t base_ = 0;  // digest of the state the copy was pulled from
  bool dirty_ = false;     // a mutating call ran on the copy since the pull
  FifoLock lock_;
};

}  // namespace

DmDescriptor explicit_caching() {
  DmDescriptor d;
  d.name = "ExplicitCaching";
  d.category = "caching";
  d.summary = "the application pulls a local copy, calls it, and pushes it back";
  d.paper = "ExplicitCaching (Amino.Run ExplicitCachingPolicy)";
  d.source = "dms/explicit_caching.h";
  d.guarantee =
      "The application drives the cache through two methods its class declares (pullMethod and pushMethod, "
      "no arguments; intercepted by the client, their bodies never run). A pull fetches the object's state from "
      "the server into a copy on this client (replacing any copy, unpushed writes included). Until the next push "
      "every call to the microservice from this node, read or write, runs on the copy with no RPC (all "
      "references on one node share one client part, hence one copy). A push "
      "writes the copy back to the server, replacing the object's whole state, then drops the copy; a copy no "
      "mutating call touched is dropped without writing back. Without a copy, calls go to the server as under "
      "DefaultDM. What others see: writes made on the copy are invisible to every other client until the push; "
      "a copy does not see writes others make after its pull; and a push replaces the object, so writes other "
      "clients made between this client's pull and push are lost (the last push wins). With rejectStalePush the "
      "server instead refuses the push (kAborted) when its object's state differs from the pulled one (compared "
      "by digest), and the copy and its writes are dropped: no write is then lost silently, and the pusher "
      "learns it must pull and redo its work.";
  d.tolerates =
      "Server loss or partition while a copy is held: calls keep running on the copy. A push that fails with a "
      "system error (server unreachable, timeout) keeps the copy and its writes, so the application can push "
      "again; a pull that fails keeps the old copy. Without a copy, calls need the server. A push whose reply "
      "is lost may have been applied: pushing again is harmless (same state) unless another client wrote "
      "meanwhile (then, with rejectStalePush, the retry is refused).";
  d.caveats =
      "Methods run on the copy run on the client's node: runtime() is the client's kernel. The class must "
      "declare both methods (the kernel's stub rejects undeclared methods). Calls on one node's copy run one at "
      "a time.";
  d.config = {ConfigKey{"pullMethod", Value::Kind::kString, Value("pull"), "the intercepted method that fetches a copy (no arguments)"},
              ConfigKey{"pushMethod", Value::Kind::kString, Value("push"), "the intercepted method that writes the copy back and drops it (no arguments)"},
              ConfigKey{"rejectStalePush", Value::Kind::kBool, Value(false), "refuse a push (kAborted) when the object changed since the pull, instead of overwriting"}};
  d.make_client = [] { return std::make_unique<ExplicitCachingClient>(); };
  d.make_server = [] { return std::make_unique<ExplicitCachingServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
