#include "dms/raft/raft_node.h"

#include <algorithm>
#include <cstdio>

#include "runtime/mutants.h"
#include "runtime/wire.h"

namespace amino::dms::raft {

namespace {

// Peer message types.
constexpr const char* kPreVote = "pv";
constexpr const char* kRequestVote = "rv";
constexpr const char* kAppend = "ae";
constexpr const char* kInstall = "is";

std::size_t majority(std::size_t voters) {
  // Mutant quorum_off_by_one: `>=` for `>` when counting (n/2 instead of n/2+1), at least one.
  if (mutant_active(Mutant::kQuorumOffByOne)) return std::max<std::size_t>(voters / 2, 1);
  return voters / 2 + 1;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const char* role_name(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

// A log entry's identity for probes: its digest (term, kind and body) as 16 hex digits.
std::string entry_digest(const Entry& e) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(wire::digest(e.to_value())));
  return buf;
}

Reply answer(std::int64_t term, bool ok, ValueMap extra = {}) {
  extra.emplace("term", term);
  extra.emplace("ok", ok);
  return Reply::ok(std::move(extra));
}

}  // namespace

RaftNode::RaftNode(Env& env, Host& host, Options options, std::string storage_prefix)
    : env_(env),
      host_(&host),
      opts_(options),
      store_(env.storage(), std::move(storage_prefix)),
      self_rid_(host.self().rid),
      group_(host.self().gid),
      tick_event_(env),
      apply_event_(env),
      applied_event_(env),
      members_event_(env) {}

// ---- Lifecycle ------------------------------------------------------------------------------------

void RaftNode::start(const Value* migrated) {
  if (migrated != nullptr && !migrated->is_null()) store_.load_dump(*migrated);
  addrs_[self_rid_] = host_->self();
  recover(store_.load());
  if (env_.probing()) {
    env_.probe("raft.start", {{"group", group_}, {"replica", self_rid_}, {"term", term_}, {"voted_for", voted_for_},
                              {"base", log_.base_index()}, {"last", log_.last_index()}});
  }
  reset_election_deadline();
  auto self = shared_from_this();
  env_.spawn("raft-tick", [self] { self->tick_loop(); });
  env_.spawn("raft-apply", [self] { self->apply_loop(); });
}

void RaftNode::recover(const Store::Loaded& loaded) {
  for (const auto& key : loaded.corrupt) env_.log(LogLevel::kWarn, "raft " + self_rid_ + ": skipped unreadable " + key);
  if (loaded.hard) {
    term_ = loaded.hard->term;
    voted_for_ = loaded.hard->voted_for;
  }
  if (!loaded.snapshot) return;  // not bootstrapped and never caught up: a joiner
  snap_ = *loaded.snapshot;
  log_.reset(snap_.index, snap_.term);
  host_->restore_object(snap_.object);
  sessions_ = Sessions::from_value(wire::decode_value(snap_.sessions));
  snap_config_ = learn_members(snap_.members);
  initialized_ = true;
  applied_ = commit_ = snap_.index;  // later entries are re-applied once a leader says they committed
  for (const auto& [index, entry] : loaded.entries) {
    if (index <= log_.base_index()) continue;  // left over from a compaction cut short by a crash
    if (index != log_.last_index() + 1) break; // never expected: stop at the first gap
    log_.append(entry);
  }
  recompute_config();
}

Reply RaftNode::bootstrap(const std::vector<ReplicaRef>& members) {
  if (stopped_) return Reply::error(Code::kUnavailable, "replica stopped");
  if (initialized_ || term_ > 0) return Reply::error(Code::kAborted, "replica " + self_rid_ + " has Raft state already");
  std::vector<std::string> rids{self_rid_};
  for (const auto& m : members) {
    if (m.rid == self_rid_) continue;
    addrs_[m.rid] = m;
    rids.push_back(m.rid);
  }
  std::sort(rids.begin(), rids.end());
  rids.erase(std::unique(rids.begin(), rids.end()), rids.end());
  snap_ = SnapshotRec{};
  snap_.members = members_value(rids);
  snap_.object = host_->snapshot_object();
  snap_.sessions = sessions_.encode();
  store_.save_snapshot(snap_);
  store_.sync();
  snap_config_ = rids;
  recompute_config();
  initialized_ = true;
  // A one-member configuration elects itself at once; a larger one campaigns at once too, and the
  // members that have nothing stored yet vote (an empty log is never more up to date) and then
  // receive the founder's snapshot.
  election_deadline_ = env_.now();
  tick_event_.notify();
  return Reply::ok({});
}

void RaftNode::stop() {
  if (stopped_) return;
  stopped_ = true;
  host_ = nullptr;
  fail_waiters(0, kForever, Reply::error(Code::kUnavailable, "replica " + self_rid_ + " stopped"));
  for (auto& [rid, p] : peers_) p->wake.notify();
  peers_.clear();
  tick_event_.notify();
  apply_event_.notify();
  applied_event_.notify();
  members_event_.notify();
}

Value RaftNode::export_state() {
  frozen_ = true;
  return store_.dump();
}

Value RaftNode::status() const {
  ValueList config;
  for (const auto& rid : config_) config.push_back(rid);
  return ValueMap{{"rid", self_rid_},
                  {"role", role_name(role_)},
                  {"term", term_},
                  {"leader", leader_},
                  {"commit", commit_},
                  {"applied", applied_},
                  {"last", log_.last_index()},
                  {"base", log_.base_index()},
                  {"config", std::move(config)},
                  {"initialized", initialized_},
                  {"sessions", static_cast<std::int64_t>(sessions_.size())}};
}

// ---- Persistence ----------------------------------------------------------------------------------

void RaftNode::persist_hard_state() {
  // Mutant vote_not_persisted: term and vote live in memory only; a restart forgets both.
  if (mutant_active(Mutant::kVoteNotPersisted)) return;
  store_.save_hard_state(HardState{term_, voted_for_});
  store_.sync();
}

std::int64_t RaftNode::append_local(Entry e) {
  const bool is_config = e.kind == EntryKind::kConfig;
  const std::int64_t index = log_.append(std::move(e));
  store_.save_entry(index, log_.at(index));
  store_.sync();  // the leader counts itself in the majority only for durable entries
  if (is_config) recompute_config();
  if (mutant_active(Mutant::kApplyBeforeCommit)) apply_event_.notify();
  return index;
}

// Only uncommitted entries: on_append refuses a message that would replace a committed one.
void RaftNode::truncate_from(std::int64_t index) {
  const std::int64_t old_last = log_.last_index();
  log_.truncate_from(index);
  store_.erase_entries(index, old_last);
  if (config_index_ >= index) recompute_config();
  fail_waiters(index, kForever, not_leader());
}

void RaftNode::install_snapshot(const SnapshotRec& s, Sessions sessions) {
  const std::int64_t old_base = log_.base_index();
  const std::int64_t old_last = log_.last_index();
  const bool keep_suffix = log_.term_at(s.index) == s.term;
  if (keep_suffix) {
    log_.compact(s.index, s.term);
  } else {
    log_.reset(s.index, s.term);
  }
  if (host_ != nullptr) host_->restore_object(s.object);
  sessions_ = std::move(sessions);
  snap_ = s;
  snap_config_ = learn_members(s.members);
  recompute_config();
  initialized_ = true;
  applied_ = s.index;
  commit_ = std::max(commit_, s.index);
  // Snapshot first, then drop what it covers: a crash in between leaves extra entries, never a gap.
  store_.save_snapshot(s);
  store_.sync();
  store_.erase_entries(old_base + 1, keep_suffix ? s.index : old_last);
  store_.sync();
  fail_waiters(0, s.index, not_leader());
}

void RaftNode::maybe_snapshot() {
  if (applied_ - log_.base_index() < opts_.snapshot_every || host_ == nullptr) return;
  SnapshotRec s;
  s.index = applied_;
  s.term = *log_.term_at(applied_);
  s.members = members_value(config_at(applied_));
  s.object = host_->snapshot_object();
  s.sessions = sessions_.encode();
  const std::int64_t old_base = log_.base_index();
  snap_config_ = config_at(applied_);
  const std::int64_t index = s.index;  // snap_ may be replaced while sync() blocks
  snap_ = std::move(s);                 // moved, not copied: the session table makes it large
  log_.compact(index, snap_.term);
  store_.save_snapshot(snap_);
  store_.sync();
  store_.erase_entries(old_base + 1, index);
  store_.sync();
}

// ---- Configuration --------------------------------------------------------------------------------

std::vector<std::string> RaftNode::learn_members(const Value& members) {
  std::vector<std::string> rids;
  for (const auto& m : members.as_list()) {
    ReplicaRef r = ReplicaRef::from_value(m);
    // Addresses in old config entries may be stale (replicas migrate): only fill in unknown ones;
    // the OMS's membership lists and the leader's own messages keep them current.
    if (addrs_.count(r.rid) == 0) addrs_[r.rid] = r;
    rids.push_back(r.rid);
  }
  std::sort(rids.begin(), rids.end());
  return rids;
}

Value RaftNode::members_value(const std::vector<std::string>& rids) const {
  ValueList out;
  for (const auto& rid : rids) {
    auto it = addrs_.find(rid);
    ReplicaRef r;
    if (it != addrs_.end()) r = it->second;
    r.rid = rid;
    out.push_back(r.to_value());
  }
  return out;
}

std::vector<std::string> RaftNode::config_at(std::int64_t index) const {
  for (std::int64_t i = std::min(index, log_.last_index()); i > log_.base_index(); --i) {
    const Entry& e = log_.at(i);
    if (e.kind != EntryKind::kConfig) continue;
    std::vector<std::string> rids;
    for (const auto& m : e.body.at("members").as_list()) rids.push_back(m.at("rid").as_string());
    std::sort(rids.begin(), rids.end());
    return rids;
  }
  return snap_config_;
}

void RaftNode::recompute_config() {
  config_index_ = log_.base_index();
  for (std::int64_t i = log_.last_index(); i > log_.base_index(); --i) {
    if (log_.at(i).kind == EntryKind::kConfig) {
      config_index_ = i;
      config_ = learn_members(log_.at(i).body.at("members"));
      return;
    }
  }
  config_ = snap_config_;
}

bool RaftNode::is_voter(const std::string& rid) const { return contains(config_, rid); }

// ---- Elections ------------------------------------------------------------------------------------

void RaftNode::tick_loop() {
  auto keep = shared_from_this();
  while (!stopped_) {
    if (!frozen_) {
      if (role_ == Role::kLeader) {
        check_quorum();
      } else if (env_.now() >= election_deadline_) {
        if (can_campaign()) {
          campaign();
        } else {
          reset_election_deadline();
        }
      }
    }
    if (stopped_) return;
    Time until = role_ == Role::kLeader ? env_.now() + opts_.heartbeat : election_deadline_;
    // Frozen (export_state: the state left for a migration) past its election deadline: nothing
    // to do until a call unfreezes it (submit notifies), so wait a heartbeat rather than return at
    // once from a deadline already passed, which spun forever (on SimGrid time stood still).
    if (until <= env_.now()) until = env_.now() + opts_.heartbeat;
    tick_event_.wait_until(until);
  }
}

void RaftNode::reset_election_deadline() {
  const auto span = static_cast<std::int64_t>(opts_.election_max - opts_.election_min);
  election_deadline_ = env_.now() + opts_.election_min + env_.rng().uniform_int(0, std::max<std::int64_t>(span, 0));
}

bool RaftNode::can_campaign() const { return initialized_ && !frozen_ && is_voter(self_rid_); }

void RaftNode::campaign() {
  const Time started = env_.now();
  leader_.clear();
  role_ = Role::kFollower;    // a candidate whose round timed out starts over with a pre-vote
  reset_election_deadline();  // if this round fails, the next one waits a fresh random timeout
  // Pre-vote (thesis §9.6): ask first, without raising our term, so that a replica that was cut off
  // (or removed) cannot depose a healthy leader by coming back with a higher term.
  if (!poll(true, started)) return;
  if (stopped_ || role_ == Role::kLeader || last_leader_contact_ > started) return;
  ++term_;
  voted_for_ = self_rid_;
  role_ = Role::kCandidate;
  persist_hard_state();
  if (env_.probing()) {
    env_.probe("raft.vote", {{"group", group_}, {"term", term_}, {"candidate", self_rid_}, {"voter", self_rid_}});
  }
  reset_election_deadline();
  if (poll(false, started) && role_ == Role::kCandidate) become_leader();
}

bool RaftNode::still_polling(bool pre_vote, std::int64_t term, Time started) const {
  if (stopped_ || term_ != term) return false;
  if (pre_vote) return role_ == Role::kFollower && last_leader_contact_ <= started;
  return role_ == Role::kCandidate;
}

bool RaftNode::poll(bool pre_vote, Time started) {
  const std::vector<std::string> voters = config_;
  const std::size_t need = majority(voters.size());
  auto ballot = std::make_shared<Ballot>(env_);
  if (ballot->granted >= need) return true;
  const std::int64_t term = term_;
  Value msg = ValueMap{{"t", pre_vote ? kPreVote : kRequestVote},
                       {"term", pre_vote ? term + 1 : term},
                       {"cand", self_rid_},
                       {"last", log_.last_index()},
                       {"lterm", log_.last_term()}};
  std::size_t asked = 0;
  auto self = shared_from_this();
  for (const auto& rid : voters) {
    if (rid == self_rid_) continue;
    ++asked;
    env_.spawn("raft-vote", [self, ballot, rid, msg] {
      Reply r = self->send_to(rid, msg);
      ++ballot->answered;
      if (r.ok()) {
        const std::int64_t their_term = r.value.at("term").as_int();
        if (r.value.at("ok").as_bool()) {
          ++ballot->granted;
        } else if (their_term > self->term_) {
          ballot->higher_term = std::max(ballot->higher_term, their_term);
        }
      }
      ballot->event.notify();
    });
  }
  const Time deadline = env_.now() + opts_.rpc_timeout;
  while (ballot->granted < need && ballot->answered < asked && ballot->higher_term == 0 &&
         still_polling(pre_vote, term, started) && env_.now() < deadline) {
    ballot->event.wait_until(deadline);
  }
  if (ballot->higher_term > term_ && !stopped_) {
    become_follower(ballot->higher_term);
    return false;
  }
  return ballot->granted >= need && still_polling(pre_vote, term, started);
}

void RaftNode::become_follower(std::int64_t term) {
  if (role_ == Role::kLeader && env_.probing()) {
    env_.probe("raft.step_down", {{"group", group_}, {"term", term_}, {"replica", self_rid_}, {"to_term", term}});
  }
  if (term > term_) {
    term_ = term;
    voted_for_.clear();
    leader_.clear();
    persist_hard_state();
  }
  if (role_ == Role::kLeader) {
    for (auto& [rid, p] : peers_) p->wake.notify();
    peers_.clear();
    members_event_.notify();
  }
  role_ = Role::kFollower;
  tick_event_.notify();
}

void RaftNode::accept_leader(std::int64_t term, const std::string& leader, const ReplicaRef& from) {
  if (term > term_ || role_ != Role::kFollower) become_follower(term);
  leader_ = leader;
  last_leader_contact_ = env_.now();
  if (!from.rid.empty()) addrs_[from.rid] = from;
  reset_election_deadline();
}

void RaftNode::become_leader() {
  role_ = Role::kLeader;
  leader_ = self_rid_;
  leader_since_ = env_.now();
  peers_.clear();
  pending_.clear();
  if (env_.probing()) {
    env_.probe("raft.leader", {{"group", group_}, {"term", term_}, {"replica", self_rid_},
                               {"last_index", log_.last_index()}, {"last_term", log_.last_term()}});
  }
  // A no-op of our own term: entries of earlier terms commit only under one of ours (§5.4.2), and
  // membership changes wait for it (the single-server-change fix from Ongaro's 2015 errata).
  // Mutant commit_earlier_term: no entry of our own term; advance_commit counts replicas instead.
  term_start_ = mutant_active(Mutant::kCommitEarlierTerm) ? log_.last_index()
                                                           : append_local(Entry{term_, EntryKind::kNoop, {}});
  for (const auto& rid : config_) {
    if (rid != self_rid_) ensure_peer(rid);
  }
  env_.log(LogLevel::kInfo, "raft " + self_rid_ + " leads term " + std::to_string(term_));
  auto self = shared_from_this();
  const std::int64_t term = term_;
  env_.spawn("raft-members", [self, term] { self->members_loop(term); });
  env_.spawn("raft-announce", [self, term] {
    if (self->leading(term) && self->host_ != nullptr) {
      self->host_->tell_group(ValueMap{{"op", "leader"}, {"rid", self->self_rid_}, {"term", term}});
    }
  });
  advance_commit();
}

void RaftNode::check_quorum() {
  // A leader cut off from a majority cannot commit: step down so that clients get kNotLeader at
  // once instead of waiting for their deadline, and a majority elects someone reachable.
  const Time now = env_.now();
  if (now - leader_since_ < opts_.election_max) return;
  if (heard_from_majority(config_)) return;
  env_.log(LogLevel::kInfo, "raft " + self_rid_ + " lost its quorum: steps down in term " + std::to_string(term_));
  become_follower(term_);
  leader_.clear();
  reset_election_deadline();
}

bool RaftNode::heard_from_majority(const std::vector<std::string>& config, bool answered) const {
  const Time now = env_.now();
  std::size_t heard = 0;
  for (const auto& rid : config) {
    if (rid == self_rid_) {
      ++heard;
      continue;
    }
    auto it = peers_.find(rid);
    if (it != peers_.end() && (!answered || it->second->acked) && now - it->second->last_ack < opts_.election_max) ++heard;
  }
  return heard >= majority(config.size());
}

bool RaftNode::log_up_to_date(std::int64_t last_index, std::int64_t last_term) const {
  if (mutant_active(Mutant::kVoteIgnoresLog)) return true;  // Mutant vote_ignores_log: no election restriction
  return last_term > log_.last_term() || (last_term == log_.last_term() && last_index >= log_.last_index());
}

// ---- Leader: replication --------------------------------------------------------------------------

void RaftNode::ensure_peer(const std::string& rid) {
  if (rid == self_rid_ || peers_.count(rid) != 0 || addrs_.count(rid) == 0) return;
  auto p = std::make_shared<Peer>(env_);
  p->next = log_.last_index() + 1;
  p->last_ack = env_.now();  // a grace period before check-quorum counts it as silent
  peers_[rid] = p;
  auto self = shared_from_this();
  const std::int64_t term = term_;
  env_.spawn("raft-replicate", [self, rid, p, term] { self->replicate_loop(rid, p, term); });
}

bool RaftNode::peer_current(const std::string& rid, const std::shared_ptr<Peer>& p) const {
  auto it = peers_.find(rid);
  return it != peers_.end() && it->second == p;
}

void RaftNode::replicate_loop(std::string rid, std::shared_ptr<Peer> p, std::int64_t term) {
  auto keep = shared_from_this();
  if (opts_.max_inflight > 1) {
    pipeline_loop(rid, p, term);
    return;
  }
  while (leading(term) && peer_current(rid, p)) {
    if (frozen_) {
      p->wake.wait_until(env_.now() + opts_.heartbeat);
      continue;
    }
    const bool snapshot = p->needs_snapshot || p->next <= log_.base_index();
    const Reply r = send_to(rid, snapshot ? install_message() : append_message(p->next));
    if (!leading(term) || !peer_current(rid, p)) return;
    const bool behind = on_replication_reply(*p, r);
    if (role_ != Role::kLeader) return;
    // More to send (catching up, or backing off after a mismatch): go on at once. Otherwise idle
    // until a new entry arrives or the heartbeat is due; an unreachable peer is retried likewise.
    if (!behind) p->wake.wait_until(env_.now() + opts_.heartbeat);
  }
}

// Pipelined replication: appends leave as soon as there is something to say (new entries, a commit
// index the follower has not been sent, a heartbeat) and the window has room; each travels in a
// context of its own, and its reply wakes this loop. `next` advances optimistically as messages
// leave. A snapshot goes alone, once the window has drained.
void RaftNode::pipeline_loop(const std::string& rid, const std::shared_ptr<Peer>& p, std::int64_t term) {
  while (leading(term) && peer_current(rid, p)) {
    const Time now = env_.now();
    if (frozen_) {
      p->wake.wait_until(now + opts_.heartbeat);
      continue;
    }
    if (p->needs_snapshot || p->next <= log_.base_index()) {
      if (p->inflight > 0) {  // a reply wakes us; the bound only guards against a lost wake-up
        p->wake.wait_until(now + opts_.rpc_timeout);
        continue;
      }
      ++p->inflight;
      const Reply r = send_to(rid, install_message());
      --p->inflight;
      if (!leading(term) || !peer_current(rid, p)) return;
      const ReplyKind kind = read_reply(*p, r);
      if (role_ != Role::kLeader) return;
      if (kind == ReplyKind::kOk) {
        p->next = p->match + 1;
        p->probing = false;
        p->failed = false;
      } else if (kind != ReplyKind::kSnapshot) {
        p->failed = kind == ReplyKind::kFailed || kind == ReplyKind::kDiverged;
        p->wake.wait_until(env_.now() + opts_.heartbeat);
      }
      continue;
    }
    const std::int64_t window = p->probing ? 1 : opts_.max_inflight;
    const bool heartbeat_due = now >= p->last_sent + opts_.heartbeat;
    // After a failure, only the heartbeat's pace: an unreachable peer must not make us spin.
    if (p->inflight < window && (heartbeat_due || (!p->failed && wants_append(*p)))) {
      send_append(rid, p, term);
      continue;
    }
    // Wait for a reply, a new entry or commit index (wake_replicators), or the next heartbeat.
    p->wake.wait_until(p->inflight < window ? p->last_sent + opts_.heartbeat : now + opts_.rpc_timeout);
  }
}

// New entries to send, or a commit index the follower could learn from an (empty) append.
bool RaftNode::wants_append(const Peer& p) const {
  return p.next <= log_.last_index() || std::min(commit_, p.next - 1) > p.sent_commit;
}

void RaftNode::send_append(const std::string& rid, const std::shared_ptr<Peer>& p, std::int64_t term) {
  const std::int64_t sent_next = p->next;
  Value msg = append_message(sent_next);
  const auto count = static_cast<std::int64_t>(msg.at("entries").as_list().size());
  // The follower takes the commit index only up to the last entry it matched with this message.
  p->sent_commit = std::max(p->sent_commit, std::min(commit_, sent_next - 1 + count));
  p->next = sent_next + count;
  p->last_sent = env_.now();
  ++p->inflight;
  auto self = shared_from_this();
  env_.spawn("raft-append", [self, rid, p, term, sent_next, msg = std::move(msg)] {
    const Reply r = self->send_to(rid, msg);
    --p->inflight;
    p->wake.notify();
    if (!self->leading(term) || !self->peer_current(rid, p)) return;
    self->on_pipelined_reply(*p, sent_next, r);
  });
}

Value RaftNode::append_message(std::int64_t next) const {
  const std::int64_t prev = next - 1;
  const std::int64_t last = std::min(log_.last_index(), prev + opts_.max_batch);
  ValueList entries;
  for (std::int64_t i = next; i <= last; ++i) entries.push_back(log_.at(i).to_value());
  return ValueMap{{"t", kAppend},   {"term", term_},      {"leader", self_rid_},
                  {"prev", prev},   {"pterm", *log_.term_at(prev)},
                  {"entries", std::move(entries)}, {"commit", commit_}};
}

Value RaftNode::install_message() const {
  return ValueMap{{"t", kInstall}, {"term", term_}, {"leader", self_rid_}, {"snap", snap_.to_value()}};
}

RaftNode::ReplyKind RaftNode::read_reply(Peer& p, const Reply& r) {
  if (!r.ok()) return ReplyKind::kFailed;  // unreachable or slow
  const Value& v = r.value;
  const std::int64_t their_term = v.at("term").as_int();
  if (their_term > term_) {
    become_follower(their_term);
    return ReplyKind::kDeposed;
  }
  p.last_ack = env_.now();
  if (v.at("ok").as_bool()) {
    p.acked = true;
    p.diverged = false;
    p.needs_snapshot = false;
    p.match = std::max(p.match, v.at("match").as_int());
    advance_commit();
    members_event_.notify();  // a learner may have caught up
    return ReplyKind::kOk;
  }
  if (const Value* snap = v.find("snap"); snap != nullptr && snap->as_bool()) {
    p.needs_snapshot = true;
    return ReplyKind::kSnapshot;
  }
  if (const Value* diverged = v.find("diverged"); diverged != nullptr && diverged->as_bool()) {
    // Safety is already broken (two entries committed at one index): walking back cannot repair
    // it, and retrying at once would spin. Keep trying at the heartbeat's pace, say it once.
    if (!p.diverged) {
      env_.log(LogLevel::kError, "raft " + self_rid_ + ": a follower holds a different committed entry at " +
                                     std::to_string(v.at("hint").as_int()) + " (committed entries diverged)");
    }
    p.diverged = true;
    return ReplyKind::kDiverged;
  }
  return ReplyKind::kMismatch;
}

bool RaftNode::on_replication_reply(Peer& p, const Reply& r) {
  switch (read_reply(p, r)) {
    case ReplyKind::kOk:
      p.next = p.match + 1;
      return p.next <= log_.last_index();
    case ReplyKind::kSnapshot:
      return true;
    case ReplyKind::kMismatch:
      p.next = std::max<std::int64_t>(1, std::min(p.next - 1, r.value.at("hint").as_int()));
      return true;
    case ReplyKind::kFailed:  // retried on the next heartbeat
    case ReplyKind::kDeposed:
    case ReplyKind::kDiverged:
      return false;
  }
  return false;
}

// Replies may come back in any order, duplicated or not at all; each says something true about the
// follower's log when it answered, so a success only moves `match` (and `next`) forward, and a
// rejection only moves `next` back to the rejected message's prevLogIndex or the follower's hint,
// never to or below an index a success already confirmed.
void RaftNode::on_pipelined_reply(Peer& p, std::int64_t sent_next, const Reply& r) {
  switch (read_reply(p, r)) {
    case ReplyKind::kOk:
      p.next = std::max(p.next, p.match + 1);
      p.probing = false;
      p.failed = false;
      return;
    case ReplyKind::kMismatch: {
      const std::int64_t prev = sent_next - 1;
      if (prev <= p.match) return;  // answered before a later message matched: nothing new
      const std::int64_t hint = r.value.at("hint").as_int();
      p.next = std::min(p.next, std::max(p.match + 1, std::min(prev, hint)));
      p.probing = true;
      p.failed = false;
      return;
    }
    case ReplyKind::kFailed:
    case ReplyKind::kDiverged:
      // Its entries may not have arrived: send them again, one message at a time, at the heartbeat's pace.
      p.next = std::min(p.next, std::max(p.match + 1, sent_next));
      p.probing = true;
      p.failed = true;
      return;
    case ReplyKind::kSnapshot:
      p.probing = true;
      return;
    case ReplyKind::kDeposed:
      return;
  }
}

void RaftNode::wake_replicators() {
  for (auto& [rid, p] : peers_) p->wake.notify();
}

void RaftNode::advance_commit() {
  if (role_ != Role::kLeader || config_.empty()) return;
  std::vector<std::int64_t> matches;
  for (const auto& rid : config_) {
    if (rid == self_rid_) {
      matches.push_back(log_.last_index());  // our own entries are synced when appended
    } else {
      auto it = peers_.find(rid);
      matches.push_back(it == peers_.end() ? 0 : it->second->match);
    }
  }
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const std::int64_t n = matches[majority(matches.size()) - 1];
  // Mutant commit_earlier_term: any entry a majority stores commits, whatever its term (Figure 8).
  if (n > commit_ && (log_.term_at(n) == term_ || mutant_active(Mutant::kCommitEarlierTerm))) {
    if (env_.probing()) {
      for (std::int64_t i = std::max(commit_, log_.base_index()) + 1; i <= n; ++i) probe_entry("raft.commit", i, log_.at(i));
    }
    commit_ = n;
    apply_event_.notify();
    members_event_.notify();
    wake_replicators();  // followers learn the new commit index promptly
  }
}

// ---- Leader: membership ---------------------------------------------------------------------------

void RaftNode::members_loop(std::int64_t term) {
  auto keep = shared_from_this();
  Time next_poll = env_.now();
  while (leading(term)) {
    if (env_.now() >= next_poll && host_ != nullptr) {
      // Casts from the OMS can be lost (partitions): re-read the group's members now and then.
      std::vector<ReplicaRef> live = host_->live_members();
      if (!leading(term)) return;
      if (!live.empty()) members_changed(live);
      next_poll = env_.now() + opts_.membership_poll;
    }
    reconcile_members();
    members_event_.wait_until(std::min(next_poll, env_.now() + opts_.heartbeat * 4));
  }
}

void RaftNode::members_changed(const std::vector<ReplicaRef>& live) {
  if (stopped_) return;
  std::vector<std::string> rids;
  for (const auto& r : live) {
    if (r.rid != self_rid_) addrs_[r.rid] = r;  // replicas move (migration): follow them
    rids.push_back(r.rid);
  }
  std::sort(rids.begin(), rids.end());
  live_ = std::move(rids);
  live_known_ = true;
  members_event_.notify();
}

void RaftNode::reconcile_members() {
  // One change at a time, and only once this term's no-op and the previous change committed.
  if (!live_known_ || commit_ < term_start_ || config_index_ > commit_) return;
  // A view of the group that does not include us is the OMS's (it may think we are dead): act on
  // the membership only with a view that agrees we are alive.
  if (!contains(live_, self_rid_)) return;
  for (const auto& rid : live_) {
    if (!is_voter(rid)) ensure_peer(rid);  // a learner: replicated to, not yet counted
  }
  // Grow first (a caught-up learner becomes a voter), then shrink: keeps the most fault tolerance.
  for (const auto& rid : live_) {
    if (is_voter(rid)) continue;
    auto it = peers_.find(rid);
    if (it != peers_.end() && it->second->acked && it->second->match + opts_.max_batch >= commit_) {
      std::vector<std::string> grown = config_;
      grown.push_back(rid);
      propose_config(std::move(grown));
      return;
    }
  }
  for (const auto& rid : config_) {
    if (rid == self_rid_ || contains(live_, rid)) continue;
    std::vector<std::string> shrunk;
    for (const auto& r : config_) {
      if (r != rid) shrunk.push_back(r);
    }
    // Not while a majority of what is left is silent: the OMS may name a voter dead late (a
    // server that restarted meanwhile) just as another one's server crashed unnoticed, and the
    // smaller configuration (it takes effect when appended) could never commit anything again.
    // The removal waits for the group's next view: the silent one's failure, or a replacement.
    if (!heard_from_majority(shrunk, true)) continue;
    propose_config(std::move(shrunk));
    return;
  }
  // Learners that left the group (terminated, dead) are no longer replicated to.
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (!is_voter(it->first) && !contains(live_, it->first)) {
      it->second->wake.notify();
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
}

void RaftNode::propose_config(std::vector<std::string> rids) {
  std::sort(rids.begin(), rids.end());
  env_.log(LogLevel::kInfo, "raft " + self_rid_ + " proposes a configuration of " + std::to_string(rids.size()));
  append_local(Entry{term_, EntryKind::kConfig, ValueMap{{"members", members_value(rids)}}});
  for (const auto& rid : config_) ensure_peer(rid);
  wake_replicators();
  advance_commit();
}

// ---- Followers: messages --------------------------------------------------------------------------

Reply RaftNode::handle(const ReplicaRef& from, const Value& msg) {
  if (stopped_ || frozen_) return Reply::error(Code::kUnavailable, "replica " + self_rid_ + " is not serving");
  const std::string& type = msg.at("t").as_string();
  if (type == kAppend) return on_append(from, msg);
  if (type == kRequestVote) return on_request_vote(msg);
  if (type == kPreVote) return on_pre_vote(msg);
  if (type == kInstall) return on_install(from, msg);
  return Reply::error(Code::kBadArguments, "unknown Raft message " + type);
}

Reply RaftNode::on_pre_vote(const Value& m) {
  // Granted only if we would vote too, and we have not heard from a leader recently (so a healthy
  // leader's followers shield it from a replica that merely lost contact).
  const bool leader_alive = role_ == Role::kLeader ||
                            (!leader_.empty() && env_.now() - last_leader_contact_ < opts_.election_min);
  const bool grant = m.at("term").as_int() > term_ && !leader_alive &&
                     log_up_to_date(m.at("last").as_int(), m.at("lterm").as_int());
  return answer(term_, grant);
}

Reply RaftNode::on_request_vote(const Value& m) {
  const std::int64_t term = m.at("term").as_int();
  const std::string& candidate = m.at("cand").as_string();
  if (term > term_) become_follower(term);
  const bool grant = term == term_ && role_ == Role::kFollower &&
                     (voted_for_.empty() || voted_for_ == candidate) &&
                     log_up_to_date(m.at("last").as_int(), m.at("lterm").as_int());
  if (grant) {
    voted_for_ = candidate;
    persist_hard_state();  // synced before the vote leaves
    reset_election_deadline();
    if (env_.probing()) {
      env_.probe("raft.vote", {{"group", group_}, {"term", term_}, {"candidate", candidate}, {"voter", self_rid_}});
    }
  }
  return answer(term_, grant);
}

Reply RaftNode::on_append(const ReplicaRef& from, const Value& m) {
  const std::int64_t term = m.at("term").as_int();
  if (term < term_) return answer(term_, false, {{"hint", log_.last_index() + 1}});
  accept_leader(term, m.at("leader").as_string(), from);
  if (!initialized_) return answer(term_, false, {{"snap", true}});

  const std::int64_t prev = m.at("prev").as_int();
  if (prev >= log_.base_index()) {
    const std::optional<std::int64_t> have = log_.term_at(prev);
    if (!have) return answer(term_, false, {{"hint", log_.last_index() + 1}});
    // Mutant append_ignores_prev_term: only the existence of prevLogIndex is checked.
    if (*have != m.at("pterm").as_int() && !mutant_active(Mutant::kAppendIgnoresPrevTerm)) {
      // Skip the whole conflicting term in one round trip.
      return answer(term_, false, {{"hint", log_.first_index_of_term_at(prev)}});
    }
  }
  // Below our base everything is committed, and committed entries agree with any leader's log.
  const ValueList& entries = m.at("entries").as_list();
  std::int64_t index = prev;
  bool wrote = false;
  for (const auto& ev : entries) {
    ++index;
    if (index <= log_.base_index()) continue;
    Entry e = Entry::from_value(ev);
    if (log_.has(index)) {
      if (log_.at(index).term == e.term) continue;
      if (index <= commit_) {
        // A leader replacing an entry we know is committed: safety is already broken elsewhere
        // (Log Matching or Leader Completeness). Keep our log, take nothing more from this message.
        if (wrote) store_.sync();
        env_.log(LogLevel::kError, "raft " + self_rid_ + ": refusing entry " + std::to_string(index) +
                                       " of term " + std::to_string(e.term) + ": it replaces a committed one");
        return answer(term_, false, {{"hint", index}, {"diverged", true}});
      }
      truncate_from(index);
    }
    const bool is_config = e.kind == EntryKind::kConfig;
    log_.append(std::move(e));
    store_.save_entry(index, log_.at(index));
    wrote = true;
    if (is_config) recompute_config();
  }
  if (wrote) store_.sync();  // durable before we acknowledge
  if (wrote && mutant_active(Mutant::kApplyBeforeCommit)) apply_event_.notify();
  const std::int64_t match = std::max(index, log_.base_index());
  const std::int64_t leader_commit = std::min(m.at("commit").as_int(), match);
  if (leader_commit > commit_) {
    commit_ = leader_commit;
    apply_event_.notify();
  }
  return answer(term_, true, {{"match", match}});
}

Reply RaftNode::on_install(const ReplicaRef& from, const Value& m) {
  const std::int64_t term = m.at("term").as_int();
  if (term < term_) return answer(term_, false, {{"hint", log_.last_index() + 1}});
  accept_leader(term, m.at("leader").as_string(), from);
  const SnapshotRec s = SnapshotRec::from_value(m.at("snap"));
  if (initialized_ && s.index <= commit_) return answer(term_, true, {{"match", s.index}});
  // The object must not change under the restore: let an apply in progress finish first.
  const Time deadline = env_.now() + opts_.rpc_timeout;
  while (applying_ && !stopped_ && env_.now() < deadline) applied_event_.wait_until(deadline);
  if (applying_ || stopped_ || term_ != term) return Reply::error(Code::kUnavailable, "busy applying");
  install_snapshot(s, Sessions::from_value(m.at("snap").at("sessions")));
  env_.log(LogLevel::kInfo, "raft " + self_rid_ + " installed a snapshot at " + std::to_string(s.index));
  return answer(term_, true, {{"match", s.index}});
}

// ---- Applying -------------------------------------------------------------------------------------

void RaftNode::apply_loop() {
  auto keep = shared_from_this();
  while (!stopped_) {
    // Mutant apply_before_commit: whatever is in the log is applied, committed or not.
    while (!stopped_ && !frozen_ && (applied_ < commit_ || mutant_active(Mutant::kApplyBeforeCommit)) &&
           applied_ < log_.last_index()) {
      const std::int64_t index = applied_ + 1;
      const Entry entry = log_.at(index);  // a copy: the log may change while the object runs
      applying_ = true;
      const Reply r = apply_entry(entry);
      applying_ = false;
      if (stopped_) return;
      applied_ = index;
      probe_entry("raft.apply", index, entry);
      resolve_waiters(index, entry.term, r);
      maybe_snapshot();
      applied_event_.notify();
    }
    apply_event_.wait_until(kForever);
  }
}

Reply RaftNode::apply_entry(const Entry& e) {
  if (e.kind != EntryKind::kCommand) return Reply::ok({});
  const Value& b = e.body;
  const SessionId& session = b.at("s").as_string();
  const auto call_id = static_cast<std::uint64_t>(b.at("id").as_int());
  const Time stamped = b.at("t").as_int();
  const bool dedup = !session.empty();
  // A retried call may be in the log twice (the first copy committed after the caller gave up on
  // its leader): only the first copy runs; the second answers with the first one's reply. A call
  // older than the window may have run and been forgotten: it is rejected, never run again.
  // Mutant dedup_disabled: the session table is never consulted (here nor in submit).
  if (dedup && !mutant_active(Mutant::kDedupDisabled)) {
    if (const Reply* prior = sessions_.find(session, call_id)) return *prior;
    if (sessions_.expired(session, call_id)) return session_expired(call_id);
  }
  Invocation inv;
  inv.method = b.at("m").as_string();
  inv.args = b.at("a").as_list();
  inv.read_only = b.at("ro").as_bool();
  inv.caller = b.at("c").as_string();
  inv.session = session;
  inv.call_id = call_id;
  inv.deadline = kForever;
  if (host_ == nullptr) return Reply::error(Code::kUnavailable, "replica stopped");
  Reply r = host_->apply(inv);
  if (stopped_) return r;
  if (dedup) {
    sessions_.record(session, call_id, stamped, r);
    sessions_.expire(stamped, opts_.dedup_ttl);
  }
  return r;
}

void RaftNode::resolve_waiters(std::int64_t index, std::int64_t term, const Reply& r) {
  auto it = waiters_.find(index);
  if (it == waiters_.end()) return;
  for (auto& w : it->second) {
    w->result = w->term == term ? r : not_leader();  // another leader's entry took this slot
    w->done->notify();
  }
  waiters_.erase(it);
}

void RaftNode::fail_waiters(std::int64_t from, std::int64_t to, const Reply& r) {
  for (auto it = waiters_.lower_bound(from); it != waiters_.end() && it->first <= to;) {
    for (auto& w : it->second) {
      w->result = r;
      w->done->notify();
    }
    it = waiters_.erase(it);
  }
}

Reply RaftNode::session_expired(std::uint64_t call_id) const {
  return Reply::error(Code::kSessionExpired, "call " + std::to_string(call_id) +
                                                 " is older than the duplicate-suppression window (dedupTtlMs) of " +
                                                 self_rid_ + ": not applied");
}

Reply RaftNode::not_leader() const {
  // The hint travels in the message: error replies carry no value across the wire.
  return Reply::error(Code::kNotLeader, "replica " + self_rid_ + " is not the leader of term " +
                                            std::to_string(term_) + "; leader=" + leader_);
}

Reply RaftNode::submit(const Invocation& inv, const CallMeta& meta, Time deadline) {
  if (stopped_) return Reply::error(Code::kUnavailable, "replica " + self_rid_ + " stopped");
  // Calls reach a server only when its kernel object is not quiesced: if we were frozen for a
  // migration that then failed, the source is serving again.
  if (frozen_) {
    frozen_ = false;
    tick_event_.notify();
    apply_event_.notify();
  }
  if (role_ != Role::kLeader) return not_leader();
  const bool dedup = !meta.session.empty();
  const std::pair<SessionId, std::uint64_t> key{meta.session, meta.call_id};
  if (dedup && !mutant_active(Mutant::kDedupDisabled)) {
    if (const Reply* prior = sessions_.find(meta.session, meta.call_id)) return *prior;
    if (sessions_.expired(meta.session, meta.call_id)) return session_expired(meta.call_id);
  }
  Pending at;
  auto pend = dedup ? pending_.find(key) : pending_.end();
  if (pend != pending_.end() && log_.term_at(pend->second.index) == pend->second.term) {
    at = pend->second;  // the same call is in our log already: wait for that entry
  } else {
    Value body = ValueMap{{"c", inv.caller},
                          {"s", meta.session},
                          {"id", static_cast<std::int64_t>(meta.call_id)},
                          {"m", inv.method},
                          {"a", inv.args},
                          {"ro", inv.read_only},
                          {"t", env_.now()}};
    at = Pending{append_local(Entry{term_, EntryKind::kCommand, std::move(body)}), term_};
    if (dedup) pending_[key] = at;
    wake_replicators();
    advance_commit();  // a one-member configuration commits at once
  }
  auto w = std::make_shared<Waiter>();
  w->term = at.term;
  w->done = env_.make_signal();
  waiters_[at.index].push_back(w);
  w->done->wait_until(deadline);
  if (dedup) {
    auto p = pending_.find(key);
    if (p != pending_.end() && p->second.index == at.index) pending_.erase(p);
  }
  if (w->result) return *w->result;
  auto it = waiters_.find(at.index);
  if (it != waiters_.end()) {
    auto& ws = it->second;
    ws.erase(std::remove(ws.begin(), ws.end(), w), ws.end());
    if (ws.empty()) waiters_.erase(it);
  }
  return Reply::error(Code::kTimeout, "call not committed by its deadline on " + self_rid_ + " (it may still take effect)");
}

void RaftNode::probe_entry(const char* kind, std::int64_t index, const Entry& e) {
  if (!env_.probing()) return;
  // A commit is the leader's decision in its term (leader_term); an apply is the replica's.
  ProbeFields fields = {{"group", group_}, {"index", index}, {"term", e.term}, {"digest", entry_digest(e)},
                        {"replica", self_rid_}};
  if (role_ == Role::kLeader) fields.push_back({"leader_term", term_});
  env_.probe(kind, std::move(fields));
}

Reply RaftNode::send_to(const std::string& rid, const Value& msg) {
  if (stopped_ || host_ == nullptr) return Reply::error(Code::kUnavailable, "replica stopped");
  auto it = addrs_.find(rid);
  if (it == addrs_.end()) return Reply::error(Code::kUnavailable, "no address for " + rid);
  const ReplicaRef to = it->second;  // a copy: addrs_ may change while we wait
  return host_->send(to, msg, opts_.rpc_timeout);
}

}  // namespace amino::dms::raft
