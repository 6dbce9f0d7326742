#include "dms/consensus_rsm.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "dms/raft/raft_node.h"
#include "dms/support.h"
#include "runtime/mutants.h"

namespace amino::dms {

namespace {

std::int64_t config_int(const DmConfig& c, const char* key, std::int64_t fallback) {
  auto it = c.find(key);
  return it == c.end() || !it->second.is<std::int64_t>() ? fallback : it->second.as_int();
}

bool config_bool(const DmConfig& c, const char* key, bool fallback) {
  auto it = c.find(key);
  return it == c.end() || !it->second.is<bool>() ? fallback : it->second.as_bool();
}

Duration config_ms(const DmConfig& c, const char* key, std::int64_t fallback_ms) {
  return millis(config_int(c, key, fallback_ms));
}

raft::Options raft_options(const DmConfig& c) {
  raft::Options o;
  o.election_min = config_ms(c, "electionTimeoutMinMs", 300);
  o.election_max = std::max(o.election_min, config_ms(c, "electionTimeoutMaxMs", 600));
  o.heartbeat = config_ms(c, "heartbeatMs", 50);
  o.rpc_timeout = config_ms(c, "rpcTimeoutMs", 100);
  o.snapshot_every = std::max<std::int64_t>(1, config_int(c, "snapshotEvery", 100));
  o.max_batch = std::max<std::int64_t>(1, config_int(c, "maxBatch", 64));
  o.max_inflight = std::max<std::int64_t>(1, config_int(c, "maxInflight", raft::Options{}.max_inflight));
  o.dedup_ttl = config_ms(c, "dedupTtlMs", 60000);
  o.membership_poll = config_ms(c, "membershipPollMs", 1000);
  return o;
}

// ---- Client ---------------------------------------------------------------------------------------

// Follows the leader: starts at the group's idea of the leader, follows kNotLeader hints, and
// after a timeout or a broken connection avoids that replica for an election timeout (its hints
// may name a leader that is gone) while trying the others, until the call's deadline.
class ConsensusClient : public ClientDM {
 public:
  void on_create(ClientContext& ctx) override {
    attempt_timeout_ = config_ms(ctx.config(), "attemptTimeoutMs", 400);
    avoid_for_ = config_ms(ctx.config(), "electionTimeoutMaxMs", 600);
    local_reads_ = config_bool(ctx.config(), "localReads", false);
  }

  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (local_reads_ && inv.read_only) {
      if (auto r = read_locally(inv, ctx)) return *r;
    }
    Env& env = ctx.env();
    Reply last = Reply::error(Code::kTimeout, "no replica answered");
    Duration backoff = 5 * kMillisecond;
    while (env.now() < inv.deadline) {
      const ReplicaRef to = pick(ctx);
      if (!to.valid()) {
        pause(env, inv.deadline, backoff);
        continue;
      }
      Invocation attempt = inv;
      attempt.deadline = std::min(inv.deadline, deadline_after(env.now(), attempt_timeout_));
      const Time sent_at = env.now();
      Reply r = ctx.forward(to, attempt);
      if (r.ok() || !is_retryable(r.status.code)) {
        if (r.ok()) leader_ = to;
        return r;
      }
      last = r;
      // A failure that took no time (a reset connection, a refused replica) must not turn into a
      // busy loop: back off before the next attempt, whatever it is.
      if (env.now() == sent_at) pause(env, inv.deadline, backoff);
      if (r.status.code == Code::kNotLeader) {
        if (!follow_hint(r.status.message, to, ctx)) pause(env, inv.deadline, backoff);  // electing
        continue;
      }
      const Code c = r.status.code;
      if (c == Code::kTimeout || c == Code::kUnreachable || c == Code::kNoSuchObject) {
        avoid_until_[to.rid] = deadline_after(env.now(), avoid_for_);
      } else {
        pause(env, inv.deadline, backoff);  // migrating, overloaded, unavailable: retry shortly
      }
      if (leader_.rid == to.rid) leader_ = {};
      ++cursor_;
    }
    return Reply::error(Code::kTimeout, inv.method + ": deadline passed (outcome unknown); last error: " +
                                            last.status.to_string());
  }

