// Pre-copy live migration of one physical replica, driven by the OMS (MigrateOptions::live). The
// state goes from the source kernel server straight to the destination (ks.live_send: rounds while
// calls continue, then the pause: quiesce, last delta), the destination installs what it staged
// (ks.install_staged), the OMS switches the location and drops the source. Until the install has
// succeeded the source holds the only serving copy: any failure aborts the staging at the
// destination and resumes the source, so no write is lost or applied twice.
#include "runtime/oms_groups.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
}  // namespace

Status Groups::migrate_stack_live(std::uint64_t oid, const NodeId& dst, const MigrateOptions& how,
                                  MigrationRecord& rec) {
  StackRec& s = stacks_.at(oid);
  const NodeId src = s.node;
  const std::string mid = core_.next_id("m");
  const Duration budget = core_.options.live_migration_timeout;
  if (replicated()) {  // committed before the source pauses (see stop_and_copy)
    migrating_[oid] = Move{src, dst, mid};
    if (!commit_ahead()) return Status{Code::kNotLeader, "OMS leadership lost before migrating " + std::to_string(oid), {}};
  }
  auto abort = [&](const Status& why) {
    core_.rpc.cast_value(dst, svc::kStageAbort, ValueMap{{"mid", mid}});
    (void)core_.ks_call(src, svc::kResume, ValueMap{{"oid", as_i64(oid)}, {"mid", mid}});
    core_.env.log(LogLevel::kWarn, "live migration " + mid + " of object " + std::to_string(oid) + " from " + src +
                                       " to " + dst + " aborted, the source serves on: " + why.to_string());
    core_.record("live migration " + mid + " of object " + std::to_string(oid) + " to " + dst +
                 " aborted: " + why.to_string());
    return why;
  };
  // The source runs the rounds and returns quiesced, the last delta delivered; it resumes by itself
  // on its own failures, and the OMS resumes it when the reply is lost.
  Reply sent = core_.rpc.call_value(src, svc::kLiveSend,
                                    ValueMap{{"oid", as_i64(oid)},
                                             {"mid", mid},
                                             {"dst", dst},
                                             {"how", how.to_value()},
                                             {"drain_timeout_ns", core_.options.drain_timeout},
                                             {"timeout_ns", budget}},
                                    budget + core_.options.control_timeout);
  if (!sent.ok()) return abort(sent.status);
  const Time sent_at = core_.env.now();
  rec.rounds = sent.value.at("rounds").as_int();
  rec.precopy_bytes = sent.value.at("precopy_bytes").as_int();
  rec.final_bytes = sent.value.at("final_bytes").as_int();
  Reply installed = core_.ks_call(dst, svc::kInstallStaged, ValueMap{{"mid", mid}, {"stack", s.spec.to_value()}});
  if (!installed.ok()) {
    // The install may have happened with its reply lost: remove that copy before the source resumes.
    (void)core_.ks_call(dst, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
    return abort(installed.status);
  }
  switch_location(oid, dst);
  if (!commit_ahead()) return Status{Code::kNotLeader, "OMS leadership lost while migrating " + std::to_string(oid), {}};
  (void)core_.ks_call(src, svc::kDrop, ValueMap{{"oid", as_i64(oid)}});
  rec.pause = sent.value.at("pause_ns").as_int() + (core_.env.now() - sent_at);
  core_.record("object " + std::to_string(oid) + " migrated live from " + src + " to " + dst + " (" +
               sent.value.at("rounds").to_string() + " pre-copy rounds, " + sent.value.at("precopy_bytes").to_string() +
               " bytes before the pause, " + sent.value.at("final_bytes").to_string() + " during it)");
  return {};
}

}  // namespace amino
