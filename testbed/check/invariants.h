// Safety invariants of Raft checked over the probes of one run (runtime/probe.h; the probes
// dms/raft/raft_node.cc reports, docs/faults.md "Probes"). Pure functions of the probe list, in the
// order the run reported them: no clock, no backend.
//
// What is checked, per Raft group (the probes' "group" field), from these probes:
//   raft.leader {term, replica, last_index}  raft.vote {term, candidate, voter}
//   raft.commit {index, term, digest, leader_term}  raft.apply {index, term, digest}
//
//   election_safety      at most one replica becomes leader in a term (Raft Figure 3).
//   vote_once            a replica votes for at most one candidate in a term (its vote is durable:
//                        a restart with its storage remembers it; one with wiped storage is a new
//                        replica, with a new replica id).
//   apply_agreement      every apply at an index, by any replica and any incarnation of it (a
//                        restarted replica re-applies its log from its snapshot), is the same entry
//                        (term and digest): State Machine Safety.
//   commit_stability     an entry reported committed is never replaced: every later commit report
//                        and every apply at its index, before or after the report, is that entry.
//   commit_rule          a leader moves its commit index only to an entry of its own term (Figure
//                        2; entries of earlier terms commit beneath one, §5.4.2): the last entry of
//                        each batch a leader reports committed at one instant has term leader_term.
//                        Counting replicas of an earlier term's entry is Figure 8's lost commit.
//   leader_completeness  a leader of term T > L starts with at least every index committed by the
//                        leader of term L (its last_index at election covers it; Raft §5.4). The
//                        entry itself is compared when it is committed or applied again (above).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/probe.h"

namespace amino::check {

struct InvariantViolation {
  std::string invariant;            // one of raft_invariants()
  std::string group;
  std::int64_t term = 0;            // the term concerned (0: none)
  std::int64_t index = 0;           // the log index concerned (0: none)
  std::vector<std::string> nodes;   // the nodes whose probes disagree, first one first
  std::vector<std::string> replicas;
  Time time = 0;                    // simulated ns of the probe that showed it
  std::string message;              // one line: what disagrees with what

  std::string describe() const;     // "<invariant> in group <g> at t=<s>: <message>"
  nlohmann::json to_json() const;
};

struct Invariant {
  const char* name;
  const char* statement;
};
const std::vector<Invariant>& raft_invariants();

// Every violation in the run, each (invariant, group, term or index) at most once, in time order.
std::vector<InvariantViolation> check_raft_invariants(const std::vector<ProbeRecord>& probes);

}  // namespace amino::check