 private:
  // localReads: a read-only call goes to the replica on the caller's own node, if there is one,
  // which answers from its applied state (no log round). Failing that, the normal path.
  std::optional<Reply> read_locally(Invocation& inv, ClientContext& ctx) {
    if (members_.empty() || ctx.env().now() - refreshed_at_ > avoid_for_) refresh(ctx);
    for (const auto& r : members_) {
      if (r.node != ctx.env().self()) continue;
      Reply reply = ctx.forward(r, inv);
      if (reply.ok() || !is_retryable(reply.status.code)) return reply;
      return std::nullopt;
    }
    return std::nullopt;
  }

  static void pause(Env& env, Time deadline, Duration& backoff) {
    env.sleep_for(std::max<Duration>(0, std::min(backoff, deadline - env.now())));
    backoff = std::min<Duration>(backoff * 2, 100 * kMillisecond);
  }

  bool avoided(const std::string& rid, Time now) const {
    auto it = avoid_until_.find(rid);
    return it != avoid_until_.end() && now < it->second;
  }

  ReplicaRef pick(ClientContext& ctx) {
    const Time now = ctx.env().now();
    if (leader_.valid() && !avoided(leader_.rid, now)) return leader_;
    if (members_.empty()) {
      leader_ = ctx.ref_request();  // the group names the leader it last heard of
      refresh(ctx);
      if (leader_.valid() && !avoided(leader_.rid, now)) return leader_;
    }
    if (members_.empty()) return {};
    if (const ReplicaRef* r = next_unavoided(now)) return *r;
    // Everyone we know is suspect: the group may have replaced them. Re-read it (not too often).
    if (now - refreshed_at_ > avoid_for_ / 2) {
      refresh(ctx);
      if (const ReplicaRef* r = next_unavoided(now)) return *r;
    }
    return members_[cursor_++ % members_.size()];  // keep trying anyway
  }

  const ReplicaRef* next_unavoided(Time now) {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const ReplicaRef& r = members_[(cursor_ + i) % members_.size()];
      if (!avoided(r.rid, now)) {
        cursor_ += i;
        return &r;
      }
    }
    return nullptr;
  }

  void refresh(ClientContext& ctx) {
    std::vector<ReplicaRef> fresh = ctx.replicas();
    if (!fresh.empty()) members_ = std::move(fresh);
    refreshed_at_ = ctx.env().now();
  }

  // kNotLeader messages end with "leader=<rid>" (empty when the replica knows no leader).
  bool follow_hint(const std::string& message, const ReplicaRef& from, ClientContext& ctx) {
    const auto at = message.rfind("leader=");
    if (at == std::string::npos) return false;
    const std::string rid = message.substr(at + 7);
    if (rid.empty() || rid == from.rid || avoided(rid, ctx.env().now())) {
      leader_ = {};
      ++cursor_;
      return false;
    }
    auto find = [&] {
      return std::find_if(members_.begin(), members_.end(), [&](const ReplicaRef& r) { return r.rid == rid; });
    };
    auto it = find();
    if (it == members_.end() && ctx.env().now() - refreshed_at_ > 50 * kMillisecond) {
      refresh(ctx);  // a replica we have not heard of yet (the group rebuilt one)
      it = find();
    }
    if (it == members_.end()) {
      leader_ = {};
      ++cursor_;
      return false;
    }
    leader_ = *it;
    return true;
  }

  Duration attempt_timeout_ = 400 * kMillisecond;
  Duration avoid_for_ = 600 * kMillisecond;
  bool local_reads_ = false;
  ReplicaRef leader_;
  std::vector<ReplicaRef> members_;
  std::size_t cursor_ = 0;
  std::map<std::string, Time> avoid_until_;
  Time refreshed_at_ = -kForever;
};

// ---- Server ---------------------------------------------------------------------------------------

// Glue between the kernel's ServerContext and the Raft node. The node outlives this object only
// inside its own loops, which stop touching the Host once on_destroy has run.
class ConsensusServer : public ServerDM, private raft::Host {
 public:
  void on_create(ServerContext& ctx) override {
    ctx_ = &ctx;
    raft::Host& host = *this;
    node_ = std::make_shared<raft::RaftNode>(ctx.env(), host, raft_options(ctx.config()), "raft/" + ctx.self().rid + "/");
    node_->start(migrated_.is_null() ? nullptr : &migrated_);
    migrated_ = {};
    local_reads_ = config_bool(ctx.config(), "localReads", false);
  }

