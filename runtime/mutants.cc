#include "runtime/mutants.h"

#include <stdexcept>

namespace amino {

namespace {
Mutant g_selected = Mutant::kNone;  // set at start-up only (select_mutant), read by mutant_active
}  // namespace

const std::vector<MutantInfo>& mutant_catalogue() {
  static const std::vector<MutantInfo> all = {
      {Mutant::kQuorumOffByOne, "quorum_off_by_one", "dms/raft/raft_node.cc"},
      {Mutant::kVoteIgnoresLog, "vote_ignores_log", "dms/raft/raft_node.cc"},
      {Mutant::kVoteNotPersisted, "vote_not_persisted", "dms/raft/raft_node.cc"},
      {Mutant::kAppendIgnoresPrevTerm, "append_ignores_prev_term", "dms/raft/raft_node.cc"},
      {Mutant::kCommitEarlierTerm, "commit_earlier_term", "dms/raft/raft_node.cc"},
      {Mutant::kApplyBeforeCommit, "apply_before_commit", "dms/raft/raft_node.cc"},
      {Mutant::kDedupDisabled, "dedup_disabled", "dms/raft/raft_node.cc"},
      {Mutant::kStaleLeaderRead, "stale_leader_read", "dms/consensus_rsm.cc"},
      {Mutant::kSessionNotPassed, "session_not_passed", "dms/consensus_rsm.cc"},
      {Mutant::kLeaseUsedAfterExpiry, "lease_used_after_expiry", "dms/lease_caching.cc"},
      {Mutant::kCacheNotInvalidated, "cache_not_invalidated", "dms/write_through_caching.cc"},
      {Mutant::kStalenessInSeconds, "staleness_in_seconds", "dms/write_through_caching.cc"},
      {Mutant::kOccSkipsValidation, "occ_skips_validation", "dms/optimistic_transactions.cc"},
      {Mutant::kRollbackKeepsWrites, "rollback_keeps_writes", "dms/support_transactions.cc"},
  };
  return all;
}

std::vector<std::string> mutant_names() {
  std::vector<std::string> names;
  if constexpr (kMutantsBuilt) {
    for (const auto& m : mutant_catalogue()) names.emplace_back(m.name);
  }
  return names;
}

void select_mutant(std::string_view name) {
  if constexpr (!kMutantsBuilt) {
    throw std::invalid_argument("cannot select mutant '" + std::string(name) +
                                "': this build has no mutants: configure with -DAMINO_MUTANTS=ON "
                                "(bash scripts/mutants.sh builds ./build-mutants)");
  }
  if (name == "none") {
    g_selected = Mutant::kNone;
    return;
  }
  std::string known;
  for (const auto& m : mutant_catalogue()) {
    if (name == m.name) {
      g_selected = m.mutant;
      return;
    }
    known += known.empty() ? "" : ", ";
    known += m.name;
  }
  throw std::invalid_argument("unknown mutant '" + std::string(name) + "'; known: none, " + known);
}

namespace detail {
Mutant selected_mutant() { return g_selected; }
}  // namespace detail

}  // namespace amino
