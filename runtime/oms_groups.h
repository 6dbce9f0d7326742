// The OMS's groups: every microservice's group tree (one group per DM level, replicas, the physical
// objects beneath), the DM group components hosted here and the library calls they make —
// placement, replication, stop-and-copy migration, termination — and failure delivery when
// membership loses a node or sees it return.
//
// Group trees: an outer DM's replicas are logical, each realized by a fresh inner group; the
// innermost DM's replicas are physical kernel objects ("stacks": the object with its server DM
// chain). Group on_create runs innermost first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/oms_membership.h"
#include "runtime/oms_naming.h"
#include "runtime/protocol.h"

namespace amino {

// One migration as the OMS saw it (bench, tests, amino-ctl events). `pause`: how long the object
// refused calls, from the source's quiesce to the drop of the source after the install (within
// one one-way message latency: stop-and-copy counts from sending ks.quiesce, live from the
// source's own clock).
struct MigrationRecord {
  std::uint64_t oid = 0;
  NodeId from, to;
  bool live = false;
  Status status;
  Duration pause = 0;
  Duration total = 0;
  std::int64_t rounds = 0, precopy_bytes = 0, final_bytes = 0;
};

class Groups : public MembershipListener {
 public:
  Groups(OmsCore& core, Naming& naming, Membership& membership);
  ~Groups() override;
  Groups(const Groups&) = delete;
  Groups& operator=(const Groups&) = delete;

  // Creates `ms`'s root group and its first replica on `node` (from the spec's args), then runs
  // the root group's on_create. Sets ms.root_gid.
  Reply create_tree(MicroServiceRec& ms, const NodeId& node, const NodeId& by);
  void destroy_group(const std::string& gid);

  // Live nodes where a replica of `spec` may go, for the DM levels from `from_level` inward.
  // In id order; use at once (see NodeCandidates).
  NodeCandidates candidates(const MicroServiceSpec& spec, std::size_t from_level) const;
  // One of `nodes` (seeded draw), preferring those not already hosting a replica of avoid_gid.
  NodeId pick_node(const NodeCandidates& nodes, const std::string& avoid_gid);

  // The group library calls (GroupContext), also reachable by kernel servers' DMs through the OMS.
  ReplicaRef replicate(const std::string& gid, const std::string& from_rid, const NodeId& where);
  Status pin(const std::string& rid, const NodeId& node, const MigrateOptions& how = {});  // the whole chain beneath rid
  Status terminate(const std::string& rid);
  Status migrate(const MicroServiceRec& ms, const NodeId& node, const MigrateOptions& how = {});  // first live root replica

  // Upcalls into a live group's DM; kNoSuchMicroService if the group is gone.
  Reply ref_request(const std::string& gid, const NodeId& client);
  Reply notification(const std::string& gid, const Value& msg);
  void high_latency(const std::string& gid, const std::string& rid, const NodeId& client, std::int64_t latency_ns);
  void low_memory(std::uint64_t oid);

  // Lookups.
  bool has_live_group(const std::string& gid) const;
  std::vector<ReplicaRef> replicas(const std::string& gid) const;  // live members
  std::vector<std::uint64_t> stacks_of(const std::string& ms) const;  // live physical replicas
  NodeId location(std::uint64_t oid) const;  // empty if unknown
  bool is_live_object(std::uint64_t oid) const;
  bool is_moving(std::uint64_t oid) const { return moving_.count(oid) != 0; }  // a migration under way
  GroupDM* group_dm(const std::string& gid) const;
  const std::vector<MigrationRecord>& migrations() const { return migrations_; }  // the latest 64

  // MembershipListener: failure delivery and reconciliation (oms_failures.cc).
  bool places(const NodeId& node, std::uint64_t oid) const override;
  void on_node_lost(const NodeId& node) override;
  void on_node_return(const NodeReturn& r) override;
  void on_leader_change() override { resume_after_leader_change(); }

  // The replicated state (oms_state.cc): groups, replicas and physical objects. An import keeps
  // the DM group component of every group it knew already and makes a fresh one (on_create not
  // run) for the others; components of groups that disappear are kept until destruction, since a
  // context may still be inside one of their upcalls.
  void export_state(ValueMap& out) const;
  void import_state(const Value& state);

  // A replicated OMS's new leader, once it serves (from the node-event context, before any node
  // event): finishes what the previous leader committed as under way (oms_resume.cc) — migrations
  // (completed if the switch was committed, else rolled back), the groups' library calls, the
  // onFailure deliveries of a node death — then tells every live group's component
  // (GroupDM::on_leader_change).
  void resume_after_leader_change();

