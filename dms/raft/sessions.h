// Duplicate suppression for ConsensusRSM: the reply of every applied call, by (session, call id),
// part of the replicated state (it is in snapshots and is rebuilt by replaying the log), so every
// replica and every future leader answers a retried call with the first execution's reply instead
// of applying it again. A session is one incarnation of a calling endpoint (runtime/session_id.h):
// unique across processes, hosts and restarts, with call ids that never repeat within it.
//
// Expiry must be the same on every replica, so it is driven by the log, not by local clocks: each
// command entry carries its leader's clock reading; a reply is forgotten once an entry stamped more
// than `ttl` later is applied. Forgetting must never turn into a silent second application, so each
// session keeps the highest call id it forgot (its watermark): a call at or below it that has no
// reply is older than the window and is rejected (kSessionExpired). Call ids grow with time within a
// session, so such a call was sent more than `ttl` ago. A session with nothing left to remember
// keeps its watermark for kTombstoneTtls more windows, then goes; a retry arriving after that
// (ten minutes with the default ttl, far beyond any call's deadline) would be taken as new.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "runtime/session_id.h"
#include "runtime/status.h"
#include "runtime/time.h"

namespace amino::dms::raft {

class Sessions {
 public:
  static constexpr int kTombstoneTtls = 10;

  // The first execution's reply, if it is still remembered.
  const Reply* find(const SessionId& session, std::uint64_t call_id) const;
  // True if the call has no reply but is at or below its session's watermark: it may have been
  // applied already, so it must not be applied now.
  bool expired(const SessionId& session, std::uint64_t call_id) const;
  void record(const SessionId& session, std::uint64_t call_id, Time stamped, const Reply& reply);
  // Forgets replies stamped before `stamped - ttl`, and idle sessions kTombstoneTtls windows later.
  void expire(Time stamped, Duration ttl);
  std::size_t size() const { return order_.size(); }          // remembered replies
  std::size_t sessions() const { return sessions_.size(); }  // sessions with replies or a watermark

  Value to_value() const;
  static Sessions from_value(const Value& v);
  // wire::encode_value(to_value()), from each remembered reply's encoding kept since it was recorded:
  // a snapshot every few entries then costs a copy of the table's bytes, not a Value built and
  // encoded per reply.
  std::string encode() const;

 private:
  struct Session {
    std::map<std::uint64_t, Reply> replies;
    bool forgot = false;
    std::uint64_t watermark = 0;  // the highest forgotten call id (when forgot)
    Time idle_since = 0;          // when its last reply was forgotten (when replies is empty)
  };
  struct Stamp {
    Time at;
    SessionId session;
    std::uint64_t call_id;
    std::size_t item_size = 0;  // its list item's bytes in records_
  };
  static Value record_value(const Stamp& s, const Reply& r);
  Value watermarks_value() const;
  Value idle_value() const;

  std::map<SessionId, Session> sessions_;
  std::deque<Stamp> order_;                         // application order (identical on every replica)
  // The "records" list of to_value() as list items (wire::append_list_item), one per order_ entry
  // from records_head_ on; the bytes before it belong to expired records and are cut in bulk.
  std::string records_;
  std::size_t records_head_ = 0;
  std::deque<std::pair<Time, SessionId>> idle_;     // sessions that ran out of replies, in order
  Time newest_ = 0;
};

Value reply_to_value(const Reply& r);
Reply reply_from_value(const Value& v);

}  // namespace amino::dms::raft
