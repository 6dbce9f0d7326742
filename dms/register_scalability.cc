// Registration of the scalability DMs (LoadBalancedFrontEnd, ScaleUpFrontEnd,
// LoadBalancedMasterSlave), their category and rules.
#include "dms/all.h"
#include "dms/load_balanced_front_end.h"
#include "dms/load_balanced_master_slave.h"
#include "dms/scale_up_front_end.h"

namespace amino::dms {

void register_scalability(DmRegistry& registry) {
  registry.add(load_balanced_front_end());
  registry.add(scale_up_front_end());
  // In category "replication" (with ConsensusRSM, described in register_replication.cc): around a
  // Raft group its state installs into one member would bypass the log; inside one, every Raft
  // member would be a master-slave group of its own.
  registry.add(load_balanced_master_slave());
  registry.describe_category("load-balancing",
                             "each one's group makes its own set of independent replicas and its client spreads calls "
                             "over them; one inside the other would multiply the replicas (every outer replica a group "
                             "of inner ones) and reject and scale them against each other");
  // Caches that change a replica's object outside of calls, or serve copies the master's state
  // installs never reach.
  registry.forbid("LoadBalancedMasterSlave", "LeaseCaching",
                  "the lease holder runs writes on a copy on the client and writes it back into one replica's object "
                  "outside of calls, so the master never replicates them and reads at other replicas miss them");
  registry.forbid("LoadBalancedMasterSlave", "ExplicitCaching",
                  "a push writes the client's copy into one replica's object outside of calls, so the master never "
                  "replicates it and the replicas diverge");
  registry.forbid("LoadBalancedMasterSlave", "ConsistentCaching",
                  "the master installs its state into each slave's object outside of calls, which the slave's "
                  "ConsistentCaching primary would not invalidate in its copies: they would serve stale reads beyond "
                  "its guarantee");
  // Inside the master-slave group, each master or slave would be a group of independent front-end
  // replicas: the state the master sends installs into one of them only, and a write runs on one.
  for (const char* front : {"LoadBalancedFrontEnd", "ScaleUpFrontEnd"}) {
    registry.forbid("LoadBalancedMasterSlave", front,
                    "each master or slave would be a group of independent front-end replicas: a write runs on one of "
                    "them and the replicated state installs into one of them, so the others diverge");
  }
}

}  // namespace amino::dms
