#include "testbed/check/invariants.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace amino::check {

namespace {

// The fields of one probe that the checks read.
struct Seen {
  Time time = 0;
  std::string node, replica;
  std::int64_t term = 0;
  std::string digest;
};

Seen seen_from(const ProbeRecord& p) {
  return {p.time, p.node, p.str_of("replica"), p.int_of("term"), p.str_of("digest")};
}

std::string seconds_text(Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(t) / 1e9);
  return buf;
}

std::string who(const Seen& s) { return s.replica + " on " + s.node + " at t=" + seconds_text(s.time) + " s"; }
std::string entry(const Seen& s) { return "term " + std::to_string(s.term) + " digest " + s.digest; }

class Checker {
 public:
  void add(const ProbeRecord& p) {
    const std::string group = p.str_of("group");
    if (p.kind == "raft.leader") leader(group, p);
    else if (p.kind == "raft.vote") vote(group, p);
    else if (p.kind == "raft.apply") apply(group, p);
    else if (p.kind == "raft.commit") commit(group, p);
  }

  std::vector<InvariantViolation> finish() {
    commit_rule();
    leader_completeness();
    std::stable_sort(out_.begin(), out_.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    return std::move(out_);
  }

 private:
  using GroupTerm = std::pair<std::string, std::int64_t>;
  struct Commit {
    Seen seen;
    std::int64_t index = 0, leader_term = 0;
  };
  struct Leader {
    Seen seen;
    std::int64_t last_index = 0;
  };

  void report(const char* invariant, const std::string& group, std::int64_t term, std::int64_t index,
              const Seen& first, const Seen& later, std::string message) {
    if (!reported_.insert({invariant, group, term, index}).second) return;
    InvariantViolation v{invariant, group, term, index, {first.node}, {first.replica}, later.time, std::move(message)};
    if (later.node != first.node) v.nodes.push_back(later.node);
    if (later.replica != first.replica) v.replicas.push_back(later.replica);
    out_.push_back(std::move(v));
  }

  void leader(const std::string& group, const ProbeRecord& p) {
    const Seen s = seen_from(p);
    leaders_.push_back({group, Leader{s, p.int_of("last_index")}});
    auto [it, fresh] = leader_of_.emplace(GroupTerm{group, s.term}, s);
    if (!fresh && it->second.replica != s.replica) {
      report("election_safety", group, s.term, 0, it->second, s,
             "two leaders in term " + std::to_string(s.term) + ": " + who(it->second) + " and " + who(s));
    }
  }

  void vote(const std::string& group, const ProbeRecord& p) {
    Seen s = seen_from(p);
    s.replica = p.str_of("voter");
    const std::string candidate = p.str_of("candidate");
    auto [it, fresh] = vote_of_.emplace(std::make_tuple(group, s.term, s.replica), std::make_pair(candidate, s));
    if (!fresh && it->second.first != candidate) {
      report("vote_once", group, s.term, 0, it->second.second, s,
             s.replica + " voted twice in term " + std::to_string(s.term) + ": for " + it->second.first + " (at t=" +
                 seconds_text(it->second.second.time) + " s) and for " + candidate + " (" + who(s) + ")");
    }
  }

  void apply(const std::string& group, const ProbeRecord& p) {
    const Seen s = seen_from(p);
    const std::int64_t index = p.int_of("index");
    auto [it, fresh] = applied_.emplace(std::make_pair(group, index), s);
    if (!fresh && (it->second.term != s.term || it->second.digest != s.digest)) {
      report("apply_agreement", group, 0, index, it->second, s,
             "index " + std::to_string(index) + " applied as " + entry(it->second) + " by " + who(it->second) +
                 " and as " + entry(s) + " by " + who(s));
    }
    auto c = committed_.find({group, index});
    if (c != committed_.end()) against_commit(group, index, c->second.seen, s, "applied");
    if (fresh || it->second.digest != s.digest) applies_seen_[{group, index}].push_back(s);
  }

  void commit(const std::string& group, const ProbeRecord& p) {
    const Seen s = seen_from(p);
    const std::int64_t index = p.int_of("index");
    commits_.push_back({group, Commit{s, index, p.int_of("leader_term")}});
    auto [it, fresh] = committed_.emplace(std::make_pair(group, index), Commit{s, index, p.int_of("leader_term")});
    if (!fresh) {
      against_commit(group, index, it->second.seen, s, "committed again");
      return;
    }
    // Applies reported before the commit (a follower may apply what a later leader reports again).
    for (const Seen& a : applies_seen_[{group, index}]) against_commit(group, index, s, a, "applied");
  }

  void against_commit(const std::string& group, std::int64_t index, const Seen& committed, const Seen& other,
                      const char* how) {
    if (committed.term == other.term && committed.digest == other.digest) return;
    report("commit_stability", group, 0, index, committed, other,
           "index " + std::to_string(index) + " committed as " + entry(committed) + " by " + who(committed) + ", " +
               how + " as " + entry(other) + " by " + who(other));
  }

  void commit_rule() {
    // A batch: one leader's commit reports at one instant; its highest index is the new commit point.
    std::map<std::tuple<std::string, std::string, std::int64_t, Time>, const Commit*> top;
    for (const auto& [group, c] : commits_) {
      const Commit*& t = top[{group, c.seen.replica, c.leader_term, c.seen.time}];
      if (t == nullptr || c.index > t->index) t = &c;
    }
    for (const auto& [key, c] : top) {
      if (c->seen.term == c->leader_term) continue;
      report("commit_rule", std::get<0>(key), c->leader_term, c->index, c->seen, c->seen,
             "the leader " + who(c->seen) + " of term " + std::to_string(c->leader_term) + " moved its commit index to " +
                 std::to_string(c->index) + ", an entry of term " + std::to_string(c->seen.term));
    }
  }

  void leader_completeness() {
    for (const auto& [group, l] : leaders_) {
      const Commit* missing = nullptr;
      for (const auto& [cgroup, c] : commits_) {
        if (cgroup != group || c.leader_term >= l.seen.term || c.index <= l.last_index) continue;
        if (missing == nullptr || c.index > missing->index) missing = &c;
      }
      if (missing == nullptr) continue;
      Seen later = missing->seen.time > l.seen.time ? missing->seen : l.seen;
      Seen first = missing->seen.time > l.seen.time ? l.seen : missing->seen;
      report("leader_completeness", group, l.seen.term, missing->index, first, later,
             "leader " + who(l.seen) + " of term " + std::to_string(l.seen.term) + " has entries up to " +
                 std::to_string(l.last_index) + " only, but index " + std::to_string(missing->index) +
                 " was committed in term " + std::to_string(missing->leader_term) + " by " + who(missing->seen));
    }
  }

  std::map<GroupTerm, Seen> leader_of_;
  std::map<std::tuple<std::string, std::int64_t, std::string>, std::pair<std::string, Seen>> vote_of_;
  std::map<std::pair<std::string, std::int64_t>, Seen> applied_;                     // the first apply
  std::map<std::pair<std::string, std::int64_t>, std::vector<Seen>> applies_seen_;  // distinct applies
  std::map<std::pair<std::string, std::int64_t>, Commit> committed_;                // the first commit
  std::vector<std::pair<std::string, Leader>> leaders_;
  std::vector<std::pair<std::string, Commit>> commits_;
  std::set<std::tuple<std::string, std::string, std::int64_t, std::int64_t>> reported_;
  std::vector<InvariantViolation> out_;
};

}  // namespace

const std::vector<Invariant>& raft_invariants() {
  static const std::vector<Invariant> list = {
      {"election_safety", "at most one leader per (group, term)"},
      {"vote_once", "a replica votes for at most one candidate per (group, term)"},
      {"apply_agreement", "every apply at (group, index) is the same entry (term, digest)"},
      {"commit_stability", "an entry reported committed is never replaced: every commit report and apply at its index is that entry"},
      {"commit_rule", "a leader moves its commit index only to an entry of its own term"},
      {"leader_completeness", "a leader of a later term starts with every index committed in earlier terms"},
  };
  return list;
}

std::vector<InvariantViolation> check_raft_invariants(const std::vector<ProbeRecord>& probes) {
  Checker c;
  for (const auto& p : probes) c.add(p);
  return c.finish();
}

std::string InvariantViolation::describe() const {
  return invariant + " in group " + group + " at t=" + seconds_text(time) + " s: " + message;
}

nlohmann::json InvariantViolation::to_json() const {
  return {{"invariant", invariant}, {"group", group}, {"term", term}, {"index", index}, {"nodes", nodes},
          {"replicas", replicas}, {"time", time}, {"message", message}};
}

}  // namespace amino::check
