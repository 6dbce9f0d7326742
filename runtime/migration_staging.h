// The destination's half of pre-copy live migration: encoded object states staged for migrations
// in progress, each built from a full first round and the binary deltas of later rounds
// (runtime/snapshot_delta.h), arriving in chunks from the source kernel server. A staged state
// becomes a kernel object only when the OMS installs it; until then it is discarded when the
// migration is aborted or when no chunk arrived for `ttl` (the source or the OMS failed), so a
// failed migration never leaves memory behind. Memory is bounded (max_bytes over all migrations,
// counting every delta being received at its announced size) and so is the number of migrations.
// Pure data: the kernel feeds it and passes the clock in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/status.h"
#include "runtime/time.h"

namespace amino {

struct StagingLimits {
  std::size_t max_bytes = std::size_t{256} << 20;
  std::size_t max_migrations = 8;
  Duration ttl = 30 * kSecond;
};

// One chunk of one round's delta (ks.stage). The source sends chunks in order and waits for each.
struct StageChunk {
  std::string mid;         // the migration (the OMS names it)
  std::uint64_t oid = 0;
  std::string from;        // the sending kernel server
  std::int64_t round = 0;  // 0: the full snapshot (a delta against nothing)
  std::int64_t offset = 0;
  std::int64_t total = 0;  // the round's whole delta size
  std::string data;
};

class MigrationStaging {
 public:
  explicit MigrationStaging(StagingLimits limits = {}) : limits_(limits) {}

  // Takes one chunk; the last chunk of a round applies its delta. Errors (typed, with a reason):
  // kBadArguments (out of order, a round skipped, another object or sender), kOverloaded (limits),
  // kBadFrame (a delta that does not apply). A failed chunk discards the whole migration.
  Status receive(const StageChunk& c, Time now);
  // The staged state of a migration whose rounds are all complete, removed from staging.
  std::optional<std::string> take(const std::string& mid, std::uint64_t oid, std::string* why);
  bool discard(const std::string& mid);
  // Discards migrations untouched since now - ttl; returns their ids.
  std::vector<std::string> expire(Time now);

  bool has(const std::string& mid) const { return staged_.count(mid) != 0; }
  std::size_t migrations() const { return staged_.size(); }
  std::size_t bytes() const;  // staged states plus announced sizes of deltas being received
  Time touched(const std::string& mid) const;
  const StagingLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::uint64_t oid = 0;
    std::string from;
    std::int64_t rounds = 0;  // complete rounds applied
    std::string state;        // the encoded state after those rounds
    std::string incoming;     // the delta of round `rounds`, being received
    std::int64_t incoming_total = 0;
    Time touched = 0;
  };
  Status fail(const std::string& mid, Code code, const std::string& why);

  StagingLimits limits_;
  std::map<std::string, Entry> staged_;
};

}  // namespace amino
