#include "replicated_oms/oms_replica.h"

#include <algorithm>

#include "replicated_oms/oms_state_delta.h"

namespace amino::replicated_oms {

namespace {
constexpr const char* kGroup = "oms";             // the Raft group's id
constexpr const char* kDeltaMethod = "oms.delta";  // one state change
constexpr const char* kBarrierMethod = "oms.barrier";  // a new leader's first command
constexpr std::int64_t kIdsPerTerm = 1000000;          // ids a leader hands out before they could collide
}  // namespace

OmsReplica::OmsReplica(Rpc& rpc, Oms& oms, OmsReplicaOptions options)
    : rpc_(rpc), env_(rpc.env()), oms_(oms), opts_(std::move(options)), wake_(rpc.env()) {
  std::sort(opts_.peers.begin(), opts_.peers.end());
  opts_.peers.erase(std::unique(opts_.peers.begin(), opts_.peers.end()), opts_.peers.end());
  if (std::find(opts_.peers.begin(), opts_.peers.end(), env_.self()) == opts_.peers.end()) {
    opts_.peers.push_back(env_.self());
    std::sort(opts_.peers.begin(), opts_.peers.end());
  }
  oms_.replicate_with(*this);
}

OmsReplica::~OmsReplica() { stop(); }

ReplicaRef OmsReplica::ref_of(const NodeId& node) {
  ReplicaRef r;
  r.rid = node;  // one replica per node: the node id names it
  r.gid = kGroup;
  r.node = node;
  return r;
}

void OmsReplica::start() {
  node_ = std::make_shared<dms::raft::RaftNode>(env_, static_cast<dms::raft::Host&>(*this), opts_.raft, "oms/raft/");
  rpc_.serve_value(kRaftService, [this](const NodeId& from, const Value& body) {
    if (stopped_ || !node_) return Reply::error(Code::kUnavailable, "OMS replica stopped");
    // A peer is the node it connected from (authenticated with a cluster key), whatever it claims;
    // only the configured replicas take part.
    if (std::find(opts_.peers.begin(), opts_.peers.end(), from) == opts_.peers.end()) {
      env_.log(LogLevel::kWarn, "OMS replica " + env_.self() + ": Raft message from " + from + ", not a peer: refused");
      return Reply::error(Code::kBadArguments, from + " is not an OMS replica of this group");
    }
    try {
      return node_->handle(ref_of(from), body);
    } catch (const std::exception& e) {
      env_.log(LogLevel::kWarn, "OMS replica " + env_.self() + ": bad Raft message from " + from + ": " + e.what());
      return Reply::error(Code::kBadArguments, std::string("bad Raft message: ") + e.what());
    }
  });
  rpc_.serve_value(kInfoService, [this](const NodeId&, const Value&) {
    return Reply::ok(ValueMap{{"initialized", node_ && node_->status().at("initialized").as_bool()}});
  });
  node_->start(nullptr);
  env_.spawn("oms-replica", [this] {
    if (!node_->status().at("initialized").as_bool() && env_.self() == opts_.peers.front() &&
        !group_exists_elsewhere()) {
      // Founded with every configured replica as a voter: a founder that began alone would
      // acknowledge creates that only its own disk holds until the others joined, and with it down
      // the others (never members) could not elect a leader.
      Reply b = node_->bootstrap(live_members());
      env_.log(b.ok() ? LogLevel::kInfo : LogLevel::kWarn,
               "OMS replica " + env_.self() + (b.ok() ? " founded the replica group" : " did not found: " + b.status.to_string()));
    }
    watch_loop();
  });
}

void OmsReplica::stop() {
  if (stopped_) return;
  stopped_ = true;
  serving_ = false;
  if (node_) node_->stop();
  wake_.notify();
}

bool OmsReplica::group_exists_elsewhere() {
  for (const auto& peer : opts_.peers) {
    if (peer == env_.self()) continue;
    Reply r = rpc_.call_value(peer, kInfoService, ValueMap{}, opts_.probe_timeout);
    if (r.ok() && r.value.at("initialized").as_bool()) return true;
  }
  return false;
}

// ---- Leadership ------------------------------------------------------------------------------------

void OmsReplica::watch_loop() {
  while (!stopped_) {
    const bool leader = node_->is_leader();
    const std::int64_t term = node_->status().at("term").as_int();
    if (leader && (!serving_ || term != serving_term_)) {
      take_over(term);
    } else if (!leader && serving_) {
      serving_ = false;
      env_.log(LogLevel::kInfo, "OMS replica " + env_.self() + " no longer leads: stopped serving");
    } else if (serving_) {
      // Changes made outside requests (group DMs' timers, failure handling, heartbeats) commit here.
      dirty_ = false;
      (void)commit();
    }
    wake_.wait_until(env_.now() + opts_.poll);
  }
}

void OmsReplica::take_over(std::int64_t term) {
  serving_ = false;
  Invocation barrier;
  barrier.method = kBarrierMethod;
  Reply r = node_->submit(barrier, dms::raft::CallMeta{}, env_.now() + opts_.commit_timeout);
  if (stopped_ || !r.ok() || !node_->is_leader() || node_->status().at("term").as_int() != term) return;
  // Everything committed before the barrier is applied: the committed state is the whole truth.
  // Ids (microservices, groups, replicas, objects) continue from a range of this term's own: a
  // deposed leader may have handed out ids it never committed (an object installed on a kernel
  // server, dropped later by reconciliation), and a new object must never share its id.
  Value state = committed_;
  Value& meta = state["meta"];
  if (!meta.is<ValueMap>()) meta = ValueMap{};
  const Value* next = meta.find("next_id");
  const std::int64_t from_term = term * kIdsPerTerm + 1;
  if (next == nullptr || next->as_int() < from_term) meta["next_id"] = from_term;
  oms_.import_state(state);
  base_ = committed_;  // the first commit carries the new id range
  serving_term_ = term;
  serving_ = true;
  const Value* ms = committed_.find("ms");
  env_.log(LogLevel::kInfo, "OMS replica " + env_.self() + " leads (term " + std::to_string(term) + ") with " +
                                std::to_string(ms == nullptr ? 0 : ms->as_map().size()) + " microservice record(s)");
  if (env_.probing()) env_.probe("oms.leader", {{"node", env_.self()}, {"term", term}});
}

Reply OmsReplica::redirect() const {
  std::string leader;
  if (node_ && !stopped_) leader = node_->status().at("leader").as_string();
  if (node_ && node_->is_leader()) leader = env_.self();  // elected, still taking over: retry here
  return Reply::error(Code::kNotLeader, "OMS replica " + env_.self() + " does not serve; leader=" + leader);
}

// ---- Committing -------------------------------------------------------------------------------------

Status OmsReplica::commit() {
  if (!serving()) return redirect().status;
  const Time deadline = env_.now() + opts_.commit_timeout;
  // One commit at a time: a request whose changes an earlier commit carried waits for it to finish,
  // so it is never answered before its changes are in the log.
  while (committing_) {
    auto s = env_.make_signal();
    commit_waiters_.push_back(s);
    if (!s->wait_until(deadline)) return Status{Code::kTimeout, "OMS commit queue did not drain by the deadline", {}};
    if (!serving()) return redirect().status;
  }
  committing_ = true;
  const Value now = oms_.export_state();
  const Value delta = state_delta(base_, now);
  Status result;
  if (!delta_empty(delta)) {
    Invocation inv;
    inv.method = kDeltaMethod;
    inv.args = {delta};
    Reply r = node_->submit(inv, dms::raft::CallMeta{}, deadline);
    if (r.ok()) {
      base_ = now;
    } else {
      // Not committed (deposed, or no majority in time; it may still commit later): stop serving
      // until we take over again from the committed state, which drops what never made it.
      // kNotLeader: the client asks the replicas again (its retry may repeat the request).
      result = Status{Code::kNotLeader,
                      "OMS change not committed (it may still take effect): " + r.status.message + "; leader=", {}};
      serving_ = false;
      wake_.notify();
    }
  }
  committing_ = false;
  auto waiters = std::move(commit_waiters_);
  commit_waiters_.clear();
  for (auto& w : waiters) w->notify();
  return result;
}

Status OmsReplica::fence() {
  if (!serving()) return redirect().status;
  Invocation barrier;
  barrier.method = kBarrierMethod;
  Reply r = node_->submit(barrier, dms::raft::CallMeta{}, env_.now() + opts_.commit_timeout);
  if (r.ok() && serving()) return {};
  serving_ = false;
  wake_.notify();
  return Status{Code::kNotLeader, "OMS replica " + env_.self() + " could not confirm it leads: " + r.status.message +
                                      "; leader=", {}};
}

// ---- dms::raft::Host --------------------------------------------------------------------------------

Reply OmsReplica::send(const ReplicaRef& to, const Value& msg, Duration timeout) {
  return rpc_.call_value(to.node, kRaftService, msg, timeout);
}

Reply OmsReplica::apply(Invocation& inv) {
  if (inv.method == kBarrierMethod) return Reply::ok({});
  if (inv.method != kDeltaMethod || inv.args.size() != 1) {
    env_.log(LogLevel::kError, "OMS replica " + env_.self() + ": unknown command " + inv.method + " in the log");
    return Reply::error(Code::kBadArguments, "unknown OMS command " + inv.method);
  }
  try {
    apply_delta(committed_, inv.args[0]);
  } catch (const std::exception& e) {
    env_.log(LogLevel::kError, "OMS replica " + env_.self() + ": malformed state change in the log: " + e.what());
    return Reply::error(Code::kBadArguments, std::string("malformed OMS state change: ") + e.what());
  }
  return Reply::ok({});
}

void OmsReplica::restore_object(const Value& state) { committed_ = state.is_null() ? Value(ValueMap{}) : state; }

std::vector<ReplicaRef> OmsReplica::live_members() {
  std::vector<ReplicaRef> out;
  for (const auto& p : opts_.peers) out.push_back(ref_of(p));
  return out;
}

Value OmsReplica::status() const {
  Value s = node_ ? node_->status() : Value(ValueMap{});
  s["serving"] = serving();
  return s;
}

}  // namespace amino::replicated_oms
