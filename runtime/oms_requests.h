// A replicated OMS's memory of the requests it answered, so that a request retried across a
// failover runs once: a client that heard nothing (the leader crashed after committing the
// request's changes, before replying) asks again, at the new leader, and gets the first answer.
//
// A request names itself with "req": {session, seq} in its body (Kernel::oms_call adds it when the
// OMS is replicated): the client endpoint's session (runtime/session_id.h) and a number that never
// repeats within it. The reply is recorded in the replicated state together with the changes the
// request made, in the same commit, so every later leader has both or neither. Like Raft client
// sessions (dms/raft/sessions.h), the memory is bounded: the latest kWindow replies per session,
// kMaxSessions sessions (the least recently used go). A request at or below its session's highest
// forgotten number that has no reply left may have run already, so it is refused
// (kSessionExpired), never run again. While a request runs its entry says it was interrupted
// (kAborted): a later leader answers that if a commit made midway carried part of the request
// (runtime/oms.cc, serve_request). A single OMS keeps nothing here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "runtime/session_id.h"
#include "runtime/status.h"
#include "runtime/value.h"

namespace amino {

class RequestLog {
 public:
  static constexpr std::size_t kWindow = 64;
  static constexpr std::size_t kMaxSessions = 4096;

  struct Key {
    SessionId session;
    std::int64_t seq = 0;
    bool operator<(const Key& o) const { return session != o.session ? session < o.session : seq < o.seq; }
  };
  // The body's "req", if it has a well-formed one.
  static std::optional<Key> key_of(const Value& body);

  // The first answer to `k` (or kSessionExpired, see above); nullopt for a request never seen.
  std::optional<Reply> find(const Key& k) const;
  void record(const Key& k, const Reply& reply);

  // The replicated state (oms_state.cc, section "requests"): session -> {used, forgot, replies}.
  Value export_state() const;
  void import_state(const Value& v);  // throws on a malformed section, like the other sections

 private:
  struct Session {
    std::map<std::int64_t, Reply> replies;
    std::int64_t forgot = 0;  // the highest number forgotten (0: none)
    std::int64_t used = 0;    // when it last recorded a reply, on the log's own clock (uses_)
  };
  std::map<SessionId, Session> sessions_;
  std::int64_t uses_ = 0;  // counts records: replicated, so eviction is the same on every leader
};

}  // namespace amino
