// One Raft replica (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", and
// Ongaro's thesis for pre-vote, single-server membership changes and snapshots), written against
// a small Host interface so that the DM glue (consensus_rsm.cc) stays thin.
//
// Execution: everything runs on the node's one logical thread, in execution contexts:
//   tick      election timer (followers) / check-quorum (leader)
//   apply     applies committed entries in log order, resolves the calls waiting for them
//   replicate one per peer while leading: AppendEntries / InstallSnapshot / heartbeats; with
//             pipelining (Options::max_inflight > 1) it spawns one "raft-append" context per message,
//             so that several appends are in flight at once
//   members   while leading: turns the group's live member list into configuration changes
//   vote      one per peer per election round
// State may change across every blocking call (send, apply, wait), so each loop re-checks that
// it is still relevant (same term, still leader, not stopped) after it blocks.
//
// Lifetime: the node is shared by its loops (shared_ptr); stop() detaches it from the Host, whose
// ServerContext dies with the kernel object, and wakes every loop so that it exits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dms/raft/event.h"
#include "dms/raft/raft_log.h"
#include "dms/raft/raft_store.h"
#include "dms/raft/sessions.h"
#include "runtime/dm.h"

namespace amino::dms::raft {

struct Options {
  Duration election_min = 300 * kMillisecond;  // randomized election timeout, uniform in [min, max]
  Duration election_max = 600 * kMillisecond;
  Duration heartbeat = 50 * kMillisecond;      // leader -> followers when idle
  Duration rpc_timeout = 100 * kMillisecond;   // one peer message (vote, append, snapshot)
  std::int64_t snapshot_every = 100;           // applied entries between snapshots
  std::int64_t max_batch = 64;                 // entries per AppendEntries
  Duration dedup_ttl = 60 * kSecond;           // how long a reply is kept for retried calls
  Duration membership_poll = kSecond;          // leader re-reads the group's members this often
  // Pipelining: AppendEntries messages in flight per follower. 1 = stop-and-wait (each message
  // waits for the previous reply, the original behaviour); more lets a new entry leave at once
  // instead of waiting for the round in flight. Entries in flight per follower are bounded by
  // max_inflight * max_batch. After a rejection or a failure the leader probes one message at a
  // time until the follower accepts again.
  std::int64_t max_inflight = 8;
};

// What the node needs from its surroundings (implemented by the ConsensusRSM server DM).
class Host {
 public:
  virtual ~Host() = default;
  virtual ReplicaRef self() const = 0;
  virtual Reply send(const ReplicaRef& to, const Value& msg, Duration timeout) = 0;
  // Runs one committed call on the object (through the outer server DMs).
  virtual Reply apply(Invocation& inv) = 0;
  virtual Value snapshot_object() = 0;
  virtual void restore_object(const Value& state) = 0;
  virtual std::vector<ReplicaRef> live_members() = 0;  // the group's view (OMS); empty if unknown
  virtual void tell_group(const Value& msg) = 0;
};

// Identity of one application call, for duplicate suppression: (session, call id); an empty
// session turns suppression off for that call.
struct CallMeta {
  SessionId session;
  std::uint64_t call_id = 0;
};

enum class Role { kFollower, kCandidate, kLeader };

class RaftNode : public std::enable_shared_from_this<RaftNode> {
 public:
  RaftNode(Env& env, Host& host, Options options, std::string storage_prefix);
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  // Recovers from storage (after a restart, or from `migrated`: the storage dump of the source of a
  // migration) and starts the loops. A replica with nothing stored waits to be bootstrapped (the
  // group's first replica) or to receive a snapshot from a leader (every later replica).
  void start(const Value* migrated);
  // Makes this replica the founder: a configuration of `members` (this replica alone when empty) whose
  // base is the object's current (freshly constructed) state. Refused once the replica has any Raft
  // state. A group whose members are fixed up front (the replicated OMS) founds with all of them, so
  // nothing commits on fewer than a majority of them; a DM group founds alone and grows as the OMS
  // adds replicas.
  Reply bootstrap(const std::vector<ReplicaRef>& members = {});
  void stop();
  // Migration: the state that travels with the chain. The source stops taking part afterwards,
  // since anything it acknowledged later would be missing at the destination.
  Value export_state();

