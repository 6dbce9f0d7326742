// The Raft log of one ConsensusRSM replica: entries above a snapshot base, in memory. Persistence is
// Store's business (raft_store.h); this class only keeps the indices straight.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "runtime/value.h"

namespace amino::dms::raft {

enum class EntryKind : std::int64_t {
  kNoop = 0,     // appended by every new leader: commits earlier terms' entries (Raft §5.4.2)
  kCommand = 1,  // one application call: {c: caller, s: session, id: call id, m: method, a: args, t: time}
  kConfig = 2,   // the voting members from this entry on: {members: [ReplicaRef values]}
};

struct Entry {
  std::int64_t term = 0;
  EntryKind kind = EntryKind::kNoop;
  Value body;
  Value to_value() const;
  static Entry from_value(const Value& v);
};

// Entries base+1 .. last. The snapshot covers 1 .. base (base 0 is the founder's initial state).
class Log {
 public:
  std::int64_t base_index() const { return base_index_; }
  std::int64_t base_term() const { return base_term_; }
  std::int64_t last_index() const { return base_index_ + static_cast<std::int64_t>(entries_.size()); }
  std::int64_t last_term() const { return entries_.empty() ? base_term_ : entries_.back().term; }
  bool has(std::int64_t i) const { return i > base_index_ && i <= last_index(); }
  // The term of entry i: base_term at the base, nullopt below the base or past the end.
  std::optional<std::int64_t> term_at(std::int64_t i) const;
  const Entry& at(std::int64_t i) const { return entries_.at(static_cast<std::size_t>(i - base_index_ - 1)); }
  // The first index of the run of entries of `term` that contains index i (for fast backtracking).
  std::int64_t first_index_of_term_at(std::int64_t i) const;

  std::int64_t append(Entry e);
  void truncate_from(std::int64_t i);  // drops i .. last
  // A snapshot now covers 1 .. index: drop those entries, keep any later ones.
  void compact(std::int64_t index, std::int64_t term);
  // Discards every entry: the log restarts right after a snapshot at (index, term).
  void reset(std::int64_t index, std::int64_t term);

 private:
  std::int64_t base_index_ = 0;
  std::int64_t base_term_ = 0;
  std::deque<Entry> entries_;
};

}  // namespace amino::dms::raft
