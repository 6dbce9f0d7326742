#include "dms/load_balanced_master_slave.h"

#include <algorithm>
#include <deque>
#include <set>

#include "dms/support.h"
#include "dms/support_scalability.h"

namespace amino::dms {

namespace {


constexpr const char* kName = "LoadBalancedMasterSlave";

// Who talks to whom (every message is a Value map with "op"; `epoch` numbers the group's views: the
// group raises it when it promotes a new master, and a replica refuses messages of older epochs):
//   group -> replica  (notify_server) {op: master, epoch, slaves}  -> {ok, slaves: rids installed}
//   group -> slave    (notify_server) {op: status, epoch}          -> {ok, version} (and fences the old master)
//   group -> master   (notify_server) {op: add, epoch, ref}        -> {ok}: installs the state on ref
//   group -> master   (notify_server) {op: remove, epoch, rids}    -> {ok}: slaves no longer to replicate to
// The group resends these while unanswered (a lost message must not stall a failover for the
// OMS's control timeout), so each is idempotent: a copy of `master` or `add` that finds it done
// answers as the first did, and the view changes by named additions and removals (a late copy of
// an older whole view could hide a slave added since).
//   master -> group   (notify_group)  {op: drop, epoch, rids}      -> {ok}: false once deposed
//   master -> slave   (peer message)  {op: prepare, epoch, version, state, commit}: holds the state aside
//   master -> slave   (peer message)  {op: commit, epoch, version}: the held state becomes the object's
//   master -> slave   (peer message)  {op: install, epoch, version, state}: state and version at once
// A write is durable once every slave of the view holds it (prepare); it is visible to reads at a
// slave once committed there; the master replies after both rounds.

Duration ack_timeout(const DmConfig& c) { return millis(c.at("ackTimeoutMs").as_int()); }
Duration attempt_of(Duration ack) { return std::max<Duration>(ack / 4, 10 * kMillisecond); }

ValueList refs_to_value(const std::vector<ReplicaRef>& refs) {
  ValueList out;
  for (const auto& r : refs) out.push_back(r.to_value());
  return out;
}

std::vector<ReplicaRef> refs_from_value(const Value& v) {
  std::vector<ReplicaRef> out;
  if (!v.is<ValueList>()) return out;
  for (const auto& x : v.as_list()) out.push_back(ReplicaRef::from_value(x));
  return out;
}

// A notification's answer said {ok: true}.
bool answered_ok(const Reply& r) {
  const Value* ok = r.ok() && r.value.is<ValueMap>() ? r.value.find("ok") : nullptr;
  return ok != nullptr && ok->is<bool>() && ok->as_bool();
}

std::int64_t int_field(const Value& msg, const char* key) {
  const Value* v = msg.is<ValueMap>() ? msg.find(key) : nullptr;
  return v != nullptr && v->is<std::int64_t>() ? v->as_int() : -1;
}

// ---- Server ---------------------------------------------------------------------------------------

class MasterSlaveServer : public ServerDM {
 public:
  ~MasterSlaveServer() override { *alive_ = false; }
  void on_destroy(ServerContext&) override { *alive_ = false; }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    switch (role_) {
      case Role::kSlave:
        if (inv.read_only) return ctx.next(inv);  // the committed state
        return Reply::error(Code::kNotLeader, std::string(kName) + ": a slave takes no writes; leader=" + master_rid_);
      case Role::kMaster:
        return at_master(inv, ctx);
      case Role::kJoining:
        return Reply::error(Code::kUnavailable, std::string(kName) + ": this replica has not joined yet");
      case Role::kFenced:
        break;
    }
    return Reply::error(Code::kUnavailable, std::string(kName) + ": this replica was a deposed master");
  }

