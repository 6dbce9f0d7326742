#include "dms/write_through_caching.h"

#include <cstdint>

#include "runtime/mutants.h"

namespace amino::dms {

namespace {

class WriteThroughClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    return inv.read_only ? read(inv, ctx) : write(inv, ctx);
  }

 private:
  Reply read(Invocation& inv, ClientContext& ctx) {
    if (!copy_ || stale(ctx)) {
      Reply refreshed = refresh(ctx);
      if (!refreshed.ok() && !copy_) return refreshed;  // with an old copy: serve it stale
    }
    return copy_->invoke(inv);
  }

  Reply write(Invocation& inv, ClientContext& ctx) {
    if (!pick_server(ctx)) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Reply r = ctx.forward(server_, inv);
    if (r.ok() || r.status.code == Code::kAppError) {
      // A throwing method may still have changed the object: refresh either way. If the refresh
      // fails, forget the copy rather than read an older state than our own write, and refuse
      // the answer to any fetch sent before now (it may predate the write).
      // Mutant cache_not_invalidated: the copy is left as it was before the write.
      if (!mutant_active(Mutant::kCacheNotInvalidated) && !refresh(ctx).ok()) {
        copy_.reset();
        installed_ = fetches_;
      }
    } else {
      forget_server(r.status.code);
    }
    return r;
  }

  bool stale(ClientContext& ctx) const {
    const std::int64_t refresh_ms = ctx.config().at("refreshMs").as_int();
    // Mutant staleness_in_seconds: the bound read in the wrong unit.
    const Duration max_age = mutant_active(Mutant::kStalenessInSeconds) ? refresh_ms * kSecond : millis(refresh_ms);
    return max_age > 0 && ctx.env().now() - fetched_at_ >= max_age;
  }

  Reply refresh(ClientContext& ctx) {
    if (!pick_server(ctx)) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    const Time asked = ctx.env().now();
    const std::uint64_t fetch = ++fetches_;
    Reply state = ctx.fetch_state(server_);
    if (!state.ok()) {
      forget_server(state.status.code);
      return state;
    }
    // Calls on this node share the copy and run concurrently: while this fetch was out, another
    // call may have written and installed a copy fetched later (or dropped the copy after its
    // write). An answer to an earlier fetch may be older than that write (its reply can arrive
    // last), so it must not replace the newer copy: the writer would not read its write. Fetches
    // are ordered by when they were sent, counted, not by the clock (which a fault can set back).
    if (fetch <= installed_) {
      if (copy_) return Reply::ok({});
      return Reply::error(Code::kUnavailable, "a state fetched before this client's last write was discarded");
    }
    copy_ = ctx.make_local_copy(state.value);
    fetched_at_ = asked;  // the copy is at least as new as the moment we asked
    installed_ = fetch;
    return state;
  }

  bool pick_server(ClientContext& ctx) {
    if (!server_.valid()) server_ = ctx.ref_request();
    return server_.valid();
  }
  void forget_server(Code c) {
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
  }

  ReplicaRef server_;
  std::unique_ptr<LocalCopy> copy_;
  Time fetched_at_ = 0;
  std::uint64_t fetches_ = 0;    // fetches sent so far; each one's number is its order
  std::uint64_t installed_ = 0;  // no fetch numbered up to this may install its copy
};

}  // namespace

DmDescriptor write_through_caching() {
  DmDescriptor d;
  d.name = "WriteThroughCaching";
  d.category = "caching";
  d.summary = "writes go to the server and refresh the copy; reads use the copy while it is fresh";
  d.paper = "WriteThroughCaching";
  d.source = "dms/write_through_caching.h";
  d.guarantee =
      "Mutating calls are forwarded to the server replica, which orders them; after each one this client "
      "refreshes its copy from the server, so it reads its own writes. Read-only calls run on the local copy, "
      "without an RPC, while the copy is younger than refreshMs; an older copy is refreshed first "
      "(fetch_state), so reads may miss other clients' writes for at most refreshMs (refreshMs 0: only this "
      "client's own writes refresh it).";
  d.tolerates =
      "Server loss or partition for reads: when a refresh fails the last copy answers (staleness then exceeds "
      "refreshMs). Writes need the server.";
  d.caveats = "Methods run on the copy run on the client's node: runtime() is the client's kernel.";
  d.config = {ConfigKey{"refreshMs", Value::Kind::kInt, Value(1000), "maximum age of the copy serving reads (0: only this client's own writes refresh it)", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = [] { return std::make_unique<WriteThroughClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