 private:
  class Ctx;  // GroupContext of one group
  struct StackRec {
    StackSpec spec;
    NodeId node;
    bool alive = true;
  };
  struct ReplicaRec {
    ReplicaRef ref;
    int level = 0;
    std::vector<std::pair<std::string, std::string>> outer;  // (gid, rid) of enclosing levels
    std::vector<std::uint64_t> stacks;                       // physical replicas beneath
    bool alive = true;
    bool terminated = false;  // removed on purpose (never revived), as opposed to failed
  };
  struct GroupRec {
    std::string gid, ms, parent_rid;
    int level = 0;
    std::unique_ptr<GroupDM> dm;
    std::unique_ptr<Ctx> ctx;
    std::vector<std::string> members;  // rids, in creation order
    bool destroyed = false;
  };
  struct Init {  // how a new physical replica gets its state
    ValueList args;
    Value state;  // a StackState; null: construct from args
  };

  std::string new_group(const std::string& ms, int level, const std::string& parent_rid);
  Reply create_replica(const std::string& gid, const NodeId& node, const Init& init,
                       std::vector<std::pair<std::string, std::string>> outer);
  Status migrate_stack(std::uint64_t oid, const NodeId& dst, const MigrateOptions& how);
  Status stop_and_copy(std::uint64_t oid, const NodeId& dst, MigrationRecord& rec);
  Status migrate_stack_live(std::uint64_t oid, const NodeId& dst, const MigrateOptions& how,
                            MigrationRecord& rec);  // oms_live_migration.cc
  void notify_membership(const std::string& gid);
  void switch_location(std::uint64_t oid, const NodeId& dst);  // the object and its replicas' refs
  const std::string& dm_name(const GroupRec& g) const;
  // oms_failures.cc
  // `resumed`: a delivery a previous leader began (the replica may already be marked failed).
  void fail_replica(const std::string& rid, bool resumed = false);
  void reconcile(const NodeId& node, std::uint64_t oid);

  GroupRec* group(const std::string& gid);
  GroupRec* live_group(const std::string& gid);
  ReplicaRec* replica(const std::string& rid);

  OmsCore& core_;
  Naming& naming_;
  Membership& membership_;
  std::map<std::string, GroupRec> groups_;
  std::map<std::string, ReplicaRec> replicas_;
  std::map<std::uint64_t, StackRec> stacks_;
  std::set<std::uint64_t> moving_;  // objects being migrated
  // A replicated OMS's write-ahead records (empty with a single OMS, which never fills them):
  // committed before the action they name starts, removed when it is done, so that a new leader
  // knows what its predecessor left unfinished (resume_after_leader_change).
  struct Intent {  // a library call of a group component: replicate, pin, terminate, notify
    std::string gid, op;
    Value args;
  };
  struct Move {  // a migration: committed before the source is quiesced
    NodeId src, dst;
    std::string mid;  // a live migration's id (empty: stop-and-copy)
  };
  std::map<std::string, Intent> intents_;                // by id ("i<n>")
  std::map<std::string, NodeId> undelivered_;           // rid -> its node: onFailure not delivered yet
  std::map<std::uint64_t, Move> migrating_;               // by object id
  bool replicated() const { return core_.replication != nullptr; }
  // Commits the state as it is now (a replicated OMS; a single one: nothing, true). False when this
  // replica no longer leads: the caller must not carry out what it was about to do.
  bool commit_ahead();
  // A library call of group `gid`'s component, recorded and committed before it runs; "" when
  // this replica does not lead anymore (do nothing), the intent's id otherwise (kept until
  // end_intent; a single OMS records nothing and gets "-").
  std::string begin_intent(const std::string& gid, const char* op, Value args);
  void end_intent(const std::string& id);
  void resume_intent(const Intent& in);      // oms_resume.cc
  void resume_migration(std::uint64_t oid, const Move& m);
  void deliver_failures(const NodeId& node, const std::vector<std::string>& rids);  // oms_failures.cc
  std::vector<MigrationRecord> migrations_;
  // Records an import removed, kept alive (import_state).
  std::vector<std::map<std::string, GroupRec>::node_type> parked_groups_;
  std::vector<std::map<std::string, ReplicaRec>::node_type> parked_replicas_;
  std::vector<std::map<std::uint64_t, StackRec>::node_type> parked_stacks_;
  void remember(MigrationRecord r);
};

}  // namespace amino
