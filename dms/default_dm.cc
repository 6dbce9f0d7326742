#include "dms/default_dm.h"

namespace amino::dms {

namespace {

class DefaultClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Reply r = ctx.forward(server_, inv);
    // The replica is gone or unreachable: choose again on the next call (Amino.Run re-fetches too).
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
    return r;
  }

 private:
  ReplicaRef server_;
};

}  // namespace

DmDescriptor default_dm() {
  DmDescriptor d;
  d.name = "DefaultDM";
  d.summary = "forwards every call to one replica";
  d.make_client = [] { return std::make_unique<DefaultClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