  void on_destroy(ServerContext&) override {
    if (node_) node_->stop();
  }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    if (!node_) return Reply::error(Code::kUnavailable, "replica starting");
    // localReads: any replica answers a read from the state it has applied so far (possibly stale).
    if (local_reads_ && inv.read_only) return ctx.next(inv);
    // Mutant stale_leader_read: a replica that believes it leads answers reads without a log round.
    if (mutant_active(Mutant::kStaleLeaderRead) && inv.read_only && node_->is_leader()) return ctx.next(inv);
    // Duplicate suppression keys on (session, call id): the kernel keeps both stable across a DM's
    // retries, and a session is unique across processes, hosts and restarts.
    raft::CallMeta meta;
    if (!mutant_active(Mutant::kSessionNotPassed)) meta.session = inv.session;  // Mutant session_not_passed
    meta.call_id = inv.call_id;
    // Answer a little before the caller's deadline, so that the answer (often kTimeout: "outcome
    // unknown") arrives while the caller still listens.
    const Duration budget = std::min<Duration>(inv.deadline - ctx.env().now(), 5 * kSecond);
    const Time deadline = ctx.env().now() + budget - budget / 10;
    return node_->submit(inv, meta, deadline);
  }

  void on_membership_change(ServerContext&, const std::vector<ReplicaRef>& members) override {
    if (node_) node_->members_changed(members);
  }

  Value on_notification(ServerContext&, const Value& msg) override {
    if (!node_) return ValueMap{{"error", "replica starting"}};
    const Value* op = msg.find("op");
    if (op != nullptr && op->as_string() == "bootstrap") {
      Reply r = node_->bootstrap();
      return ValueMap{{"ok", r.ok()}, {"error", r.status.message}};
    }
    return node_->status();
  }

  Reply on_message(ServerContext&, const ReplicaRef& from, const Value& msg) override {
    if (!node_) return Reply::error(Code::kUnavailable, "replica starting");
    return node_->handle(from, msg);
  }

  Value snapshot() const override { return node_ ? node_->export_state() : Value(); }
  void restore(const Value& state) override { migrated_ = state; }

 private:
  // raft::Host. Each reads ctx_ before blocking and touches nothing of this object afterwards.
  ReplicaRef self() const override { return ctx_->self(); }
  Reply send(const ReplicaRef& to, const Value& msg, Duration timeout) override {
    return ctx_->send_to_peer(to, msg, timeout);
  }
  Reply apply(Invocation& inv) override { return ctx_->next(inv); }
  Value snapshot_object() override { return ctx_->snapshot_object(); }
  void restore_object(const Value& state) override { ctx_->restore_object(state); }
  std::vector<ReplicaRef> live_members() override { return ctx_->replicas(); }
  void tell_group(const Value& msg) override { (void)ctx_->notify_group(msg); }

  ServerContext* ctx_ = nullptr;
  bool local_reads_ = false;
  std::shared_ptr<raft::RaftNode> node_;
  Value migrated_;
};

// ---- Group ----------------------------------------------------------------------------------------