  Value on_notification(ServerContext& ctx, const Value& msg) override {
    const std::string& op = op_of(msg);
    const std::int64_t epoch = int_field(msg, "epoch");
    if (epoch < epoch_) return ValueMap{{"ok", false}, {"error", "stale epoch"}};
    if (op == "status") {
      // From now on the old master's messages are refused here. A late copy of this epoch's status
      // reaching the master it promoted must not fence it.
      if (role_ == Role::kMaster && epoch > epoch_) role_ = Role::kFenced;
      epoch_ = epoch;
      return ValueMap{{"ok", role_ == Role::kSlave}, {"version", std::max(committed_, pending_version_)}};
    }
    if (op == "master") return become_master(ctx, epoch, refs_from_value(msg.at("slaves")));
    if (op == "add") return add_slave(ctx, epoch, ReplicaRef::from_value(msg.at("ref")));
    if (op == "remove" && role_ == Role::kMaster && epoch == epoch_) {
      std::set<std::string> gone;
      for (const auto& rid : msg.at("rids").as_list()) gone.insert(rid.as_string());
      slaves_.erase(std::remove_if(slaves_.begin(), slaves_.end(), [&](const ReplicaRef& s) { return gone.count(s.rid) > 0; }),
                    slaves_.end());
      return ValueMap{{"ok", true}};
    }
    return ValueMap{{"ok", false}, {"error", "unexpected " + op}};
  }

  Reply on_message(ServerContext& ctx, const ReplicaRef& from, const Value& msg) override {
    const std::string& op = op_of(msg);
    const std::int64_t epoch = int_field(msg, "epoch");
    const std::int64_t version = int_field(msg, "version");
    if (epoch < epoch_) return Reply::error(Code::kAborted, std::string(kName) + ": stale epoch");
    if (role_ == Role::kMaster && epoch == epoch_) return Reply::error(Code::kAborted, std::string(kName) + ": I am the master");
    if (role_ == Role::kMaster || role_ == Role::kFenced) role_ = Role::kFenced;  // a newer master speaks
    epoch_ = epoch;
    if (op == "install") {
      if (role_ != Role::kJoining && role_ != Role::kFenced && version < committed_) return Reply::ok({});  // a late duplicate
      ctx.restore_object(msg.at("state"));
      committed_ = version;
      pending_version_ = -1;
      pending_ = {};
      master_rid_ = from.rid;
      role_ = Role::kSlave;
      return Reply::ok({});
    }
    if (role_ != Role::kSlave) return Reply::error(Code::kUnavailable, std::string(kName) + ": not a slave");
    master_rid_ = from.rid;
    if (op == "prepare") {
      commit(ctx, int_field(msg, "commit"));  // the write before this one is committed
      if (version > committed_ && version >= pending_version_) {
        pending_version_ = version;
        pending_ = msg.at("state");
      }
      return Reply::ok({});
    }
    if (op == "commit") {
      commit(ctx, version);
      if (committed_ < version) return Reply::error(Code::kAborted, std::string(kName) + ": missed the write");
      return Reply::ok({});
    }
    return Reply::error(Code::kBadArguments, std::string(kName) + ": unexpected message " + op);
  }

  // A migrating replica keeps its role and versions (a new replica starts joining: replicate()
  // copies only the object).
  Value snapshot() const override {
    return ValueMap{{"role", static_cast<std::int64_t>(role_)}, {"epoch", epoch_}, {"committed", committed_},
                    {"pending_version", pending_version_}, {"pending", pending_}, {"master", master_rid_},
                    {"slaves", refs_to_value(slaves_)}};
  }
  void restore(const Value& v) override {
    if (!v.is<ValueMap>()) return;
    role_ = static_cast<Role>(v.at("role").as_int());
    epoch_ = v.at("epoch").as_int();
    committed_ = v.at("committed").as_int();
    pending_version_ = v.at("pending_version").as_int();
    pending_ = v.at("pending");
    master_rid_ = v.at("master").as_string();
    slaves_ = refs_from_value(v.at("slaves"));
  }

 private:
  enum class Role : std::int64_t { kJoining = 0, kSlave = 1, kMaster = 2, kFenced = 3 };

  void commit(ServerContext& ctx, std::int64_t version) {
    if (version < 0 || pending_version_ != version || version <= committed_) return;
    ctx.restore_object(pending_);
    committed_ = version;
    pending_version_ = -1;
    pending_ = {};
  }

  // ---- the master

