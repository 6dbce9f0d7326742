// The Raft invariants over hand-made probe lists: each invariant violated, and the legal runs that
// look similar (a restarted replica re-applying its log, a re-elected leader, a replaced replica)
// not reported.
#include <gtest/gtest.h>

#include "testbed/check/invariants.h"

namespace amino::check {
namespace {

constexpr const char* kGroup = "g1";

ProbeRecord probe(Time t, const std::string& node, const std::string& kind, ProbeFields fields) {
  fields.insert(fields.begin(), {"group", std::string(kGroup)});
  return {t, node, kind, std::move(fields)};
}
ProbeRecord leader(Time t, const std::string& node, const std::string& replica, std::int64_t term, std::int64_t last) {
  return probe(t, node, "raft.leader", {{"term", term}, {"replica", replica}, {"last_index", last}, {"last_term", term - 1}});
}
ProbeRecord vote(Time t, const std::string& node, const std::string& voter, std::int64_t term, const std::string& cand) {
  return probe(t, node, "raft.vote", {{"term", term}, {"candidate", cand}, {"voter", voter}});
}
ProbeRecord apply(Time t, const std::string& node, const std::string& replica, std::int64_t index, std::int64_t term,
                  const std::string& digest) {
  return probe(t, node, "raft.apply", {{"index", index}, {"term", term}, {"digest", digest}, {"replica", replica}});
}
ProbeRecord commit(Time t, const std::string& node, const std::string& replica, std::int64_t index, std::int64_t term,
                   const std::string& digest, std::int64_t leader_term) {
  return probe(t, node, "raft.commit",
               {{"index", index}, {"term", term}, {"digest", digest}, {"replica", replica}, {"leader_term", leader_term}});
}

// A healthy run: two terms, three replicas, a restart (s2 re-applies 1 and 2), a replica replaced
// after a wipe (r4 on s2, which votes again in an old-looking way for its first term).
std::vector<ProbeRecord> healthy() {
  return {
      vote(1, "s1", "r1", 1, "r1"),         vote(2, "s2", "r2", 1, "r1"),
      leader(3, "s1", "r1", 1, 0),          commit(4, "s1", "r1", 1, 1, "aa", 1),
      apply(5, "s1", "r1", 1, 1, "aa"),     apply(6, "s2", "r2", 1, 1, "aa"),
      commit(7, "s1", "r1", 2, 1, "bb", 1), apply(8, "s2", "r2", 2, 1, "bb"),
      apply(9, "s2", "r2", 1, 1, "aa"),     apply(10, "s2", "r2", 2, 1, "bb"),  // s2 restarted: replays
      vote(11, "s2", "r2", 2, "r3"),        vote(12, "s3", "r3", 2, "r3"),
      vote(12, "s3", "r3", 2, "r3"),        // the same vote again (a retried RequestVote)
      leader(13, "s3", "r3", 2, 2),         commit(14, "s3", "r3", 3, 2, "cc", 2),
      apply(15, "s3", "r3", 3, 2, "cc"),    vote(16, "s2", "r4", 2, "r1"),  // r4: a new replica on s2
      leader(17, "s3", "r3", 2, 3),         // the same leader reported again
  };
}

std::vector<std::string> names(const std::vector<InvariantViolation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.invariant);
  return out;
}

TEST(RaftInvariants, AHealthyRunWithRestartsAndReplacedReplicasHasNoViolation) {
  EXPECT_TRUE(check_raft_invariants(healthy()).empty());
  EXPECT_TRUE(check_raft_invariants({}).empty());
}

TEST(RaftInvariants, TwoLeadersInOneTermViolateElectionSafety) {
  auto probes = healthy();
  probes.push_back(leader(20, "s2", "r2", 2, 3));
  const auto v = check_raft_invariants(probes);
  ASSERT_EQ(names(v), std::vector<std::string>{"election_safety"});
  EXPECT_EQ(v[0].group, kGroup);
  EXPECT_EQ(v[0].term, 2);
  EXPECT_EQ(v[0].time, 20);
  EXPECT_EQ(v[0].nodes, (std::vector<std::string>{"s3", "s2"}));
  EXPECT_EQ(v[0].replicas, (std::vector<std::string>{"r3", "r2"}));
  EXPECT_NE(v[0].describe().find("election_safety in group g1"), std::string::npos) << v[0].describe();
  // Leaders of other groups in the same term are not the same election.
  auto other = healthy();
  other.push_back({21, "s2", "raft.leader", {{"group", "g2"}, {"term", 2}, {"replica", "x1"}, {"last_index", 0}}});
  EXPECT_TRUE(check_raft_invariants(other).empty());
}

TEST(RaftInvariants, AReplicaVotingForTwoCandidatesInOneTermViolatesVoteOnce) {
  auto probes = healthy();
  probes.push_back(vote(20, "s2", "r2", 2, "r1"));  // r2 forgot its vote for r3 (a restart)
  probes.push_back(vote(21, "s2", "r2", 2, "r2"));  // a third candidate: still one report for (r2, term 2)
  const auto v = check_raft_invariants(probes);
  ASSERT_EQ(names(v), std::vector<std::string>{"vote_once"});
  EXPECT_EQ(v[0].term, 2);
  EXPECT_EQ(v[0].nodes, std::vector<std::string>{"s2"});
  EXPECT_NE(v[0].message.find("for r3"), std::string::npos) << v[0].message;
  EXPECT_NE(v[0].message.find("for r1"), std::string::npos) << v[0].message;
}

TEST(RaftInvariants, DifferentEntriesAppliedAtOneIndexViolateApplyAgreement) {
  auto probes = healthy();
  probes.push_back(apply(20, "s1", "r1", 4, 2, "dd"));
  probes.push_back(apply(21, "s3", "r3", 4, 3, "ee"));
  const auto v = check_raft_invariants(probes);
  ASSERT_EQ(names(v), std::vector<std::string>{"apply_agreement"});
  EXPECT_EQ(v[0].index, 4);
  EXPECT_EQ(v[0].time, 21);
  EXPECT_EQ(v[0].nodes, (std::vector<std::string>{"s1", "s3"}));
  // The same digest in another term is another entry as well.
  auto terms = healthy();
  terms.push_back(apply(20, "s1", "r1", 4, 2, "dd"));
  terms.push_back(apply(21, "s3", "r3", 4, 3, "dd"));
  EXPECT_EQ(names(check_raft_invariants(terms)), std::vector<std::string>{"apply_agreement"});
}

TEST(RaftInvariants, ACommittedEntryReplacedLaterViolatesCommitStability) {
  // A later leader commits another entry at index 3.
  auto recommit = healthy();
  recommit.push_back(commit(20, "s1", "r1", 3, 3, "ff", 3));
  auto v = check_raft_invariants(recommit);
  ASSERT_EQ(names(v), std::vector<std::string>{"commit_stability"});
  EXPECT_EQ(v[0].index, 3);
  EXPECT_EQ(v[0].nodes, (std::vector<std::string>{"s3", "s1"}));
  // A replica applies something else at a committed index, after the commit report...
  auto later = healthy();
  later.push_back(commit(20, "s3", "r3", 4, 2, "gg", 2));
  later.push_back(apply(21, "s1", "r1", 4, 3, "hh"));
  v = check_raft_invariants(later);
  ASSERT_EQ(names(v), std::vector<std::string>{"commit_stability"});  // the only apply at 4: no disagreement among applies
  EXPECT_EQ(v[0].index, 4);
  // ... or before it (it applied an entry that was never committed; another one was).
  auto before = healthy();
  before.push_back(apply(20, "s1", "r1", 4, 2, "hh"));
  before.push_back(commit(21, "s3", "r3", 4, 2, "gg", 2));
  EXPECT_EQ(names(check_raft_invariants(before)), std::vector<std::string>{"commit_stability"});
}

TEST(RaftInvariants, ALeaderWithoutACommittedEntryViolatesLeaderCompleteness) {
  auto probes = healthy();
  probes.push_back(vote(20, "s1", "r1", 3, "r1"));
  probes.push_back(leader(21, "s1", "r1", 3, 2));  // index 3 was committed in term 2
  const auto v = check_raft_invariants(probes);
  ASSERT_EQ(names(v), std::vector<std::string>{"leader_completeness"});
  EXPECT_EQ(v[0].term, 3);
  EXPECT_EQ(v[0].index, 3);
  EXPECT_EQ(v[0].time, 21);
  // A leader of the same term as the commit, or one whose log reaches the index, is fine.
  auto fine = healthy();
  fine.push_back(leader(21, "s1", "r1", 3, 3));
  EXPECT_TRUE(check_raft_invariants(fine).empty());
}

TEST(RaftInvariants, ALeaderCommittingUpToAnEarlierTermsEntryViolatesTheCommitRule) {
  // Term 3's leader reports 4 (term 2) and nothing of its own term at that instant: Figure 8.
  auto probes = healthy();
  probes.push_back(commit(20, "s1", "r1", 4, 2, "dd", 3));
  auto v = check_raft_invariants(probes);
  ASSERT_EQ(names(v), std::vector<std::string>{"commit_rule"});
  EXPECT_EQ(v[0].term, 3);
  EXPECT_EQ(v[0].index, 4);
  EXPECT_EQ(v[0].nodes, std::vector<std::string>{"s1"});
  // The same entry committed beneath one of term 3 in the same batch is the rule.
  auto beneath = healthy();
  beneath.push_back(commit(20, "s1", "r1", 4, 2, "dd", 3));
  beneath.push_back(commit(20, "s1", "r1", 5, 3, "ee", 3));
  EXPECT_TRUE(check_raft_invariants(beneath).empty());
}

TEST(RaftInvariants, ViolationsComeInTimeOrderAsJson) {
  auto probes = healthy();
  probes.push_back(leader(30, "s1", "r1", 3, 1));            // leader_completeness (index 3 of term 2)
  probes.push_back(apply(25, "s1", "r1", 3, 2, "zz"));        // reported earlier in time
  const auto v = check_raft_invariants(probes);
  ASSERT_EQ(v.size(), 3u);  // commit_stability and apply_agreement at index 3, leader_completeness
  EXPECT_LE(v[0].time, v[1].time);
  EXPECT_LE(v[1].time, v[2].time);
  EXPECT_EQ(v[2].invariant, "leader_completeness");
  const auto j = v[2].to_json();
  EXPECT_EQ(j["invariant"], "leader_completeness");
  EXPECT_EQ(j["group"], kGroup);
  EXPECT_EQ(j["time"], 30);
  EXPECT_EQ(raft_invariants().size(), 6u);
}

}  // namespace
}  // namespace amino::check
