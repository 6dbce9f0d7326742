// What a ConsensusRSM replica keeps in Env::storage(), under "raft/<rid>/":
//   hard   {term, vote}                     written (and synced) before answering a vote
//   snap   {index, term, members, object, sessions}   the base of the log
//   e/<index, 20 digits>  one log entry     written (and synced) before acknowledging an append
// One key per entry keeps appends and truncations proportional to what changes, and zero-padded
// indices make the key order the log order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dms/raft/raft_log.h"
#include "runtime/env.h"

namespace amino::dms::raft {

struct HardState {
  std::int64_t term = 0;
  std::string voted_for;  // rid, empty: no vote in this term
};

struct SnapshotRec {
  std::int64_t index = 0;
  std::int64_t term = 0;
  Value members;   // list of ReplicaRef values: the voting configuration as of `index`
  Value object;    // the application object's state after applying 1 .. index
  // The duplicate-suppression table as of `index`, encoded (Sessions::encode): kept as bytes, since it
  // is large and saved every few entries but sent (to_value) only to a follower that fell behind.
  std::string sessions;
  Value to_value() const;
  static SnapshotRec from_value(const Value& v);
};

class Store {
 public:
  Store(Storage& storage, std::string prefix) : storage_(storage), prefix_(std::move(prefix)) {}

  void save_hard_state(const HardState& hs);
  void save_snapshot(const SnapshotRec& s);
  void save_entry(std::int64_t index, const Entry& e);
  void erase_entries(std::int64_t first, std::int64_t last);  // inclusive; no-op when empty
  void sync() { storage_.sync(); }

  struct Loaded {
    std::optional<HardState> hard;
    std::optional<SnapshotRec> snapshot;
    std::vector<std::pair<std::int64_t, Entry>> entries;  // ascending index
    // Keys whose value did not decode (a torn write of a value that was never synced, so never
    // acknowledged): skipped, and reported so that the replica can log them.
    std::vector<std::string> corrupt;
  };
  Loaded load() const;
  // Every key of this replica, raw (migration carries them to the destination node).
  Value dump() const;
  void load_dump(const Value& dump);

 private:
  std::string entry_key(std::int64_t index) const;

  Storage& storage_;
  std::string prefix_;
};

}  // namespace amino::dms::raft
