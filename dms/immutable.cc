#include "dms/immutable.h"

namespace amino::dms {

namespace {

class ImmutableClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (!inv.read_only) {
      return Reply::error(Code::kAborted, "Immutable: " + ctx.microservice() + "." + inv.method +
                                              " mutates the object; an Immutable microservice accepts "
                                              "read-only methods only");
    }
    if (!copy_) {
      Reply fetched = fetch(ctx);
      if (!fetched.ok()) return fetched;
    }
    return copy_->invoke(inv);
  }

 private:
  Reply fetch(ClientContext& ctx) {
    const ReplicaRef from = ctx.ref_request();
    if (!from.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Reply state = ctx.fetch_state(from);
    if (!state.ok()) return state;
    copy_ = ctx.make_local_copy(state.value);
    return state;
  }

  std::unique_ptr<LocalCopy> copy_;
};

}  // namespace

DmDescriptor immutable() {
  DmDescriptor d;
  d.name = "Immutable";
  d.category = "caching";
  d.summary = "clients fetch the state once and run read-only calls on a local copy; writes are rejected";
  d.paper = "Immutable";
  d.source = "dms/immutable.h";
  d.guarantee =
      "The first call through a client fetches the object's state from one replica "
      "(ClientContext::fetch_state) and builds a local copy; that call and every later read-only call run on "
      "the copy with no RPC. Calls to mutating methods are rejected with kAborted (not forwarded: a write "
      "would make the copies disagree, which breaks the DM's premise); the object is still built with its "
      "constructor arguments at creation.";
  d.tolerates =
      "Loss, partition or migration of every server replica after the fetch. Before the fetch, a failed fetch "
      "is reported (retryable code) and the next call asks the group again.";
  d.caveats = "Methods run on the copy run on the client's node: runtime() is the client's kernel.";
  d.make_client = [] { return std::make_unique<ImmutableClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