  // The leader's half of an application call: append, replicate, wait until applied, reply.
  Reply submit(const Invocation& inv, const CallMeta& meta, Time deadline);
  // Messages from peer servers (votes, appends, snapshots).
  Reply handle(const ReplicaRef& from, const Value& msg);
  // The group's live members changed (OMS upcall): learn addresses; the leader reconfigures.
  void members_changed(const std::vector<ReplicaRef>& live);
  Value status() const;
  bool is_leader() const { return !stopped_ && role_ == Role::kLeader; }

 private:
  struct Peer {
    explicit Peer(Env& env) : wake(env) {}
    std::int64_t next = 1;
    std::int64_t match = 0;
    bool needs_snapshot = false;
    bool acked = false;  // answered an append or snapshot successfully at least once
    bool diverged = false;  // said our entries conflict with ones it committed (logged once)
    Time last_ack = 0;
    Event wake;
    // Pipelining (max_inflight > 1): `next` runs ahead of `match` as appends leave.
    std::int64_t inflight = 0;     // appends sent and not yet answered (or timed out)
    bool probing = true;           // one message at a time: until the first success, after a rejection
    bool failed = false;           // the last answer was a failure: resend at the heartbeat's pace
    std::int64_t sent_commit = 0;  // the highest commit index a message sent to it could carry
    Time last_sent = -kForever;
  };
  // What a replication reply said, after the bookkeeping both replication modes share.
  enum class ReplyKind { kFailed, kDeposed, kOk, kSnapshot, kDiverged, kMismatch };
  struct Waiter {
    std::int64_t term = 0;
    std::shared_ptr<Signal> done;
    std::optional<Reply> result;
  };
  struct Pending {
    std::int64_t index = 0;
    std::int64_t term = 0;
  };
  struct Ballot {
    explicit Ballot(Env& env) : event(env) {}
    std::size_t granted = 1;  // our own vote
    std::size_t answered = 0;
    std::int64_t higher_term = 0;
    Event event;
  };

  // Recovery and persistence.
  void recover(const Store::Loaded& loaded);
  void persist_hard_state();
  std::int64_t append_local(Entry e);
  void truncate_from(std::int64_t index);
  void install_snapshot(const SnapshotRec& s, Sessions sessions);  // sessions: s.sessions, decoded
  void maybe_snapshot();

  // Configuration.
  std::vector<std::string> learn_members(const Value& members);
  Value members_value(const std::vector<std::string>& rids) const;
  std::vector<std::string> config_at(std::int64_t index) const;
  void recompute_config();
  bool is_voter(const std::string& rid) const;

  // Roles and elections.
  void tick_loop();
  void reset_election_deadline();
  bool can_campaign() const;
  void campaign();
  bool poll(bool pre_vote, Time started);
  bool still_polling(bool pre_vote, std::int64_t term, Time started) const;
  void become_follower(std::int64_t term);
  void accept_leader(std::int64_t term, const std::string& leader, const ReplicaRef& from);
  void become_leader();
  void check_quorum();
  // Whether a majority of `config` answered us lately (ourselves included when in it); with
  // `answered`, a peer counts only once it acknowledged an append in this term (not on the grace
  // period a leader gives each peer as it starts).
  bool heard_from_majority(const std::vector<std::string>& config, bool answered = false) const;
  bool log_up_to_date(std::int64_t last_index, std::int64_t last_term) const;
  bool leading(std::int64_t term) const { return !stopped_ && role_ == Role::kLeader && term_ == term; }