  Reply at_master(Invocation& inv, ServerContext& ctx) {
    // Reads too wait for a write in progress: the object holds its state before it is durable.
    if (!lock_.acquire(ctx.env(), inv.deadline)) return Reply::error(Code::kTimeout, std::string(kName) + ": waited for earlier writes");
    auto alive = alive_;  // the replica may be destroyed (its node crashed, or terminated) during the call
    Reply r = role_ != Role::kMaster ? Reply::error(Code::kNotLeader, std::string(kName) + ": no longer the master; leader=")
              : inv.read_only        ? ctx.next(inv)
                                     : write(inv, ctx);
    if (*alive) lock_.release();
    return r;
  }

  Reply write(Invocation& inv, ServerContext& ctx) {
    Env& env = ctx.env();
    auto alive = alive_;
    const Duration ack = ack_timeout(ctx.config());
    if (committed_state_.is_null()) committed_state_ = ctx.snapshot_object();
    // From here the write runs to the end whatever the caller's deadline.
    Reply r = ctx.next(inv);  // even a throwing method may have changed fields: replicate either way
    const std::int64_t v = committed_ + 1;
    const Value state = ctx.snapshot_object();
    // Round 1: every slave holds the new state (durable: any slave promoted later has it).
    std::vector<ReplicaRef> to = slaves_;
    std::vector<Reply> got = fan_out(
        ctx, alive, to, ValueMap{{"op", "prepare"}, {"epoch", epoch_}, {"version", v}, {"state", state}, {"commit", committed_}},
        deadline_after(env.now(), ack), attempt_of(ack), "scalability.send");
    if (!*alive) return Reply::error(Code::kAborted, std::string(kName) + ": replica destroyed mid-write");
    const Verdict prepared = settle(ctx, to, got);
    if (prepared == Verdict::kDeposed) return deposed();
    if (prepared == Verdict::kUnknown) {
      ctx.restore_object(committed_state_);  // not durable: undone here; a slave holding it aside may still commit it
      return Reply::error(Code::kAborted, std::string(kName) + ": the write could not be replicated (the group did not "
                                                               "answer); undone at the master, outcome unknown");
    }
    committed_ = v;
    committed_state_ = state;
    // Round 2: the slaves show it to reads. A slave that misses it still holds it (durable), and
    // commits it with the next prepare.
    to = slaves_;
    got = fan_out(ctx, alive, to, ValueMap{{"op", "commit"}, {"epoch", epoch_}, {"version", v}},
                  deadline_after(env.now(), ack), attempt_of(ack), "scalability.send");
    if (!*alive) return r;
    if (settle(ctx, to, got) == Verdict::kDeposed) return deposed();
    return r;
  }

  enum class Verdict { kAll, kDeposed, kUnknown };

  // Slaves that did not answer leave the view, with the group's consent: a master the group
  // deposed (a newer epoch) gets none, and stops.
  Verdict settle(ServerContext& ctx, const std::vector<ReplicaRef>& to, const std::vector<Reply>& got) {
    ValueList missing;
    std::set<std::string> gone;
    for (std::size_t i = 0; i < to.size(); ++i) {
      if (got[i].ok()) continue;
      if (got[i].status.code == Code::kAborted && got[i].status.message.find("stale epoch") != std::string::npos) {
        return Verdict::kDeposed;
      }
      missing.push_back(Value(to[i].rid));
      gone.insert(to[i].rid);
    }
    if (gone.empty()) return Verdict::kAll;
    auto alive = alive_;
    Reply r = Reply::error(Code::kTimeout, "not asked");
    for (int attempt = 0; attempt < 3 && !r.ok(); ++attempt) {
      r = ctx.notify_group(ValueMap{{"op", "drop"}, {"epoch", epoch_}, {"rids", missing}});
      if (!*alive) return Verdict::kUnknown;
    }
    if (!r.ok() || !r.value.is<ValueMap>()) return Verdict::kUnknown;
    if (!r.value.at("ok").as_bool()) return Verdict::kDeposed;
    slaves_.erase(std::remove_if(slaves_.begin(), slaves_.end(), [&](const ReplicaRef& s) { return gone.count(s.rid) > 0; }),
                  slaves_.end());
    return Verdict::kAll;
  }

  Reply deposed() {
    role_ = Role::kFenced;
    return Reply::error(Code::kAborted, std::string(kName) + ": this master was deposed during the write (outcome unknown)");
  }

