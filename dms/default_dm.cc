#include "dms/default_dm.h"

#include "dms/support.h"

namespace amino::dms {

DmDescriptor default_dm() {
  DmDescriptor d;
  d.name = "DefaultDM";
  d.summary = "forwards every call to one replica";
  d.paper = "Amino.Run DefaultPolicy";
  d.source = "dms/default_dm.h";
  d.guarantee =
      "None beyond the kernel's: calls are forwarded to one replica chosen by the group; a client whose "
      "replica disappears (failure, termination) asks the group for another on its next call.";
  d.tolerates = "Migration (the kernel repairs stale locations); nothing else.";
  d.make_client = make_forwarding_client;
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

}  // namespace amino::dms
