// Durable storage kept in memory, for the simulated backends (in-process and SimGrid): one host's disk. Writes are buffered until sync(); a crash loses what was not
// synced (like an OS page cache on power loss), can tear the last unsynced write (a torn-write
// fault persists only the first half of its value), and "crash without state" wipes everything.
// Storage outlives node incarnations: it is the host's disk, not the process's memory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env.h"

namespace amino {

class MemoryStorage : public Storage {
 public:
  void put(const std::string& key, std::string value) override;
  std::optional<std::string> get(const std::string& key) const override;
  void erase(const std::string& key) override;
  std::vector<std::string> keys(const std::string& prefix) const override;
  void sync() override;

  // Power loss. Returns a description of what was lost (for the trace).
  std::string crash(bool wipe_synced);
  void arm_torn_write() { torn_armed_ = true; }
  std::size_t unsynced_writes() const { return log_.size(); }

 private:
  using Write = std::pair<std::string, std::optional<std::string>>;  // nullopt: erase
  std::map<std::string, std::string> synced_;
  std::map<std::string, std::optional<std::string>> pending_;
  std::vector<Write> log_;  // unsynced writes in issue order, for torn writes
  bool torn_armed_ = false;
};

}  // namespace amino
