// Planted bugs ("mutants") for the harness's self-check (docs/mutants.md): each is a small, realistic
// mistake at a real spot of the replication and caching DMs, so that the nemeses and checkers can
// prove they catch it (`bash scripts/mutants.sh`).
//
// Mutants exist only in a build configured with -DAMINO_MUTANTS=ON: kMutantsBuilt comes from a header
// CMake generates (runtime/mutants_build.h.in), so in every other build mutant_active() is
// `if constexpr`-false, the code at each planted spot reduces to `if (false)` and the optimizer
// drops it, and select_mutant() refuses every name. Which mutant is active is one process-wide
// setting made once at start-up, outside the seam (a test's main, the Python module when it loads,
// a program flag), before any run starts; DM code only asks mutant_active(). A mutant changes
// behaviour deterministically: same binary + mutant + seed -> same run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/mutants_build.h"

namespace amino {

// New mutants go at the end: tests/mutants/mutants_test.cc checks that every value up to the last
// one is in mutant_catalogue().
enum class Mutant {
  kNone,
  // dms/raft/raft_node.cc
  kQuorumOffByOne,
  kVoteIgnoresLog,
  kVoteNotPersisted,
  kAppendIgnoresPrevTerm,
  kCommitEarlierTerm,
  kApplyBeforeCommit,
  kDedupDisabled,
  // dms/consensus_rsm.cc
  kStaleLeaderRead,
  kSessionNotPassed,
  // dms/lease_caching.cc
  kLeaseUsedAfterExpiry,
  // dms/write_through_caching.cc
  kCacheNotInvalidated,
  kStalenessInSeconds,
  // dms/optimistic_transactions.cc
  kOccSkipsValidation,
  // dms/support_transactions.cc (LockingTransactions, DurableTransactions)
  kRollbackKeepsWrites,
};

// A mutant's name (what users select) and the file it is planted in; docs/mutants.md says, for
// each, which real-world bug it imitates and which harness catches it.
struct MutantInfo {
  Mutant mutant;
  const char* name;
  const char* file;
};

// Every mutant the source defines, whether or not this build can run them.
const std::vector<MutantInfo>& mutant_catalogue();

// The names select_mutant() accepts in this build: none unless built with -DAMINO_MUTANTS=ON.
std::vector<std::string> mutant_names();

// Makes `name` the process's active mutant ("none": no mutant). Throws std::invalid_argument with
// the reason (a build without mutants, an unknown name: the known ones are listed); never ignores
// a name silently. Call it before any run starts.
void select_mutant(std::string_view name);

namespace detail {
Mutant selected_mutant();
}  // namespace detail

// True when `m` is the process's active mutant; always false (at compile time) without mutants.
inline bool mutant_active(Mutant m) {
  if constexpr (!kMutantsBuilt) {
    (void)m;
    return false;
  } else {
    return detail::selected_mutant() == m;
  }
}

}  // namespace amino
