// One replica of a replicated OMS: the OMS's state (runtime/oms_state.cc) as a state machine on
// the project's Raft (dms/raft/raft_node.h, through RaftNode's public API and its Host only).
//
// Only the leader serves. After its election it commits a barrier, so that everything committed
// before is applied, imports the committed state into its Oms and then serves requests, detects
// failures and drives the group DMs; each change it makes goes into the log as a delta of the
// state (oms_state_delta.h) before the request that made it is answered. Followers apply the
// deltas to the committed state only, and redirect requests to the leader ("leader=<node>").
// Raft snapshots are the committed state; the log and snapshots live in Env::storage() under
// "oms/raft/", so a replica restarted with its storage catches up from there and its peers.
//
// The replica group is fixed (the peer list). The first peer in id order founds it, unless a peer
// already has Raft state, with every peer a voter from the start: nothing commits on fewer than a
// majority of the peers (a founder alone serves nothing), and the others, empty until the founder's
// snapshot reaches them, vote for it. A fresh group's first start therefore needs its founder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dms/raft/raft_node.h"
#include "runtime/oms.h"
#include "runtime/oms_replication.h"

namespace amino::replicated_oms {

struct OmsReplicaOptions {
  std::vector<NodeId> peers;  // every replica's node id, this one's included
  dms::raft::Options raft;
  Duration commit_timeout = 5 * kSecond;  // one commit, the wait for earlier ones included
  Duration poll = 50 * kMillisecond;      // leadership checks; background changes are committed this often
  Duration probe_timeout = 500 * kMillisecond;  // the founder asking its peers whether a group exists
};

inline constexpr const char* kRaftService = "oms.raft";      // Raft messages between replicas
inline constexpr const char* kInfoService = "oms.raft.info";  // {initialized}: for the founder

class OmsReplica : public OmsReplication, private dms::raft::Host {
 public:
  // Attaches itself to `oms` (Oms::replicate_with); construct before oms.start().
  OmsReplica(Rpc& rpc, Oms& oms, OmsReplicaOptions options);
  ~OmsReplica() override;
  OmsReplica(const OmsReplica&) = delete;
  OmsReplica& operator=(const OmsReplica&) = delete;

  void start();
  void stop();

  // OmsReplication.
  bool serving() const override { return serving_ && !stopped_ && node_ && node_->is_leader(); }
  Reply redirect() const override;
  Status commit() override;
  void commit_soon() override { dirty_ = true; }
  Status fence() override;

  // Introspection (tests, tools): Raft's status plus "serving".
  Value status() const;
  const Value& committed_state() const { return committed_; }

 private:
  // dms::raft::Host.
  ReplicaRef self() const override { return ref_of(env_.self()); }
  Reply send(const ReplicaRef& to, const Value& msg, Duration timeout) override;
  Reply apply(Invocation& inv) override;
  Value snapshot_object() override { return committed_; }
  void restore_object(const Value& state) override;
  std::vector<ReplicaRef> live_members() override;
  void tell_group(const Value&) override { wake_.notify(); }  // elected: take over at once

  static ReplicaRef ref_of(const NodeId& node);
  void watch_loop();
  void take_over(std::int64_t term);
  bool group_exists_elsewhere();

  Rpc& rpc_;
  Env& env_;
  Oms& oms_;
  OmsReplicaOptions opts_;
  std::shared_ptr<dms::raft::RaftNode> node_;
  Value committed_ = ValueMap{};  // the state machine: the same on every replica at the same index
  Value base_;                    // leader: the state as of its last commit
  bool serving_ = false;
  std::int64_t serving_term_ = 0;
  bool committing_ = false;
  std::vector<std::shared_ptr<Signal>> commit_waiters_;
  bool dirty_ = false;
  bool stopped_ = false;
  dms::raft::Event wake_;
};

}  // namespace amino::replicated_oms
