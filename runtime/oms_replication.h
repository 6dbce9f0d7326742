// A replicated OMS's link to its consensus log. The OMS itself knows nothing of Raft:
// replicated_oms/ implements this on dms/raft and a composition root (amino-oms --peers, the
// testbed's clusters) attaches it with Oms::replicate_with. Without one (the default) the OMS is a
// single process that always serves, exactly as before.
//
// The contract: only the replica that leads and has taken over the replicated state serves
// requests, runs failure detection and drives group DMs; every change of the OMS state
// (oms_state.cc: nodes, microservices, names, groups, replicas, objects, the id counter) is
// committed to a majority before the request that made it is answered.
#pragma once

#include "runtime/status.h"

namespace amino {

class OmsReplication {
 public:
  virtual ~OmsReplication() = default;
  // Leads and serves (non-blocking: the takeover after an election runs elsewhere).
  virtual bool serving() const = 0;
  // The answer to a request a replica that does not serve: kNotLeader, its message ending in
  // "leader=<node>" when the leader is known (Kernel::oms_call follows it).
  virtual Reply redirect() const = 0;
  // Commits every change made to the OMS state since the last commit and blocks until a majority
  // applied it; an error when it could not (this replica then stops serving until it takes over
  // again from the committed state).
  virtual Status commit() = 0;
  // The same, from code that must not block (cast handlers, timers): done soon in a context.
  virtual void commit_soon() = 0;
  // Confirms, with a round trip to a majority, that this replica still leads, before an action
  // that nobody could undo (dropping an object, delivering a failure): a leader cut off from the
  // others keeps believing it leads until its check-quorum deadline, and must not act meanwhile.
  virtual Status fence() = 0;
};

}  // namespace amino
