// Registration of the replication DMs (ConsensusRSM variants) and their rules.
#include "dms/all.h"

namespace amino::dms {

void register_replication(DmRegistry&) {}

}  // namespace amino::dms
