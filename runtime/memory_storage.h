// Durable storage kept in memory, for the simulated backends (in-process and SimGrid): one host's disk. Writes are buffered until sync(); a crash loses what was not
// synced (like an OS page cache on power loss), can tear the last unsynced write (a torn-write
// fault persists only the first half of its value), and "crash without state" wipes everything.
// A crash point (arm_crash_point) makes the next crash land between two given storage operations,
// even inside a sync, although the code that issues them never yields in between.
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
  // Fault tests: the next crash leaves the disk as it was right after the next `ops` operations
  // (each put and each erase is one; a sync is one per write it makes durable, applied in issue
  // order, so the point can fall inside a sync), as if the process had died there: everything after
  // it is undone, the writes still unsynced there are lost (the last one torn if armed). A crash
  // before `ops` operations is an ordinary crash. The crash clears the point.
  void arm_crash_point(std::size_t ops);
  std::size_t unsynced_writes() const { return log_.size(); }

 private:
  using Write = std::pair<std::string, std::optional<std::string>>;  // nullopt: erase
  void apply(const Write& w);
  void count_operation();  // for the crash point
  struct DiskAt {          // the disk at the crash point
    std::map<std::string, std::string> synced;
    std::vector<Write> unsynced;
  };
  std::optional<std::size_t> ops_to_crash_point_;
  std::optional<DiskAt> at_crash_point_;
  std::map<std::string, std::string> synced_;
  std::map<std::string, std::optional<std::string>> pending_;
  std::vector<Write> log_;  // unsynced writes in issue order, for torn writes
  bool torn_armed_ = false;
};

}  // namespace amino
