// A large object for live migration (runtime/oms_live_migration.cc): a payload of `bytes` bytes
// and an append-only list. Each append adds its value to the list (model "list-append",
// testbed/check/model.h: a lost or doubled write shows in a later read) and overwrites 64 bytes of
// the payload at a place derived from the value, so writes dirty the encoded state the way a busy
// object's would and pre-copy rounds have deltas to send.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/microservice.h"

namespace amino::scenarios::harness {

class AppendBlob : public MicroService {
 public:
  AppendBlob() = default;
  explicit AppendBlob(std::int64_t bytes) {
    if (bytes < 0 || bytes > (std::int64_t{1} << 30)) throw std::invalid_argument("AppendBlob size must be in [0, 2^30]");
    payload_.data.resize(static_cast<std::size_t>(bytes));
    for (std::size_t i = 0; i < payload_.data.size(); ++i) payload_.data[i] = static_cast<char>((i * 131) >> 7);
  }
  std::int64_t append(std::int64_t value) {
    list_.push_back(value);
    std::string& p = payload_.data;
    if (p.size() >= 64) {
      const std::size_t at = static_cast<std::size_t>((static_cast<std::uint64_t>(value) * 0x9E3779B97F4A7C15ULL) % (p.size() - 63));
      for (std::size_t i = 0; i < 64; ++i) p[at + i] = static_cast<char>(value + static_cast<std::int64_t>(i));
    }
    return static_cast<std::int64_t>(list_.size());
  }
  std::vector<std::int64_t> read() const { return list_; }
  std::int64_t size() const { return static_cast<std::int64_t>(payload_.data.size()); }
  std::string where() const { return runtime().node(); }
  // Stands in for any method a migrating DM intercepts (ExplicitMigration's migrateMethod).
  void migrateTo(const std::string&) {}
  static void describe(ClassBuilder<AppendBlob>& c) {
    c.constructor<std::int64_t>()
        .writes("append", &AppendBlob::append)
        .reads("read", &AppendBlob::read)
        .reads("size", &AppendBlob::size)
        .reads("where", &AppendBlob::where)
        .writes("migrateTo", &AppendBlob::migrateTo)
        .field("payload", &AppendBlob::payload_)
        .field("list", &AppendBlob::list_);
  }

 private:
  Bytes payload_;
  std::vector<std::int64_t> list_;
};

}  // namespace amino::scenarios::harness