  // Promotion (or the first master): commit what this replica holds aside, install it everywhere.
  Value become_master(ServerContext& ctx, std::int64_t epoch, const std::vector<ReplicaRef>& slaves) {
    auto alive = alive_;
    // A copy of this message waits for the first to finish, then answers as it did.
    if (!lock_.acquire(ctx.env(), deadline_after(ctx.env().now(), 10 * ack_timeout(ctx.config())))) {
      return ValueMap{{"ok", false}, {"error", "busy"}};
    }
    struct Release {
      MasterSlaveServer* self;
      std::shared_ptr<bool> alive;
      ~Release() { if (*alive) self->lock_.release(); }
    } release{this, alive};
    if (role_ == Role::kMaster && epoch == epoch_) {
      ValueList installed;
      for (const auto& s : slaves_) installed.push_back(Value(s.rid));
      return ValueMap{{"ok", true}, {"slaves", std::move(installed)}};
    }
    if (epoch < epoch_ || (role_ != Role::kSlave && !(role_ == Role::kJoining && committed_ == 0 && epoch == 1))) {
      return ValueMap{{"ok", false}, {"error", "not a slave"}};
    }
    commit(ctx, pending_version_);
    epoch_ = epoch;
    role_ = Role::kMaster;
    master_rid_ = ctx.self().rid;
    committed_state_ = ctx.snapshot_object();
    const Duration ack = ack_timeout(ctx.config());
    std::vector<Reply> got = fan_out(
        ctx, alive, slaves, ValueMap{{"op", "install"}, {"epoch", epoch_}, {"version", committed_}, {"state", committed_state_}},
        deadline_after(ctx.env().now(), ack), attempt_of(ack), "scalability.send");
    if (!*alive) return ValueMap{{"ok", false}};
    slaves_.clear();
    ValueList installed;
    for (std::size_t i = 0; i < slaves.size(); ++i) {
      if (!got[i].ok()) continue;
      slaves_.push_back(slaves[i]);
      installed.push_back(Value(slaves[i].rid));
    }
    return ValueMap{{"ok", true}, {"slaves", std::move(installed)}};
  }

  Value add_slave(ServerContext& ctx, std::int64_t epoch, const ReplicaRef& ref) {
    auto alive = alive_;
    if (!lock_.acquire(ctx.env(), deadline_after(ctx.env().now(), 10 * ack_timeout(ctx.config())))) {
      return ValueMap{{"ok", false}, {"error", "busy"}};
    }
    struct Release {
      MasterSlaveServer* self;
      std::shared_ptr<bool> alive;
      ~Release() { if (*alive) self->lock_.release(); }
    } release{this, alive};
    if (role_ != Role::kMaster || epoch != epoch_) return ValueMap{{"ok", false}, {"error", "not the master"}};
    // A copy of this message answers as the first did, at once: installing again would hold the
    // lock, and so the writes, for another ackTimeoutMs.
    for (const auto& [rid, answer] : adds_) {
      if (rid == ref.rid) return answer;
    }
    const Duration ack = ack_timeout(ctx.config());
    std::vector<Reply> got = fan_out(
        ctx, alive, {ref}, ValueMap{{"op", "install"}, {"epoch", epoch_}, {"version", committed_}, {"state", ctx.snapshot_object()}},
        deadline_after(ctx.env().now(), ack), attempt_of(ack), "scalability.send");
    if (!*alive) return ValueMap{{"ok", false}};
    Value answer = got[0].ok() ? Value(ValueMap{{"ok", true}}) : Value(ValueMap{{"ok", false}, {"error", got[0].status.to_string()}});
    if (got[0].ok()) slaves_.push_back(ref);
    adds_.emplace_back(ref.rid, answer);
    if (adds_.size() > kAddsRemembered) adds_.pop_front();
    return answer;
  }

  // The group adds one slave at a time, so copies of older adds are rare: a few answers suffice.
  static constexpr std::size_t kAddsRemembered = 8;