class ConsensusGroup : public GroupDM {
 public:
  explicit ConsensusGroup(RsmPlacement placement) : placement_(placement) {}

  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    for (const auto& n : ctx.nodes({})) {
      if (n.id == first.node) home_region_ = n.region;
    }
    callers_.push_back(ctx.creator());
    Reply r = ctx.notify_server(first, ValueMap{{"op", "bootstrap"}});
    if (!r.ok()) ctx.env().log(LogLevel::kError, "ConsensusRSM: bootstrap of " + first.rid + " failed: " + r.status.to_string());
    top_up(ctx);
  }

  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId& client) override {
    if (std::find(callers_.begin(), callers_.end(), client) == callers_.end() && callers_.size() < 256) {
      callers_.push_back(client);
    }
    for (const auto& r : ctx.replicas()) {
      if (r.rid == leader_rid_) return r;
    }
    return GroupDM::on_ref_request(ctx, client);
  }

  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    if (dead.rid == leader_rid_) leader_rid_.clear();
    top_up(ctx);
  }

  // A suspected replica comes back with its log: re-admitted while the group is short of its
  // configured size (it catches up through Raft), discarded once top_up has replaced it. Members
  // on servers already declared dead (their onFailure still queued) do not count: the returning
  // replica may be a voter the Raft quorum needs, and the replacement a learner that is not one
  // yet; discarding it then would leave the quorum to a dead member (mixed nemesis seeds 46, 87).
  bool on_rejoin(GroupContext& ctx, const ReplicaRef&) override {
    std::size_t live = 0;
    for (const auto& r : ctx.replicas()) live += is_live_server(ctx, r.node) ? 1 : 0;
    return live < static_cast<std::size_t>(config_int(ctx.config(), "replicas", 3));
  }

  Value on_notification(GroupContext&, const Value& msg) override {
    const Value* op = msg.find("op");
    if (op != nullptr && op->as_string() == "leader" && msg.at("term").as_int() >= leader_term_) {
      leader_rid_ = msg.at("rid").as_string();
      leader_term_ = msg.at("term").as_int();
    }
    return ValueMap{{"leader", leader_rid_}};
  }

  // A replicated OMS's new leader: the home region (cluster placement), the callers (P2P placement)
  // and the last leader heard of; then back to the configured size (a top-up may have been cut short).
  Value export_state() const override {
    return ValueMap{{"home_region", home_region_},
                    {"leader", leader_rid_},
                    {"term", leader_term_},
                    {"callers", ValueList(callers_.begin(), callers_.end())}};
  }
  void import_state(GroupContext&, const Value& s) override {
    home_region_ = s.at("home_region").as_string();
    leader_rid_ = s.at("leader").as_string();
    leader_term_ = s.at("term").as_int();
    callers_.clear();
    for (const auto& c : s.at("callers").as_list()) callers_.push_back(c.as_string());
  }
  void on_leader_change(GroupContext& ctx) override { top_up(ctx); }

 private:
  // Back to the configured number of replicas: each new one copies nothing but the chain (Raft
  // ignores the copied object state and sends the joiner a snapshot) and joins as a learner.
  void top_up(GroupContext& ctx) {
    const auto want = static_cast<std::size_t>(config_int(ctx.config(), "replicas", 3));
    for (std::size_t attempts = 0; attempts < 2 * want; ++attempts) {
      std::vector<ReplicaRef> live = ctx.replicas();
      if (live.size() >= want || live.empty()) return;
      const NodeId where = choose_node(ctx, live);
      if (where.empty()) {
        ctx.env().log(LogLevel::kWarn, "ConsensusRSM: no node for replica " + std::to_string(live.size() + 1) +
                                           " of " + std::to_string(want) + " in group " + ctx.group_id());
        return;
      }
      // Any live replica will do as the source of the chain; prefer the leader (surely reachable).
      std::stable_partition(live.begin(), live.end(), [&](const ReplicaRef& r) { return r.rid == leader_rid_; });
      bool made = false;
      for (const auto& from : live) {
        if (ctx.replicate(from, where).valid()) {
          made = true;
          break;
        }
      }
      if (!made) return;
    }
  }

  NodeId choose_node(GroupContext& ctx, const std::vector<ReplicaRef>& live) {
    std::set<NodeId> used;
    for (const auto& r : live) used.insert(r.node);
    std::vector<NodeInfo> candidates;
    for (auto& n : ctx.nodes(ctx.selector())) {
      if (used.count(n.id) == 0 && fits(ctx, n)) candidates.push_back(std::move(n));
    }
    if (placement_ == RsmPlacement::kGeo) candidates = least_used_regions(ctx, live, std::move(candidates));
    if (candidates.empty()) return {};
    if (placement_ == RsmPlacement::kP2P) {
      for (const auto& caller : callers_) {
        for (const auto& n : candidates) {
          if (n.id == caller) return n.id;
        }
      }
    }
    const auto i = ctx.env().rng().uniform_int(0, static_cast<std::int64_t>(candidates.size()) - 1);
    return candidates[static_cast<std::size_t>(i)].id;
  }

  bool fits(GroupContext& ctx, const NodeInfo& n) const {
    switch (placement_) {
      case RsmPlacement::kCluster:
        return n.region == home_region_;
      case RsmPlacement::kP2P: {
        const DmConfig& c = ctx.config();
        auto it = c.find("deviceLabel");
        const std::string label = it != c.end() && it->second.is<std::string>() ? it->second.as_string() : "role=client";
        const auto eq = label.find('=');
        const std::string key = label.substr(0, eq);
        const std::string* value = n.label(key);
        return value != nullptr && (eq == std::string::npos || *value == label.substr(eq + 1));
      }
      case RsmPlacement::kAny:
      case RsmPlacement::kGeo:
        return true;
    }
    return true;
  }

  // Geo: only the candidates in the regions that hold the fewest live replicas.
  static std::vector<NodeInfo> least_used_regions(GroupContext& ctx, const std::vector<ReplicaRef>& live,
                                                  std::vector<NodeInfo> candidates) {
    std::map<std::string, std::string> region_of;
    for (const auto& n : ctx.nodes({})) region_of[n.id] = n.region;
    std::map<std::string, int> count;
    for (const auto& n : candidates) count.emplace(n.region, 0);
    for (const auto& r : live) {
      auto it = count.find(region_of[r.node]);
      if (it != count.end()) ++it->second;
    }
    int fewest = 1 << 30;
    for (const auto& [region, k] : count) fewest = std::min(fewest, k);
    std::vector<NodeInfo> out;
    for (auto& n : candidates) {
      if (count[n.region] == fewest) out.push_back(std::move(n));
    }
    return out;
  }

  RsmPlacement placement_;
  std::string home_region_;
  std::string leader_rid_;
  std::int64_t leader_term_ = 0;
  std::vector<NodeId> callers_;  // creator first, then clients in order of first request
};

