// Partition topologies ("grudges", after Jepsen's nemesis) computed as the set of directed pairs to
// block. Pure functions over node names, so the sim orchestrator and a sockets-cluster driver build
// exactly the same cut from the same description. Node order is the caller's: shuffle with the
// run's Rng first if a random assignment is wanted.
#pragma once

#include <string>
#include <vector>

#include "testbed/fault_state.h"

namespace amino::testbed {

using Group = std::vector<NodeId>;

// Empty when the groups are disjoint and non-empty, otherwise what is wrong (e.g. a node placed in
// two groups, which would partition it from itself).
std::string check_groups(const std::vector<Group>& groups);

// Full partition: no frame crosses between two different groups, in either direction.
std::vector<DirectedPair> full_partition(const std::vector<Group>& groups);
// One-way: frames from `from` to `to` are lost; `to` can still reach `from`.
std::vector<DirectedPair> one_way_partition(const Group& from, const Group& to);
// Bridge: the first half and the second half are cut apart, except the middle node nodes[n/2],
// which talks to everyone. Needs at least 3 nodes.
std::vector<DirectedPair> bridge_partition(const Group& nodes);
// Majorities ring: nodes sit on a ring in the given order; each one talks only to the nodes within
// ring distance r, with r the smallest radius giving it a majority (n/2 + 1 including itself).
// For odd n >= 5 every node sees a majority and no two nodes see the same one. Needs >= 3 nodes.
std::vector<DirectedPair> majorities_ring_partition(const Group& nodes);

}  // namespace amino::testbed