  Role role_ = Role::kJoining;
  std::int64_t epoch_ = 0;
  std::int64_t committed_ = 0;         // writes committed (master: acknowledged or being acknowledged)
  std::int64_t pending_version_ = -1;  // slave: the version held aside, not yet committed
  Value pending_;                      // slave: its state
  std::string master_rid_;             // slave: the master it last heard from
  std::vector<ReplicaRef> slaves_;     // master: the slaves it replicates to
  Value committed_state_;              // master: the object as of committed_ (to undo a write)
  FifoLock lock_;                      // master: one write at a time; reads wait for it
  std::deque<std::pair<std::string, Value>> adds_;  // master: the answers to the latest adds, by rid
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// ---- Group ----------------------------------------------------------------------------------------

class MasterSlaveGroup : public GroupDM {
 public:
  ~MasterSlaveGroup() override { *alive_ = false; }

  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    if (!lock(ctx)) return;
    FifoLockGuard guard(lock_);
    epoch_ = 1;
    master_ = first.rid;
    Reply r = notify(ctx, first, ValueMap{{"op", "master"}, {"epoch", epoch_}, {"slaves", ValueList{}}});
    if (!answered_ok(r)) {
      ctx.env().log(LogLevel::kError, std::string(kName) + ": " + first.rid + " did not become master: " + r.status.to_string());
    }
    top_up(ctx);
  }

  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId&) override { return member(ctx, master_); }

  Value on_notification(GroupContext& ctx, const Value& msg) override {
    if (op_of(msg) != "drop") return ValueMap{{"ok", false}};
    // Never blocks before answering: the master waits for this while holding its write lock.
    if (int_field(msg, "epoch") != epoch_) return ValueMap{{"ok", false}};
    for (const auto& rid : msg.at("rids").as_list()) {
      if (slaves_.erase(rid.as_string()) > 0) {
        ctx.env().log(LogLevel::kInfo, std::string(kName) + ": slave " + rid.as_string() + " of " + ctx.group_id() +
                                           " dropped (it missed a write)");
      }
    }
    replace_later(ctx);
    return ValueMap{{"ok", true}};
  }