std::vector<ConfigKey> config_schema(RsmPlacement placement) {
  using K = Value::Kind;
  std::vector<ConfigKey> keys = {
      {"replicas", K::kInt, Value(3), "number of replicas (2f+1 tolerates f failures)", Value(1), Value(64)},
      {"electionTimeoutMinMs", K::kInt, Value(300), "randomized election timeout: lower bound", Value(1), Value(kMaxTimeoutMs)},
      {"electionTimeoutMaxMs", K::kInt, Value(600), "randomized election timeout: upper bound", Value(1), Value(kMaxTimeoutMs)},
      {"heartbeatMs", K::kInt, Value(50), "leader heartbeat period", Value(1), Value(kMaxTimeoutMs)},
      {"rpcTimeoutMs", K::kInt, Value(100), "timeout of one Raft message between replicas", Value(1), Value(kMaxTimeoutMs)},
      {"snapshotEvery", K::kInt, Value(100), "applied entries between snapshots (log compaction)", Value(1), Value(1000000000)},
      {"maxBatch", K::kInt, Value(64), "log entries per AppendEntries", Value(1), Value(100000)},
      {"maxInflight", K::kInt, Value(raft::Options{}.max_inflight),
       "AppendEntries in flight per follower (pipelining: a new entry leaves at once instead of waiting for "
       "the round in flight); 1 = one at a time, each waiting for the previous reply",
       Value(1), Value(1024)},
      {"attemptTimeoutMs", K::kInt, Value(400), "client: wait on one replica before trying another", Value(1), Value(kMaxTimeoutMs)},
      {"dedupTtlMs", K::kInt, Value(60000), "how long replies are kept to answer retried calls", Value(1), Value(kMaxTimeoutMs)},
      {"membershipPollMs", K::kInt, Value(1000), "leader re-reads the group's members this often", Value(1), Value(kMaxTimeoutMs)},
      {"localReads", K::kBool, Value(false),
       "read-only methods answered by the caller's local replica from its applied state: no log round, "
       "but possibly stale (not linearizable)"},
  };
  if (placement == RsmPlacement::kP2P) {
    keys.push_back({"deviceLabel", K::kString, Value("role=client"), "label (key=value or key) of device nodes"});
  }
  return keys;
}

