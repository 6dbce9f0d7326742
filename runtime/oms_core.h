// What every part of the OMS shares (runtime/oms.h is the whole): the node's Rpc and Env, the
// options, one id counter and the audit log of events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dm.h"
#include "runtime/limits.h"
#include "runtime/oms_replication.h"
#include "runtime/rpc.h"

namespace amino {

struct OmsOptions {
  Duration heartbeat_timeout = 2 * kSecond;   // silence after which a kernel server is dead
  Duration check_period = 250 * kMillisecond;
  Duration control_timeout = 5 * kSecond;     // deadline of calls to kernel servers
  Duration drain_timeout = 2 * kSecond;       // how long migration waits for calls in flight
  Duration live_migration_timeout = 60 * kSecond;  // a live migration's rounds and final delta, all told
  std::size_t max_create_bytes = kMaxCreateRequestBytes;  // runtime/limits.h
};

class OmsCore {
 public:
  OmsCore(Rpc& rpc, const DmRegistry& dms, OmsOptions options)
      : rpc(rpc), env(rpc.env()), dms(dms), options(options) {}

  Rpc& rpc;
  Env& env;
  const DmRegistry& dms;
  const OmsOptions options;

  // Null (the default): a single OMS that always serves. Otherwise its replicated log
  // (runtime/oms_replication.h): only the serving leader acts, and commits what it changed.
  OmsReplication* replication = nullptr;
  bool serving() const { return replication == nullptr || replication->serving(); }
  void commit_soon() {
    if (replication != nullptr) replication->commit_soon();
  }

  // One counter for microservice, group, replica and object ids ("ms7", "g8", "r9", 10): ids are
  // unique across kinds and decided by the order of creation alone (deterministic runs).
  std::uint64_t next_id() { return next_id_++; }
  std::string next_id(const char* prefix) { return prefix + std::to_string(next_id_++); }
  std::uint64_t peek_next_id() const { return next_id_; }  // replicated state (oms_state.cc)
  void set_next_id(std::uint64_t n) { next_id_ = n; }

  // Notable events (registrations, deaths, onFailure deliveries, migrations...), oldest first; the
  // most recent kMaxEvents are kept. Each is also logged. A replicated OMS commits them with its
  // state (section "events", oms_state.cc), so a new leader's audit log goes on from the old one's.
  void record(const std::string& event);
  const std::vector<std::string>& events() const { return events_; }
  static constexpr std::size_t kMaxEvents = 1000;
  // Numbered records (the number orders them as text: delta-friendly, one key per event).
  Value export_events() const;
  void import_events(const ValueMap& numbered);

  // A control call to a kernel server, with the control deadline.
  Reply ks_call(const NodeId& node, const char* service, const Value& body) {
    return rpc.call_value(node, service, body, options.control_timeout);
  }

 private:
  std::uint64_t next_id_ = 1;
  std::vector<std::string> events_;
  std::uint64_t first_event_ = 1;  // the number of events_.front()
};

inline void OmsCore::record(const std::string& event) {
  if (events_.size() == kMaxEvents) {
    events_.erase(events_.begin());
    ++first_event_;
  }
  events_.push_back(std::to_string(to_seconds(env.now())) + " " + event);
  env.log(LogLevel::kInfo, event);
}

}  // namespace amino
