// Pre-copy live migration on kernel servers (the OMS's half: runtime/oms_live_migration.cc).
// Source (ks.live_send): sends the encoded state to the destination in rounds while calls go on —
// round 0 in full, later rounds as a delta against what the destination acknowledged — until a
// delta is small enough or the round bound is hit; then quiesces, sends the last delta and returns
// quiesced. Destination (ks.stage, ks.install_staged, ks.stage_abort): stages the state in
// bounded memory (MigrationStaging) and installs it only when the OMS says so; staged state is
// discarded on abort or when the source falls silent for the staging TTL.
#include <algorithm>

#include "runtime/kernel.h"
#include "runtime/kernel_object.h"
#include "runtime/snapshot_delta.h"
#include "runtime/wire.h"

namespace amino {

namespace {
std::uint64_t oid_of(const Value& body) { return static_cast<std::uint64_t>(body.at("oid").as_int()); }
}  // namespace

void Kernel::serve_live_migration() {
  rpc_.serve_value(svc::kLiveSend, [this](const NodeId&, const Value& b) { return handle_live_send(b); });
  rpc_.serve_value(svc::kStage, [this](const NodeId& from, const Value& b) { return handle_stage(from, b); },
                   options_.stage_chunk_bytes + 4096);
  rpc_.serve_value(svc::kInstallStaged, [this](const NodeId&, const Value& b) { return handle_install_staged(b); });
  rpc_.on_cast(svc::kStageAbort, [this](const NodeId& from, std::string body) {
    try {
      const std::string mid = wire::decode_value(body).at("mid").as_string();
      if (staging_.discard(mid)) env_.log(LogLevel::kInfo, "live migration " + mid + ": staged state discarded (aborted by " + from + ")");
    } catch (const std::exception& e) {
      env_.log(LogLevel::kWarn, "bad ks.stage_abort from " + from + ": " + e.what());
    }
  });
}

Status Kernel::push_delta(const NodeId& dst, const std::string& mid, std::uint64_t oid, std::int64_t round,
                          const std::string& delta, Time deadline) {
  const std::size_t chunk = std::max<std::size_t>(options_.stage_chunk_bytes, 1);
  for (std::size_t at = 0; at == 0 || at < delta.size(); at += chunk) {
    const Time now = env_.now();
    if (now >= deadline) return Status{Code::kTimeout, "live migration " + mid + ": out of time", {}};
    Value body = ValueMap{{"mid", mid},
                          {"oid", static_cast<std::int64_t>(oid)},
                          {"round", round},
                          {"offset", static_cast<std::int64_t>(at)},
                          {"total", static_cast<std::int64_t>(delta.size())},
                          {"data", Bytes{delta.substr(at, chunk)}}};
    Reply r = rpc_.call_value(dst, svc::kStage, body, std::min(options_.control_timeout, deadline - now));
    if (!r.ok()) return r.status;
  }
  return {};
}

Reply Kernel::handle_live_send(const Value& b) {
  std::string mid;
  NodeId dst;
  auto give_up = [&](const Status& why) {
    if (!dst.empty() && !mid.empty()) rpc_.cast_value(dst, svc::kStageAbort, ValueMap{{"mid", mid}});
    env_.log(LogLevel::kWarn, "live migration " + mid + " to " + dst + " given up at the source: " + why.to_string());
    return Reply{why, {}};
  };
  try {
    const std::uint64_t oid = oid_of(b);
    mid = b.at("mid").as_string();
    dst = b.at("dst").as_string();
    const MigrateOptions how = MigrateOptions::from_value(b.at("how"));
    const Duration drain = b.at("drain_timeout_ns").as_int();
    const Time deadline = deadline_after(env_.now(), b.at("timeout_ns").as_int());
    if (mid.empty() || dst.empty() || dst == env_.self()) return Reply::error(Code::kBadArguments, "live migration: bad target");
    KernelObject* o = object(oid);
    if (o == nullptr) return Reply::error(Code::kNoSuchObject, "no object " + std::to_string(oid) + " on " + env_.self());
    if (o->quiesced()) return Reply::error(Code::kMigrating, "object " + std::to_string(oid) + " is moving already");

    // Pre-copy: calls go on between (and during) the rounds; `sent` is what the destination holds.
    std::string sent;
    std::int64_t rounds = 0, precopy_bytes = 0;
    for (;;) {
      o = object(oid);  // a blocking call passed: the object may have been dropped meanwhile
      if (o == nullptr) return give_up(Status{Code::kNoSuchObject, "object dropped during pre-copy", {}});
      std::string now = wire::encode_value(o->state().to_value());
      std::string d = delta::encode(sent, now);
      if (rounds >= how.max_precopy_rounds ||
          (rounds > 0 && static_cast<std::int64_t>(d.size()) <= how.delta_threshold_bytes)) {
        break;
      }
      Status st = push_delta(dst, mid, oid, rounds, d, deadline);
      if (!st.ok()) return give_up(st);
      precopy_bytes += static_cast<std::int64_t>(d.size());
      sent = std::move(now);
      ++rounds;
      if (env_.probing()) env_.probe("migration.round", {{"mid", mid}, {"round", rounds}, {"bytes", static_cast<std::int64_t>(d.size())}});
    }

    // The pause: refuse new calls, drain, send only what changed since the last round.
    const Time paused = env_.now();
    o = object(oid);
    if (o == nullptr) return give_up(Status{Code::kNoSuchObject, "object dropped during pre-copy", {}});
    if (!o->quiesce(std::min(deadline, deadline_after(env_.now(), drain)))) {
      if (KernelObject* again = object(oid)) again->resume_calls();
      return give_up(Status{Code::kTimeout, "calls in flight did not drain on " + env_.self(), {}});
    }
    o = object(oid);
    if (o == nullptr) return give_up(Status{Code::kNoSuchObject, "object dropped during the pause", {}});
    o->set_quiesce_owner(mid);
    if (env_.probing()) env_.probe("migration.pause", {{"mid", mid}});
    const std::string last = delta::encode(sent, wire::encode_value(o->state().to_value()));
    Status st = push_delta(dst, mid, oid, rounds, last, deadline);
    if (!st.ok()) {
      if (KernelObject* again = object(oid)) again->resume_calls();
      return give_up(st);
    }
    env_.log(LogLevel::kInfo, "live migration " + mid + " of object " + std::to_string(oid) + " to " + dst + ": " +
                                  std::to_string(rounds) + " pre-copy round(s), " + std::to_string(precopy_bytes) +
                                  " bytes, last delta " + std::to_string(last.size()) + " bytes; quiesced");
    watch_quiesced_source(oid, mid);
    return Reply::ok(ValueMap{{"rounds", rounds},
                              {"precopy_bytes", precopy_bytes},
                              {"final_bytes", static_cast<std::int64_t>(last.size())},
                              {"pause_ns", env_.now() - paused}});
  } catch (const SystemError& e) {
    return give_up(Status{e.code(), e.what(), {}});
  } catch (const std::exception& e) {
    return give_up(Status{Code::kBadArguments, e.what(), {}});
  }
}

// The source stays quiesced until the OMS drops it (installed at the destination) or resumes it
// (aborted). Should that message be lost, the object would refuse calls for ever: so the source
// asks the OMS, once per control timeout, where the object lives while it is still quiesced by
// this migration. The OMS answers "moving" until it has decided, then the location: here means
// aborted (resume), elsewhere means installed there (drop this copy). Ends with the object, its
// resumption, or the OMS's decision; while the OMS is unreachable the object stays quiesced (safe).
void Kernel::watch_quiesced_source(std::uint64_t oid, const std::string& mid) {
  env_.spawn("live-migration-watch", [this, oid, mid] {
    for (;;) {
      env_.sleep_for(options_.control_timeout);
      KernelObject* o = object(oid);
      if (o == nullptr || !o->quiesced() || o->quiesce_owner() != mid) return;
      Reply loc = oms_call(svc::kLocate, ValueMap{{"oid", static_cast<std::int64_t>(oid)}});
      if (!loc.ok() && loc.status.code != Code::kNoSuchObject) continue;  // OMS unreachable: ask again
      o = object(oid);
      if (o == nullptr || !o->quiesced() || o->quiesce_owner() != mid) return;
      const Value* moving = loc.ok() ? loc.value.find("moving") : nullptr;
      if (moving != nullptr && moving->as_bool()) continue;
      if (loc.ok() && loc.value.at("node").as_string() == env_.self()) {
        env_.log(LogLevel::kWarn, "live migration " + mid + ": aborted and the resume was lost; object " +
                                      std::to_string(oid) + " serves again here");
        o->resume_calls();
      } else {
        env_.log(LogLevel::kWarn, "live migration " + mid + ": object " + std::to_string(oid) +
                                      " lives elsewhere now and the drop was lost; dropping it here");
        drop_object(oid);
      }
      return;
    }
  });
}

Reply Kernel::handle_stage(const NodeId& from, const Value& b) {
  for (const std::string& gone : staging_.expire(env_.now())) {
    env_.log(LogLevel::kWarn, "live migration " + gone + ": staged state discarded (no chunk for the staging TTL)");
  }
  StageChunk c;
  try {
    c.mid = b.at("mid").as_string();
    c.oid = oid_of(b);
    c.from = from;
    c.round = b.at("round").as_int();
    c.offset = b.at("offset").as_int();
    c.total = b.at("total").as_int();
    const Value& data = b.at("data");
    if (!data.is<Bytes>()) throw SystemError(Code::kBadArguments, "field 'data' is not bytes");
    c.data = data.as<Bytes>().data;
  } catch (const std::exception& e) {
    env_.log(LogLevel::kWarn, "bad ks.stage from " + from + ": " + e.what());
    return Reply::error(Code::kBadArguments, std::string("ks.stage: ") + e.what());
  }
  const bool fresh = !staging_.has(c.mid);
  Status st = staging_.receive(c, env_.now());
  if (!st.ok()) {
    env_.log(LogLevel::kWarn, "ks.stage from " + from + " refused: " + st.to_string());
    return Reply{st, {}};
  }
  if (fresh) reap_staging(c.mid);
  if (env_.probing()) env_.probe("migration.stage", {{"mid", c.mid}, {"round", c.round}, {"offset", c.offset}});
  return Reply::ok({});
}

// Discards a staged migration once no chunk arrived for the TTL (its source or the OMS failed).
// Ends as soon as the migration leaves staging (installed, aborted or expired).
void Kernel::reap_staging(const std::string& mid) {
  env_.spawn("staging-reaper", [this, mid] {
    while (staging_.has(mid)) {
      const Time idle_until = staging_.touched(mid) + staging_.limits().ttl;
      if (env_.now() >= idle_until) {
        staging_.discard(mid);
        env_.log(LogLevel::kWarn, "live migration " + mid + ": staged state discarded (no chunk for the staging TTL)");
        return;
      }
      env_.sleep_for(idle_until - env_.now());
    }
  });
}

Reply Kernel::handle_install_staged(const Value& b) {
  try {
    const std::string& mid = b.at("mid").as_string();
    const StackSpec spec = StackSpec::from_value(b.at("stack"));
    std::string why;
    std::optional<std::string> staged = staging_.take(mid, spec.oid, &why);
    if (!staged) {
      env_.log(LogLevel::kWarn, "ks.install_staged refused: " + why);
      return Reply::error(Code::kAborted, why);
    }
    Value state;
    try {
      state = StackState::from_value(wire::decode_value(*staged)).to_value();
    } catch (const std::exception& e) {
      return Reply::error(Code::kBadFrame, std::string("staged state of ") + mid + " does not decode: " + e.what());
    }
    Reply r = handle_install(ValueMap{{"stack", b.at("stack")}, {"args", ValueList{}}, {"state", std::move(state)}});
    if (r.ok() && env_.probing()) env_.probe("migration.install", {{"mid", mid}});
    return r;
  } catch (const SystemError& e) {
    return Reply::error(e.code(), e.what());
  } catch (const std::exception& e) {
    return Reply::error(Code::kBadArguments, e.what());
  }
}

}  // namespace amino
