// FaultState: what the message layer currently does to frames, as plain data. One FaultState is
// shared by the FaultyEnv of every node of a run; the simulation orchestrator (or a test, or a
// sockets-cluster driver) mutates it between or during steps. FaultyEnv only reads it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/env.h"

namespace amino::testbed {

// How the sockets backend emulates a platform path (not a fault): every frame waits for the frames
// sent before it on the path, takes size / bandwidth to serialize, then `latency` to arrive.
struct PathModel {
  Duration latency = 0;
  double bandwidth = 0;  // bytes/s; 0 = unlimited
  bool any() const { return latency > 0 || bandwidth > 0; }
  bool operator==(const PathModel&) const = default;
};

// Per-message faults on a directed path. Probabilities are in [0, 1]; durations are >= 0.
struct LinkFaults {
  double drop = 0;              // lose the frame
  double duplicate = 0;         // deliver a second copy (itself delayed like any copy)
  double reorder = 0;           // probability of an extra random delay in [0, reorder_window]
  Duration reorder_window = 0;  // the window that lets later frames overtake this one
  Duration delay = 0;           // fixed extra one-way delay
  Duration jitter = 0;          // extra uniform delay in [0, jitter] on every frame

  bool any() const { return drop > 0 || duplicate > 0 || reorder > 0 || delay > 0 || jitter > 0; }
  // Empty string when valid, otherwise what is wrong.
  std::string check() const;
  bool operator==(const LinkFaults&) const = default;
};

// What a blocked directed pair does with a frame.
enum class BlockMode {
  kDrop,   // silent black hole: the sender finds out only through its own deadline
  kReset,  // connection reset: the endpoint that notices reports Inbox::on_peer_down at once
};

const char* block_mode_name(BlockMode m);
std::optional<BlockMode> parse_block_mode(const std::string& s);

using DirectedPair = std::pair<NodeId, NodeId>;  // (from, to)

class FaultState {
 public:
  // Message faults. Lookup order: exact (from, to) pair, then destination, then the default.
  void set_default(const LinkFaults& f);
  void set_for_destination(const NodeId& to, const LinkFaults& f);
  void set_for_pair(const NodeId& from, const NodeId& to, const LinkFaults& f);
  void clear_message_faults();
  const LinkFaults& faults_for(const NodeId& from, const NodeId& to) const;

  // Partitions: a blocked directed pair never carries frames from `from` to `to`.
  void block(const NodeId& from, const NodeId& to, BlockMode mode = BlockMode::kDrop);
  void block_all(const std::vector<DirectedPair>& pairs, BlockMode mode = BlockMode::kDrop);
  void unblock(const NodeId& from, const NodeId& to);
  void heal();
  std::optional<BlockMode> blocked(const NodeId& from, const NodeId& to) const;
  const std::map<DirectedPair, BlockMode>& blocked_pairs() const { return blocked_; }

  // Emulated latency and bandwidth of a directed path (not a fault: it survives
  // clear_message_faults and heal). The sockets backend sets it from the platform so a loopback run
  // shows the round trips and transfer times of the WiFi/3G/cloud platform it stands for;
  // simulation leaves it unset (SimGrid models the network itself).
  void set_path(const NodeId& from, const NodeId& to, const PathModel& p);
  const PathModel& path(const NodeId& from, const NodeId& to) const;

  // Bumped on every change, so observers can tell that the fault picture moved.
  std::uint64_t version() const { return version_; }

 private:
  LinkFaults default_;
  std::map<NodeId, LinkFaults> by_dest_;
  std::map<DirectedPair, LinkFaults> by_pair_;
  std::map<DirectedPair, BlockMode> blocked_;  // ordered: iteration reaches traces
  std::map<DirectedPair, PathModel> paths_;
  std::uint64_t version_ = 0;
};

}  // namespace amino::testbed
