// Duplicate suppression for ConsensusRSM: the reply of every applied call, by (caller, call id),
// part of the replicated state (it is in snapshots and is rebuilt by replaying the log), so every
// replica and every future leader answers a retried call with the first execution's reply instead
// of applying it again.
//
// Expiry must be the same on every replica, so it is driven by the log, not by local clocks: each
// command entry carries its leader's clock reading; a reply is forgotten once an entry stamped more
// than `ttl` later is applied. Correct as long as a caller stops retrying a call within `ttl` (calls
// have deadlines far shorter than the default ttl).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "runtime/status.h"
#include "runtime/time.h"

namespace amino::dms::raft {

class Sessions {
 public:
  const Reply* find(const std::string& caller, std::uint64_t call_id) const;
  void record(const std::string& caller, std::uint64_t call_id, Time stamped, const Reply& reply);
  // Forgets replies stamped before `stamped - ttl`.
  void expire(Time stamped, Duration ttl);
  std::size_t size() const { return replies_.size(); }

  Value to_value() const;
  static Sessions from_value(const Value& v);

 private:
  using Key = std::pair<std::string, std::uint64_t>;
  struct Stamp {
    Time at;
    Key key;
  };
  std::map<Key, Reply> replies_;
  std::deque<Stamp> order_;  // application order (identical on every replica)
  Time newest_ = 0;
};

Value reply_to_value(const Reply& r);
Reply reply_from_value(const Value& v);

}  // namespace amino::dms::raft