  // Leader: replication and commitment.
  void ensure_peer(const std::string& rid);
  void replicate_loop(std::string rid, std::shared_ptr<Peer> peer, std::int64_t term);
  void pipeline_loop(const std::string& rid, const std::shared_ptr<Peer>& p, std::int64_t term);
  bool wants_append(const Peer& p) const;
  void send_append(const std::string& rid, const std::shared_ptr<Peer>& p, std::int64_t term);
  void on_pipelined_reply(Peer& p, std::int64_t sent_next, const Reply& r);
  ReplyKind read_reply(Peer& p, const Reply& r);
  bool peer_current(const std::string& rid, const std::shared_ptr<Peer>& p) const;
  Value append_message(std::int64_t next) const;
  Value install_message() const;
  // Updates the peer from its reply; true when it should get the next message at once (it is
  // behind, or we are walking back after a mismatch), false to wait for new entries or a heartbeat.
  bool on_replication_reply(Peer& p, const Reply& r);
  void wake_replicators();
  void advance_commit();
  void members_loop(std::int64_t term);
  void reconcile_members();
  void propose_config(std::vector<std::string> rids);

  // Followers: message handlers.
  Reply on_pre_vote(const Value& m);
  Reply on_request_vote(const Value& m);
  Reply on_append(const ReplicaRef& from, const Value& m);
  Reply on_install(const ReplicaRef& from, const Value& m);

  // Applying.
  void apply_loop();
  Reply apply_entry(const Entry& e);
  void resolve_waiters(std::int64_t index, std::int64_t term, const Reply& r);
  void fail_waiters(std::int64_t from, std::int64_t to, const Reply& r);
  Reply not_leader() const;
  Reply session_expired(std::uint64_t call_id) const;

  // Host access, refused once stopped (the Host may be gone).
  Reply send_to(const std::string& rid, const Value& msg);

  // Probes (runtime/probe.h, docs/faults.md "Probes"): protocol events for invariant checkers and
  // triggered faults; nothing is built when nobody listens.
  void probe_entry(const char* kind, std::int64_t index, const Entry& e);

  Env& env_;
  Host* host_;
  Options opts_;
  Store store_;
  std::string self_rid_;
  std::string group_;  // the Raft group's identity, shared by its replicas (the DM group's id)

  // Persistent state (mirrored in the store).
  std::int64_t term_ = 0;
  std::string voted_for_;
  Log log_;
  SnapshotRec snap_;
  bool initialized_ = false;  // has a base (bootstrapped, recovered, or installed a snapshot)

  // Configuration: the latest config entry in the log (effective on append), or the snapshot's.
  std::vector<std::string> config_;       // voter rids, sorted
  std::int64_t config_index_ = 0;
  std::vector<std::string> snap_config_;  // voters as of the snapshot base
  std::map<std::string, ReplicaRef> addrs_;
  std::vector<std::string> live_;         // the group's live members (OMS), sorted rids
  bool live_known_ = false;

  // Volatile state.
  Role role_ = Role::kFollower;
  std::string leader_;  // rid of the leader we follow, empty if unknown
  std::int64_t commit_ = 0;
  std::int64_t applied_ = 0;
  Time election_deadline_ = kForever;
  Time last_leader_contact_ = -kForever;
  Time leader_since_ = 0;
  std::int64_t term_start_ = 0;  // index of this leader's no-op
  std::map<std::string, std::shared_ptr<Peer>> peers_;
  std::map<std::int64_t, std::vector<std::shared_ptr<Waiter>>> waiters_;  // by log index
  std::map<std::pair<SessionId, std::uint64_t>, Pending> pending_;     // calls in the log, not applied
  Sessions sessions_;

  bool stopped_ = false;
  bool frozen_ = false;    // migrated out: takes no further part
  bool applying_ = false;  // the apply loop is inside Host::apply
  Event tick_event_;
  Event apply_event_;
  Event applied_event_;
  Event members_event_;
};

}  // namespace amino::dms::raft