  // Failures are delivered one at a time, so nothing here waits for another server: the master's
  // failure may be next in line. The failover does not wait for the view-change lock (a top-up
  // holding it may be copying from the dead master), and the replacement runs on its own, after.
  // A failover that found no slave to promote (none answered) is tried again a few times: the
  // slaves that did not answer stay in the view meanwhile (each holds every acknowledged write).
  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    if (dead.rid == master_) {
      const std::string old = master_;
      auto alive = alive_;
      for (int round = 0; round < 3 && *alive && !fail_over(ctx, old) && !slaves_.empty(); ++round) {
        ctx.env().sleep_for(ack_timeout(ctx.config()));
      }
      if (!*alive) return;
      if (master_.empty()) {
        ctx.env().log(LogLevel::kError, std::string(kName) + ": no slave of " + ctx.group_id() +
                                            " could take over from " + old + ": the object is unavailable");
      }
    } else if (slaves_.erase(dead.rid) > 0) {
      // Only spares the master a wait for the dead slave at its next write (a slave that does not
      // answer leaves the view anyway), so not waited for.
      auto alive = alive_;
      ctx.env().spawn("LoadBalancedMasterSlave.remove", [this, alive, &ctx, rid = dead.rid] {
        if (*alive) tell_master_removed(ctx, rid);
      });
    }
    replace_later(ctx);
  }

  // A replica back from a false suspicion was replaced meanwhile (on_failure ran): it stays out.
  bool on_rejoin(GroupContext&, const ReplicaRef& returned) override {
    return returned.rid == master_ || slaves_.count(returned.rid) > 0;
  }

  // A replicated OMS: the view (epoch, master, slaves) is in its committed state, written before
  // each message to a server. A new leader that finds no master recorded took over in the middle
  // of a failover (the promotion may or may not have reached the slave): it fails over again with a
  // higher epoch, which fences whatever the interrupted one did; then it replaces what is missing.
  Value export_state() const override {
    return ValueMap{{"epoch", epoch_}, {"master", master_}, {"slaves", ValueList(slaves_.begin(), slaves_.end())}};
  }
  void import_state(GroupContext&, const Value& s) override {
    epoch_ = s.at("epoch").as_int();
    master_ = s.at("master").as_string();
    slaves_.clear();
    for (const auto& r : s.at("slaves").as_list()) slaves_.insert(r.as_string());
    terminating_.clear();
  }
  void on_leader_change(GroupContext& ctx) override {
    if (epoch_ == 0) return;  // on_create never ran to its first message: nothing was decided
    auto alive = alive_;
    for (int round = 0; round < 3 && *alive && master_.empty() && !slaves_.empty() && !fail_over(ctx, "(none recorded)");
         ++round) {
      ctx.env().sleep_for(ack_timeout(ctx.config()));
    }
    if (*alive) replace_later(ctx);
  }

 private:
  // View changes (failover, adding and replacing slaves) one at a time. Each step of one is bounded
  // by RPC timeouts, so the wait is too; a wait this long means something is wedged: logged, skipped.
  bool lock(GroupContext& ctx) {
    if (lock_.acquire(ctx.env(), deadline_after(ctx.env().now(), 120 * kSecond))) return true;
    ctx.env().log(LogLevel::kError, std::string(kName) + ": gave up waiting for a view change of " + ctx.group_id());
    return false;
  }

  // discard_and_top_up under the view-change lock, on its own execution context.
  void replace_later(GroupContext& ctx) {
    auto alive = alive_;
    ctx.env().spawn("LoadBalancedMasterSlave.replace", [this, alive, &ctx] {
      if (!*alive || !lock(ctx)) return;
      if (*alive) discard_and_top_up(ctx);
      if (*alive) lock_.release();
    });
  }

  static ReplicaRef member(GroupContext& ctx, const std::string& rid) {
    for (const auto& r : ctx.replicas()) {
      if (r.rid == rid) return r;
    }
    return {};
  }

  std::vector<ReplicaRef> slave_refs(GroupContext& ctx) const {
    std::vector<ReplicaRef> out;
    for (const auto& r : ctx.replicas()) {
      if (slaves_.count(r.rid) > 0) out.push_back(r);
    }
    return out;
  }

  // One control message to one server, resent while unanswered (scalability::notify_servers).
  Reply notify(GroupContext& ctx, const ReplicaRef& to, const Value& msg, int ack_timeouts = 4) {
    const Duration ack = ack_timeout(ctx.config());
    return scalability::notify_servers(ctx, alive_, {to}, msg, deadline_after(ctx.env().now(), saturating_mul(ack_timeouts, ack)),
                                       attempt_of(ack))
        .front();
  }

  void tell_master_removed(GroupContext& ctx, const std::string& rid) {
    const ReplicaRef m = member(ctx, master_);
    if (m.valid()) (void)notify(ctx, m, ValueMap{{"op", "remove"}, {"epoch", epoch_}, {"rids", ValueList{Value(rid)}}});
  }

  // The master's node failed: raise the epoch (the old master, if it still runs, can no longer
  // drop slaves nor replicate to a slave asked below), then promote the slave that holds the
  // newest write. Every acknowledged write was held by every slave of the view, so it has it.
  // Each promotion attempt takes a fresh epoch: a candidate that became master without the group
  // hearing it is fenced by the next one's install (it is among the slaves installed), so two
  // masters never share an epoch. Returns whether a slave took over.
  bool fail_over(GroupContext& ctx, const std::string& old) {
    ++epoch_;
    master_.clear();
    auto alive = alive_;
    const Duration ack = ack_timeout(ctx.config());
    const std::vector<ReplicaRef> view = slave_refs(ctx);
    const std::vector<Reply> got = scalability::notify_servers(ctx, alive, view, ValueMap{{"op", "status"}, {"epoch", epoch_}},
                                                               deadline_after(ctx.env().now(), 2 * ack), attempt_of(ack));
    if (!*alive) return false;
    std::vector<std::pair<std::int64_t, ReplicaRef>> candidates;
    for (std::size_t i = 0; i < view.size(); ++i) {
      if (answered_ok(got[i])) {
        candidates.emplace_back(got[i].value.at("version").as_int(), view[i]);
      } else if (got[i].ok()) {
        slaves_.erase(view[i].rid);  // refused: not a slave (a silent one stays: it may just be slow to reach)
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const ReplicaRef& c = candidates[i].second;
      if (i > 0) ++epoch_;
      std::vector<ReplicaRef> others;
      for (const auto& s : slave_refs(ctx)) {
        if (s.rid != c.rid) others.push_back(s);
      }
      Reply r = notify(ctx, c, ValueMap{{"op", "master"}, {"epoch", epoch_}, {"slaves", refs_to_value(others)}});
      if (!*alive) return false;
      if (!answered_ok(r)) continue;
      master_ = c.rid;
      // The view: the new master and the slaves it installed its state on.
      slaves_.clear();
      for (const auto& rid : r.value.at("slaves").as_list()) slaves_.insert(rid.as_string());
      ctx.env().log(LogLevel::kInfo, std::string(kName) + ": " + c.rid + " (version " + std::to_string(candidates[i].first) +
                                         ") replaces master " + old + " of " + ctx.group_id() + " (epoch " +
                                         std::to_string(epoch_) + ")");
      if (ctx.env().probing()) {
        ctx.env().probe("master_slave.failover", {{"group", ctx.group_id()}, {"master", c.rid}, {"epoch", epoch_},
                                                  {"version", candidates[i].first}});
      }
      return true;
    }
    return false;
  }

  // Terminates replicas outside the view (dropped slaves, failed joins) and adds slaves up to
  // `replicas`. Each termination runs on its own: one of an unreachable node waits for it, and the
  // top-up must not (a replica on a node already declared dead goes with on_failure anyway).
  void discard_and_top_up(GroupContext& ctx) {
    for (const auto& r : ctx.replicas()) {
      if (r.rid == master_ || slaves_.count(r.rid) > 0 || !is_live_server(ctx, r.node) || terminating_.count(r.rid) > 0) continue;
      terminating_.insert(r.rid);
      auto alive = alive_;
      ctx.env().spawn("LoadBalancedMasterSlave.discard", [this, alive, &ctx, r] {
        (void)ctx.terminate(r);
        if (*alive) terminating_.erase(r.rid);
      });
    }
    top_up(ctx);
  }

  void top_up(GroupContext& ctx) {
    const auto want = static_cast<std::size_t>(ctx.config().at("replicas").as_int());
    for (std::size_t attempts = 0; attempts < 2 * want; ++attempts) {
      const ReplicaRef m = member(ctx, master_);
      if (!m.valid() || 1 + slave_refs(ctx).size() >= want) return;
      const ReplicaRef made = scalability::add_replica(ctx, m, kName);
      if (!made.valid()) return;
      const std::int64_t epoch = epoch_;
      Reply r = notify(ctx, m, ValueMap{{"op", "add"}, {"epoch", epoch}, {"ref", made.to_value()}}, 12);
      if (answered_ok(r) && epoch == epoch_) {
        slaves_.insert(made.rid);
      } else {
        ctx.env().log(LogLevel::kWarn, std::string(kName) + ": new slave " + made.rid + " of " + ctx.group_id() +
                                           " could not join: " + (r.ok() ? r.value.to_string() : r.status.to_string()));
        (void)ctx.terminate(made);
      }
    }
  }

  std::int64_t epoch_ = 0;
  std::string master_;
  std::set<std::string> slaves_;       // the view: replicas holding every acknowledged write
  std::set<std::string> terminating_;  // replicas outside the view being terminated
  FifoLock lock_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// ---- Client ---------------------------------------------------------------------------------------

// Writes go to the master (asked of the group, asked again after a refusal); a write refused before
// it ran (no master during a failover, a slave, a replica not joined yet) is retried with backoff
// until the deadline. A write that may have run (timeout, broken connection, a master deposed
// mid-write) is not retried. Reads are spread round-robin over every replica.
class MasterSlaveClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (inv.read_only) return reads_->on_rpc(inv, ctx);
    Env& env = ctx.env();
    Duration backoff = 10 * kMillisecond;
    Reply last = Reply::error(Code::kUnavailable, std::string(kName) + ": no master of " + ctx.microservice());
    for (int attempt = 0; attempt < 200 && env.now() < inv.deadline; ++attempt) {
      if (!master_.valid()) master_ = ctx.ref_request();
      if (master_.valid()) {
        Reply r = ctx.forward(master_, inv);
        const Code c = r.status.code;
        if (r.ok() || c == Code::kAppError) return r;
        last = r;
        const bool did_not_run = c == Code::kNotLeader || c == Code::kUnavailable || c == Code::kNoSuchObject ||
                                 c == Code::kMigrating || c == Code::kOverloaded;
        if (c != Code::kMigrating && c != Code::kOverloaded) master_ = {};
        if (!did_not_run) return r;
      }
      env.sleep_for(std::max<Duration>(0, std::min(backoff, inv.deadline - env.now())));
      backoff = std::min<Duration>(backoff * 2, 200 * kMillisecond);
    }
    return last;
  }

 private:
  std::unique_ptr<ClientDM> reads_ = scalability::make_round_robin_client(kName);
  ReplicaRef master_;
};

}  // namespace

