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
  d.make_client = [] { return std::make_unique<ImmutableClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
