#include "dms/two_phase_commit.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "dms/support.h"
#include "dms/support_transactions.h"
#include "runtime/wire.h"

namespace amino::dms {

namespace {

// Who talks to whom. Client (coordinator) -> cohort server, as invocations with reserved names:
//   2pc.call    [txn, seq, method, args]  one call of txn; seq = how many of txn's calls the cohort ran
//   2pc.prepare [txn, calls]              -> true (prepared and synced) or false (vote no)
//   2pc.commit  [txn]                     -> true (idempotent: an unknown txn was committed before)
//   2pc.abort   [txn]                     -> true (idempotent)
// Coordinator log (client node's storage): "2pc/coord/<txn>" = {incarnation, decision: "none" | "commit",
//   cohorts: {cohort group id: replica ref}, done: [cohort group ids that acknowledged]}.
// Cohort record (cohort node's storage): "2pc/<rid>" = {committed: object state,
//   prepared: null | {txn, calls, after: object state}}.
constexpr const char* kCall = "2pc.call";
constexpr const char* kPrepare = "2pc.prepare";
constexpr const char* kCommit = "2pc.commit";
constexpr const char* kAbort = "2pc.abort";
constexpr const char* kCoordPrefix = "2pc/coord/";

Duration ms_config(const DmConfig& c, const char* key) { return millis(c.at(key).as_int()); }

void probe(Env& env, const char* kind, const std::string& txn, const std::string& cohort = {}) {
  if (!env.probing()) return;
  ProbeFields f{{"txn", txn}};
  if (!cohort.empty()) f.push_back({"cohort", cohort});
  env.probe(kind, std::move(f));
}

bool is_string(const ValueList& a, std::size_t i) { return a.size() > i && a[i].is<std::string>(); }
bool is_int(const ValueList& a, std::size_t i) { return a.size() > i && a[i].is<std::int64_t>(); }

// ---- The coordinator: the client node's transactions, shared by its TwoPhaseCommit client parts ------

class TpcClient;

struct NodeTxns {
  struct Cohort {
    ReplicaRef ref;
    std::int64_t calls = 0;  // calls of the transaction this cohort ran (ok or application error)
  };
  struct Txn {
    std::string id;
    std::map<std::string, Cohort> cohorts;  // by the cohort's group id
    std::string doomed;                     // why it can only abort (a call failed without an answer)
  };
  std::optional<Txn> open;  // one transaction at a time per client node
  // This incarnation of the node, counted in its storage: transaction ids never repeat across
  // restarts, and recovery knows which logged transactions an earlier incarnation left.
  std::int64_t incarnation = 0;
  std::uint64_t counter = 0;
  std::uint64_t sub_calls = 0;  // call ids of messages that are no application call (deliveries)
  std::map<std::string, TpcClient*> clients;                 // by cohort group id
  std::set<std::pair<std::string, std::string>> delivering;  // (txn, cohort) in background delivery
};

// Starts an incarnation of the node's table: a number counted in the node's storage, so that
// transaction ids never repeat across restarts and recovery knows which logged transactions an
// earlier incarnation left behind.
void begin_incarnation(Env& env, NodeTxns& t) {
  constexpr const char* kKey = "2pc/incarnation";
  std::int64_t n = 0;
  if (const auto before = env.storage().get(kKey)) {
    try {
      n = std::stoll(*before);
    } catch (const std::exception&) {
      env.log(LogLevel::kError, "TwoPhaseCommit: unreadable " + std::string(kKey) + "; counting from 0");
    }
  }
  t = NodeTxns{};
  t.incarnation = n + 1;
  env.storage().put(kKey, std::to_string(t.incarnation));
  env.storage().sync();
}

// A transaction spans microservices, and a node's client parts of different microservices are
// separate objects built by separate chains: this per-node table joins them. All code of one node
// runs on one logical thread and no backend runs two nodes' code at once in one process, so the
// table needs no lock. Keyed by Env and session; the client parts own the table (shared), so it
// lives exactly as long as some client part of the node (or a delivery it started) does, and the
// index holds weak references, the expired ones swept on each lookup: it stays as large as the
// live nodes. A backend may keep Env and session across a restart (the simulator does), so a
// client part registering for a cohort that already has one on the node (chains live as long as
// their kernel) starts a new incarnation of the table.
std::shared_ptr<NodeTxns> node_txns(Env& env) {
  static std::map<std::pair<const Env*, SessionId>, std::weak_ptr<NodeTxns>> all;
  std::erase_if(all, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = all[{&env, env.session()}];
  auto table = slot.lock();
  if (!table) {
    table = std::make_shared<NodeTxns>();
    begin_incarnation(env, *table);
    slot = table;
  }
  return table;
}

class TpcClient : public ClientDM {
 public:
  ~TpcClient() override {
    *alive_ = false;
    if (node_ != nullptr) {
      auto it = node_->clients.find(gid_);
      if (it != node_->clients.end() && it->second == this) node_->clients.erase(it);
    }
  }

  void on_create(ClientContext& ctx) override {
    ctx_ = &ctx;
    gid_ = ctx.group_id();
    node_ = node_txns(ctx.env());
    if (node_->clients.count(gid_) != 0) begin_incarnation(ctx.env(), *node_);  // the node restarted
    node_->clients[gid_] = this;
    const DmConfig& c = ctx.config();
    start_ = c.at("startMethod").as_string();
    commit_ = c.at("commitMethod").as_string();
    rollback_ = c.at("rollbackMethod").as_string();
    retry_ = ms_config(c, "retryMs");
    recover(ctx.env());
  }

  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (auto why = txn::control_config_problem("TwoPhaseCommit", ctx.config())) return Reply::error(Code::kBadSpec, *why);
    if (inv.method == start_) return start(ctx.env());
    if (inv.method == commit_) return commit(inv, ctx.env());
    if (inv.method == rollback_) return rollback(inv, ctx.env());
    if (node_->open) return in_transaction(inv, ctx);
    return plain(inv, ctx);
  }

 private:
  Reply start(Env& env) {
    if (node_->open) {
      return Reply::error(Code::kAborted, "TwoPhaseCommit: transaction " + node_->open->id +
                                              " is already open on this node (one at a time per client node)");
    }
    NodeTxns::Txn t;
    t.id = env.self() + "/" + std::to_string(node_->incarnation) + "/" + std::to_string(++node_->counter);
    node_->open = std::move(t);
    return Reply::ok(node_->open->id);
  }

  Reply in_transaction(Invocation& inv, ClientContext& ctx) {
    const std::string txn = node_->open->id;
    NodeTxns::Cohort& c = node_->open->cohorts[gid_];
    if (!c.ref.valid()) c.ref = ctx.ref_request();
    if (!c.ref.valid()) return doom(txn, Reply::error(Code::kUnavailable, "TwoPhaseCommit: no replica of " + ctx.microservice()));
    Invocation call = inv;
    call.method = kCall;
    call.args = {Value(txn), Value(c.calls), Value(inv.method), Value(inv.args)};
    call.read_only = false;  // reads take the cohort's lock too
    const ReplicaRef to = c.ref;
    Reply r = ctx.forward(to, call);
    if (!node_->open || node_->open->id != txn) return r;  // ended meanwhile (another context committed)
    if (r.ok() || r.status.code == Code::kAppError) {
      ++node_->open->cohorts[gid_].calls;
      return r;
    }
    return doom(txn, r);
  }

  // A call of the transaction failed without an answer: it may or may not have run at the cohort.
  Reply doom(const std::string& txn, Reply r) {
    if (node_->open && node_->open->id == txn && node_->open->doomed.empty()) {
      node_->open->doomed = r.status.to_string();
    }
    return r;
  }

  Reply plain(Invocation& inv, ClientContext& ctx) {
    if (!server_.valid()) server_ = ctx.ref_request();
    if (!server_.valid()) return Reply::error(Code::kUnavailable, "no live replica of " + ctx.microservice());
    Reply r = ctx.forward(server_, inv);
    const Code c = r.status.code;
    if (c == Code::kNoSuchObject || c == Code::kUnreachable || c == Code::kTimeout) server_ = {};
    return r;
  }

  Reply rollback(Invocation& inv, Env& env) {
    if (!node_->open) return Reply::error(Code::kBadArguments, "TwoPhaseCommit: " + rollback_ + " with no open transaction");
    NodeTxns::Txn t = std::move(*node_->open);
    node_->open.reset();
    // No log: a cohort not reached now aborts the transaction by itself after txnTimeoutMs idle.
    deliver_all(t, false, inv, env);
    return Reply::ok(true);
  }

  Reply commit(Invocation& inv, Env& env) {
    if (!node_->open) return Reply::error(Code::kBadArguments, "TwoPhaseCommit: " + commit_ + " with no open transaction");
    NodeTxns::Txn t = std::move(*node_->open);
    node_->open.reset();  // from here no call joins it
    if (!t.doomed.empty()) {
      deliver_all(t, false, inv, env);
      return Reply::error(Code::kAborted, "TwoPhaseCommit: transaction " + t.id + " aborted: a call failed (" + t.doomed + ")");
    }
    if (t.cohorts.empty()) return Reply::ok(true);
    // The cohorts first: after a crash from here on, recovery finds them and resolves them.
    log_record(env, t, "none");
    probe(env, "2pc.logged", t.id);
    std::string no;
    for (auto& [gid, c] : t.cohorts) {
      probe(env, "2pc.prepare", t.id, gid);
      Reply r = send(gid, c.ref, inv, kPrepare, {Value(t.id), Value(c.calls)}, inv.deadline);
      if (!r.ok() || !r.value.is<bool>() || !r.value.as_bool()) {
        no = gid + (r.ok() ? " voted no" : ": " + r.status.to_string());
        break;
      }
    }
    if (!no.empty()) {
      probe(env, "2pc.decided.abort", t.id);
      deliver_all(t, false, inv, env);
      return Reply::error(Code::kAborted, "TwoPhaseCommit: transaction " + t.id + " aborted: cohort " + no);
    }
    log_record(env, t, "commit");  // the decision, durable before any cohort hears of it
    probe(env, "2pc.decided.commit", t.id);
    deliver_all(t, true, inv, env);
    return Reply::ok(true);
  }

  void log_record(Env& env, const NodeTxns::Txn& t, const char* decision) {
    ValueMap cohorts;
    for (const auto& [gid, c] : t.cohorts) cohorts[gid] = c.ref.to_value();
    env.storage().put(kCoordPrefix + t.id, wire::encode_value(ValueMap{
                                               {"incarnation", node_->incarnation}, {"decision", decision},
                                               {"cohorts", std::move(cohorts)}, {"done", ValueList{}}}));
    env.storage().sync();
  }

  // Delivers the outcome to every cohort; the ones not reached soon get it in the background, until
  // they acknowledge.
  void deliver_all(const NodeTxns::Txn& t, bool commit, const Invocation& inv, Env& env) {
    for (const auto& [gid, c] : t.cohorts) {
      probe(env, commit ? "2pc.deliver.commit" : "2pc.deliver.abort", t.id, gid);
      // Now, briefly (the caller waits); a cohort that is down gets it in the background.
      if (deliver(env, t.id, gid, c.ref, commit, std::min(inv.deadline, deadline_after(env.now(), 4 * retry_)))) {
        acknowledged(env, t.id, gid);
      } else {
        deliver_later(env, t.id, gid, c.ref, commit);
      }
    }
  }

  // One cohort, retried every retryMs until it acknowledges or `deadline`.
  bool deliver(Env& env, const std::string& txn, const std::string& gid, const ReplicaRef& ref, bool commit, Time deadline) {
    auto alive = alive_;
    for (int attempt = 0; attempt < 100000 && *alive && env.now() < deadline; ++attempt) {
      Invocation none;
      none.caller = env.self();
      none.session = env.session();
      Reply r = send(gid, ref, none, commit ? kCommit : kAbort, {Value(txn)}, std::min(deadline, deadline_after(env.now(), 4 * retry_)));
      if (!*alive) return false;
      if (r.ok()) return true;
      env.sleep_for(std::max<Duration>(0, std::min(retry_, deadline - env.now())));
    }
    return false;
  }

  void deliver_later(Env& env, const std::string& txn, const std::string& gid, const ReplicaRef& ref, bool commit) {
    if (!node_->delivering.insert({txn, gid}).second) return;
    auto alive = alive_;
    std::shared_ptr<NodeTxns> node = node_;  // kept while delivering
    env.spawn("2pc.deliver", [this, alive, node, &env, txn, gid, ref, commit] {
      // Bounded: after an hour of trying, the record stays in the log for the next incarnation.
      const bool done = deliver(env, txn, gid, ref, commit, deadline_after(env.now(), 3600 * kSecond));
      if (!*alive) return;
      node->delivering.erase({txn, gid});
      if (done) acknowledged(env, txn, gid);
    });
  }

  // `gid` has the outcome: noted in the log, which is dropped once every cohort has it.
  void acknowledged(Env& env, const std::string& txn, const std::string& gid) {
    probe(env, "2pc.acked", txn, gid);
    auto bytes = env.storage().get(kCoordPrefix + txn);
    if (!bytes) return;
    Value rec = wire::decode_value(*bytes);
    ValueList done = rec.at("done").as_list();
    if (std::find(done.begin(), done.end(), Value(gid)) == done.end()) done.push_back(gid);
    std::size_t left = 0;
    for (const auto& [g, ref] : rec.at("cohorts").as_map()) left += std::find(done.begin(), done.end(), Value(g)) == done.end();
    if (left == 0) {
      env.storage().erase(kCoordPrefix + txn);
    } else {
      rec["done"] = std::move(done);
      env.storage().put(kCoordPrefix + txn, wire::encode_value(rec));
    }
    env.storage().sync();
  }

  // Recovery: the transactions an earlier incarnation of this node logged with this cohort among
  // their cohorts and no acknowledgement from it: commit if the decision was logged, else abort.
  void recover(Env& env) {
    for (const auto& key : env.storage().keys(kCoordPrefix)) {
      auto bytes = env.storage().get(key);
      if (!bytes) continue;
      Value rec;
      try {
        rec = wire::decode_value(*bytes);
        if (rec.at("incarnation").as_int() == node_->incarnation) continue;  // ours, in progress
        const Value* ref = rec.at("cohorts").find(gid_);
        const ValueList& done = rec.at("done").as_list();
        if (ref == nullptr || std::find(done.begin(), done.end(), Value(gid_)) != done.end()) continue;
        const std::string txn = key.substr(std::string(kCoordPrefix).size());
        const bool commit = rec.at("decision").as_string() == "commit";
        env.log(LogLevel::kInfo, "TwoPhaseCommit: recovering transaction " + txn + " at cohort " + gid_ + ": " +
                                     (commit ? "commit (decision logged)" : "abort (no decision logged)"));
        probe(env, commit ? "2pc.recover.commit" : "2pc.recover.abort", txn, gid_);
        deliver_later(env, txn, gid_, ReplicaRef::from_value(*ref), commit);
      } catch (const std::exception& e) {
        env.log(LogLevel::kError, "TwoPhaseCommit: unreadable coordinator record " + key + ": " + e.what());
      }
    }
  }

  // A protocol message to cohort `gid` through its client part on this node.
  Reply send(const std::string& gid, const ReplicaRef& ref, const Invocation& like, const char* method, ValueList args,
             Time deadline) {
    auto it = node_->clients.find(gid);
    if (it == node_->clients.end()) return Reply::error(Code::kUnavailable, "TwoPhaseCommit: no client part for cohort " + gid);
    Invocation m = like;
    m.method = method;
    m.args = std::move(args);
    m.read_only = false;
    // Not an application call: a call id of its own (top bit set, never one the kernel hands out).
    m.call_id = (std::uint64_t{1} << 63) | ++node_->sub_calls;
    m.deadline = deadline;
    return it->second->ctx_->forward(ref, m);
  }

  ClientContext* ctx_ = nullptr;
  std::shared_ptr<NodeTxns> node_;
  std::string gid_;
  std::string start_, commit_, rollback_;
  Duration retry_ = 200 * kMillisecond;
  ReplicaRef server_;  // for calls outside transactions
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// ---- A cohort --------------------------------------------------------------------------------------

class TpcServer : public ServerDM {
 public:
  ~TpcServer() override { *alive_ = false; }

  void on_create(ServerContext& ctx) override {
    ctx_ = &ctx;
    key_ = "2pc/" + ctx.self().rid;
    Storage& st = ctx.env().storage();
    if (!migrated_.is_null()) {  // moved here with its DM state (and the object's)
      if (const Value* a = migrated_.find("active"); a != nullptr && !a->is_null()) {
        active_ = Active{a->at("txn").as_string(), a->at("undo"), a->at("calls").as_int(), a->at("prepared").as_bool()};
      }
      migrated_ = {};
    } else if (auto bytes = st.get(key_)) {  // restarted with its storage
      const Value rec = wire::decode_value(*bytes);
      ctx.restore_object(rec.at("committed"));
      if (const Value& p = rec.at("prepared"); !p.is_null()) {
        ctx.restore_object(p.at("after"));
        active_ = Active{p.at("txn").as_string(), rec.at("committed"), p.at("calls").as_int(), true};
        ctx.env().log(LogLevel::kInfo, "TwoPhaseCommit: cohort " + ctx.self().rid + " recovered in doubt about " +
                                           active_->txn + "; it waits for the coordinator");
      }
    }
    if (active_) {
      active_->touched = ctx.env().now();
      (void)lock_.acquire(ctx.env(), ctx.env().now());  // free: nothing runs before on_create
      if (!active_->prepared) watch(ctx.env(), active_->txn);
    }
    persist(ctx);
  }

  void on_destroy(ServerContext& ctx) override {
    *alive_ = false;
    ctx.env().storage().erase(key_);
    ctx.env().storage().sync();
  }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    try {
      if (inv.method == kCall) return call(inv, ctx);
      if (inv.method == kPrepare) return prepare(inv, ctx);
      if (inv.method == kCommit) return finish(inv, ctx, true);
      if (inv.method == kAbort) return finish(inv, ctx, false);
      return plain(inv, ctx);
    } catch (const SystemError& e) {
      return Reply::error(Code::kBadArguments, std::string("TwoPhaseCommit: ") + e.what());
    }
  }

  Value snapshot() const override {
    if (!active_) return ValueMap{{"active", Value()}};
    return ValueMap{{"active", ValueMap{{"txn", active_->txn}, {"undo", active_->undo}, {"calls", active_->calls},
                                        {"prepared", active_->prepared}}}};
  }
  void restore(const Value& v) override { migrated_ = v; }

 private:
  struct Active {
    std::string txn;
    Value undo;  // the object's committed state, before the transaction's first call
    std::int64_t calls = 0;
    bool prepared = false;
    Time touched = 0;
    int running = 0;  // calls of the transaction in the object right now
  };

  Time lock_deadline(const Invocation& inv, ServerContext& ctx) const {
    return std::min(inv.deadline, deadline_after(ctx.env().now(), ms_config(ctx.config(), "lockTimeoutMs")));
  }

  // Outside a transaction: one call under the lock, its effect committed (synced) on its own.
  Reply plain(Invocation& inv, ServerContext& ctx) {
    if (!lock_.acquire(ctx.env(), lock_deadline(inv, ctx))) {
      return Reply::error(Code::kUnavailable, "TwoPhaseCommit: the object is held by transaction " +
                                                  (active_ ? active_->txn : std::string("?")));
    }
    FifoLockGuard guard(lock_);
    Reply r = ctx.next(inv);
    if (!inv.read_only) persist(ctx);
    return r;
  }

  Reply call(Invocation& inv, ServerContext& ctx) {
    const ValueList& a = inv.args;
    if (!is_string(a, 0) || !is_int(a, 1) || !is_string(a, 2) || a.size() != 4 || !a[3].is<ValueList>()) {
      return Reply::error(Code::kBadArguments, "TwoPhaseCommit: 2pc.call takes [txn, seq, method, args]");
    }
    const std::string txn = a[0].as_string();
    const std::int64_t seq = a[1].as_int();
    if (active_ && active_->txn == txn) {
      if (active_->prepared) return Reply::error(Code::kAborted, "TwoPhaseCommit: " + txn + " is already prepared");
      if (seq != active_->calls) return Reply::error(Code::kAborted, "TwoPhaseCommit: call out of sequence in " + txn);
    } else {
      // A later call of a transaction this cohort does not hold: it was aborted here (idle) or lost
      // in a crash; running it alone would commit half of the transaction.
      if (seq != 0) return Reply::error(Code::kAborted, "TwoPhaseCommit: transaction " + txn + " is unknown here (aborted or lost)");
      if (!lock_.acquire(ctx.env(), lock_deadline(inv, ctx))) {
        return Reply::error(Code::kAborted, "TwoPhaseCommit: " + txn + " waited too long for transaction " +
                                                (active_ ? active_->txn : std::string("?")));
      }
      active_ = Active{txn, ctx.snapshot_object(), 0, false, ctx.env().now()};
      watch(ctx.env(), txn);
    }
    Invocation app = inv;
    app.method = a[2].as_string();
    app.args = a[3].as_list();
    ++active_->running;
    Reply r = ctx.next(app);
    if (active_ && active_->txn == txn) {
      --active_->running;
      active_->touched = ctx.env().now();
      if (r.ok() || r.status.code == Code::kAppError) ++active_->calls;
    }
    return r;
  }

  Reply prepare(Invocation& inv, ServerContext& ctx) {
    const ValueList& a = inv.args;
    if (!is_string(a, 0) || !is_int(a, 1)) return Reply::error(Code::kBadArguments, "TwoPhaseCommit: 2pc.prepare takes [txn, calls]");
    const std::string txn = a[0].as_string();
    if (!active_ || active_->txn != txn) return Reply::ok(false);  // aborted here, or lost in a crash
    if (active_->prepared) return Reply::ok(true);
    if (active_->running > 0) return Reply::ok(false);  // a call still in the object: the abort waits for it
    if (a[1].as_int() != active_->calls) {
      end(ctx, false);  // a call the coordinator counts did not run here: the transaction cannot commit
      return Reply::ok(false);
    }
    active_->prepared = true;
    persist(ctx);
    probe(ctx.env(), "2pc.prepared", txn, ctx.self().rid);
    return Reply::ok(true);
  }

  Reply finish(Invocation& inv, ServerContext& ctx, bool commit) {
    if (!is_string(inv.args, 0)) return Reply::error(Code::kBadArguments, "TwoPhaseCommit: decisions take [txn]");
    const std::string txn = inv.args[0].as_string();
    if (!active_ || active_->txn != txn) return Reply::ok(true);  // done before (or never here)
    if (commit && !active_->prepared) {
      return Reply::error(Code::kAborted, "TwoPhaseCommit: commit of " + txn + ", which is not prepared here");
    }
    // An abort waits for the transaction's call in the object (if any) to leave it.
    for (int i = 0; i < 10000 && active_ && active_->txn == txn && active_->running > 0; ++i) ctx.env().sleep_for(kMillisecond);
    if (active_ && active_->txn == txn) end(ctx, commit);
    return Reply::ok(true);
  }

  // Ends the active transaction: commit keeps the object's state, abort restores the undo image.
  void end(ServerContext& ctx, bool commit) {
    const std::string txn = active_->txn;
    if (!commit) ctx.restore_object(active_->undo);
    active_.reset();
    persist(ctx);
    probe(ctx.env(), commit ? "2pc.committed" : "2pc.aborted", txn, ctx.self().rid);
    lock_.release();
  }

  // The cohort's durable record: the committed state, and the prepared transaction if any.
  void persist(ServerContext& ctx) {
    Value prepared;
    Value committed;
    if (active_ && active_->prepared) {
      committed = active_->undo;
      prepared = ValueMap{{"txn", active_->txn}, {"calls", active_->calls}, {"after", ctx.snapshot_object()}};
    } else {
      committed = active_ ? active_->undo : ctx.snapshot_object();
    }
    Storage& st = ctx.env().storage();
    st.put(key_, wire::encode_value(ValueMap{{"committed", std::move(committed)}, {"prepared", std::move(prepared)}}));
    st.sync();
  }

  // An unprepared transaction idle for txnTimeoutMs is aborted here (its client is presumed gone);
  // a later call of it is refused and its prepare votes no.
  void watch(Env& env, const std::string& txn) {
    const Duration limit = ms_config(ctx_->config(), "txnTimeoutMs");
    auto alive = alive_;
    env.spawn("2pc.watch", [this, alive, &env, txn, limit] {
      for (int i = 0; i < 1000000; ++i) {
        env.sleep_for(std::max<Duration>(kMillisecond, limit / 4));
        if (!*alive || !active_ || active_->txn != txn || active_->prepared) return;
        if (active_->running == 0 && env.now() - active_->touched >= limit) {
          env.log(LogLevel::kInfo, "TwoPhaseCommit: aborted " + txn + " (idle for txnTimeoutMs)");
          end(*ctx_, false);
          return;
        }
      }
    });
  }

  ServerContext* ctx_ = nullptr;
  std::string key_;
  FifoLock lock_;
  std::optional<Active> active_;
  Value migrated_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

DmDescriptor two_phase_commit() {
  using K = Value::Kind;
  DmDescriptor d;
  d.name = "TwoPhaseCommit";
  d.category = "transactions";
  d.summary = "transactions across microservices: a coordinator on the client node, each such microservice a cohort";
  d.paper = "Amino.Run TwoPCCoordinator / TwoPCCohort";
  d.source = "dms/two_phase_commit.h";
  d.guarantee =
      "Between startTransaction and commitTransaction (or rollbackTransaction) every call the client node makes "
      "to a TwoPhaseCommit microservice belongs to the transaction: it runs at that cohort on the object under "
      "the cohort's exclusive lock, held until the transaction ends (strict two-phase locking: serializable), "
      "after an undo image was taken. commitTransaction runs two-phase commit: the coordinator (the client "
      "node) logs the cohorts to its Env::storage() and syncs, asks every cohort to prepare (a cohort votes yes "
      "only if it ran every call of the transaction the client saw succeed, and has synced its prepared state), "
      "logs the decision and syncs before any cohort is told to commit, then delivers it until every cohort "
      "acknowledged. Atomicity: all cohorts commit or none does. commitTransaction returns true once the "
      "decision is durable, or kAborted with the reason (a cohort voted no, a call of the transaction failed "
      "without an answer); rollbackTransaction undoes the transaction at every cohort. Calls outside a "
      "transaction run under the same lock, each committed (synced) on its own.";
  d.tolerates =
      "Crash of the coordinator (the client node) at any step, restarted with its storage: each TwoPhaseCommit "
      "client part created there again finds the transactions logged with its cohort and delivers their outcome, "
      "commit if the decision was logged and abort otherwise (presumed abort); until then a prepared cohort is "
      "in doubt and holds its lock. Crash of a cohort at any step, restarted with its storage (a durable DM: its "
      "committed state and its prepared transaction are synced and recovered by on_create; an unprepared "
      "transaction is lost and votes no). Message loss, delay and partitions: calls fail (the transaction then "
      "aborts), decisions are re-delivered every retryMs. A client that dies before committing and never comes "
      "back: its cohorts abort the unprepared transaction after txnTimeoutMs idle. Not tolerated: a coordinator "
      "that never returns with its storage (its prepared cohorts stay in doubt: 2PC blocks), loss of a "
      "cohort's storage.";
  d.caveats =
      "One open transaction per client node: every call the node makes to a TwoPhaseCommit microservice while "
      "it is open belongs to it, from whichever execution context (the DM cannot tell a node's contexts apart). "
      "Conflicting transactions wait up to lockTimeoutMs for a cohort's lock, then the call fails with kAborted "
      "and the transaction must be rolled back (deadlocks end this way). A call of the transaction that fails "
      "without an answer dooms it: its commit aborts. The coordinator runs on the client node, since only the "
      "client knows which microservices a transaction touched and only client parts can reach the cohorts; "
      "recovery of a crashed coordinator therefore waits for its node to return and acquire the cohorts again. "
      "The application class need not declare the three control methods. "
      "One replica per cohort: not combinable with replication DMs.";
  d.config = txn::control_keys();  // startMethod, commitMethod, rollbackMethod: shared with the transaction DMs
  d.config.insert(d.config.end(), {
      ConfigKey{"lockTimeoutMs", K::kInt, Value(2000), "longest a call waits for a cohort held by another transaction",
                Value(0), Value(kMaxTimeoutMs)},
      ConfigKey{"txnTimeoutMs", K::kInt, Value(10000),
                "a cohort aborts an unprepared transaction idle this long (its client is presumed gone)", Value(1),
                Value(kMaxTimeoutMs)},
      ConfigKey{"retryMs", K::kInt, Value(200), "coordinator: period of re-sending a decision a cohort has not acknowledged",
                Value(1), Value(kMaxTimeoutMs)},
  });
  d.control_methods = txn::control_methods;
  d.make_client = [] { return std::make_unique<TpcClient>(); };
  d.make_server = [] { return std::make_unique<TpcServer>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  d.durable = true;
  return d;
}

}  // namespace amino::dms