DmDescriptor load_balanced_master_slave() {
  DmDescriptor d;
  d.name = kName;
  d.category = "replication";
  d.summary = "one master takes writes and replicates them synchronously to slaves; reads go to any replica";
  d.paper = "LoadBalancedMasterSlave (Amino.Run LoadBalancedMasterSlaveSyncPolicy)";
  d.source = "dms/load_balanced_master_slave.h";
  d.guarantee =
      "Writes (methods not marked read-only) are linearizable, and no acknowledged write is lost when the master's "
      "node fails. The group keeps `replicas` replicas (on distinct kernel servers while there are enough): one "
      "master and slaves. Writes go to the master, one at a time: it runs the write, sends the new state to every "
      "slave of the group's view, which holds it aside (prepare: from here the write is durable), then tells them "
      "to make it their object's state (commit), and only then replies. A slave that does not answer within "
      "ackTimeoutMs leaves the view (the group agrees, then replaces it); so an acknowledged write is held by every "
      "slave of the view. When the master's node fails, the group raises its epoch (fencing the old master: a "
      "slave or the group refuses it from then on) and promotes the slave holding the newest write; it installs "
      "its state on the other slaves. Reads are spread round-robin over all replicas: a slave answers from its "
      "committed state, the master after any write in progress. A read therefore shows the state after some "
      "prefix of the writes' order, possibly stale (bounded staleness without a bound: checked as "
      "\"bounded-staleness\"); with no fault it includes every write acknowledged before it began, as each "
      "write is committed at every slave before it is acknowledged.";
  d.tolerates =
      "Crashes of any replica's node, one at a time, as long as one replica of the view survives (a failed slave "
      "is replaced; a failed master is replaced by a slave with every acknowledged write); lost, delayed, "
      "duplicated and reordered messages between replicas (retried within ackTimeoutMs; versions and epochs "
      "make duplicates harmless); partitions (a cut-off slave is dropped from the view but may keep answering "
      "reads with stale state until it is discarded; a master cut off long enough to be declared failed is "
      "deposed, and a write it could not replicate fails). A write that failed with kAborted or kTimeout may or "
      "may not have taken effect; it is not retried. Not tolerated: every replica of the view lost at once, "
      "duplicated client requests (a write is not deduplicated), and the group (on the OMS) being unreachable "
      "while a slave misses a write (the write then fails, undone at the master).";
  d.caveats =
      "Each write ships the whole object state to every slave, twice a round trip: the price of synchronous "
      "replication. The replication is by state, so methods need not be deterministic. Reads at a slave may lag "
      "the master by the writes in flight.";
  d.config = {
      ConfigKey{"replicas", Value::Kind::kInt, Value(3), "number of replicas: the master and replicas-1 slaves", Value(1), Value(16)},
      ConfigKey{"ackTimeoutMs", Value::Kind::kInt, Value(300), "how long the master waits for a slave to answer before it leaves the view", Value(1), Value(kMaxTimeoutMs)},
      ConfigKey{"refreshMs", Value::Kind::kInt, Value(1000), "how often a client reads the replica list again for reads (0: only after an error)", Value(0), Value(kMaxTimeoutMs)}};
  d.make_client = [] { return std::make_unique<MasterSlaveClient>(); };
  d.make_server = [] { return std::make_unique<MasterSlaveServer>(); };
  d.make_group = [] { return std::make_unique<MasterSlaveGroup>(); };
  return d;
}

}  // namespace amino::dms