// What distinguishes the four DMs: name, the DM of the paper's table, and where replicas go.
struct Variant {
  const char* name;
  const char* paper;
  const char* where;      // for the summary
  const char* placement;  // for the guarantee
};

Variant variant(RsmPlacement placement) {
  switch (placement) {
    case RsmPlacement::kAny:
      return {"ConsensusRSM", "Amino.Run ConsensusRSM", "replicas on distinct nodes",
              "Placement: replicas on distinct nodes allowed by the spec's nodeSelector."};
    case RsmPlacement::kCluster:
      return {"ConsensusRSM-Cluster", "ConsensusRSM-Cluster", "replicas in one region",
              "Placement: all replicas in one region: the first replica's."};
    case RsmPlacement::kGeo:
      return {"ConsensusRSM-Geo", "ConsensusRSM-Geo", "replicas spread over regions",
              "Placement: replicas spread over regions (fewest replicas first)."};
    case RsmPlacement::kP2P:
      return {"ConsensusRSM-P2P", "ConsensusRSM-P2P", "replicas on client devices",
              "Placement: replicas on client devices (nodes matching deviceLabel), the nodes that call the "
              "microservice (and its creator) first; the first replica goes where the spec's nodeSelector puts "
              "it, so select devices there as well."};
  }
  return variant(RsmPlacement::kAny);
}

}  // namespace

DmDescriptor consensus_rsm(RsmPlacement placement) {
  const Variant v = variant(placement);
  DmDescriptor d;
  d.name = v.name;
  d.category = "replication";
  d.summary = std::string("linearizable replicated state machine on Raft (commit before reply), ") + v.where;
  d.paper = v.paper;
  d.source = "dms/consensus_rsm.h";
  d.guarantee =
      "With 2f+1 voting replicas, every call is linearizable and survives up to f replica failures: the leader "
      "appends the call to the Raft log, replicates it, and replies only once a majority stored it and the "
      "leader applied it in log order (commit before reply). Followers apply the same entries in the same "
      "order. Read-only methods go through the log as well, so reads are linearizable too (no stale reads from "
      "a deposed leader or a lagging follower) at the cost of one replication round per read. A retried call "
      "(same caller and call_id) is applied at most once: the reply of every applied call is kept in "
      "replicated state (in snapshots, rebuilt by replay) for dedupTtlMs of log time, and a duplicate answers "
      "with the first execution's reply. A call whose deadline passes returns kTimeout: its outcome is unknown "
      "(it may still commit)."
      " " +
      std::string(v.placement);
  d.tolerates =
      "Crash of any minority of replicas (with or without their storage); restart with storage (term, vote, "
      "log and snapshot are synced to Env::storage() before votes and acknowledgements; the replica recovers "
      "and catches up); message loss, duplication, reordering, delay; network partitions (a minority side "
      "cannot commit; its leader steps down within electionTimeoutMaxMs, the majority side elects a new "
      "leader); lagging replicas (InstallSnapshot). Lost replicas are rebuilt by the group on a fresh node: "
      "the new replica joins as a learner, receives a snapshot, and becomes a voter once caught up "
      "(single-server changes, one at a time, each only after the leader committed an entry of its own term). "
      "Members that leave the group (dead per the OMS, terminated) are removed the same way. Not tolerated: "
      "loss of a majority of replicas' storage (committed calls may be lost), Byzantine faults.";
  d.caveats =
      "Option localReads (off by default) trades linearizable reads for speed: a read-only call is answered by "
      "the replica on the caller's own node (when there is one) from the state it has applied so far, with no "
      "log round, so reads are local but may be stale (sequential per replica, not linearizable; a client may "
      "not see its own latest write until its replica applied it). Writes are unchanged. The default timeouts "
      "give failover after a leader crash well under 1 s: a follower notices the silence after "
      "electionTimeoutMinMs..electionTimeoutMaxMs, one pre-vote and one vote round follow.";
  d.config = config_schema(placement);
  d.make_client = [] { return std::make_unique<ConsensusClient>(); };
  d.make_server = [] { return std::make_unique<ConsensusServer>(); };
  d.make_group = [placement] { return std::make_unique<ConsensusGroup>(placement); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
