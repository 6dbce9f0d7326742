// Durable storage for a real node: one file per key in a directory, named by the hex encoding of the
// key (so any key bytes are safe as a file name). put() and erase() are buffered in memory and get()
// sees them; sync() makes them durable: write a temp file, fsync it, rename it over the key's file,
// then fsync the directory. Unsynced writes are lost if the process dies, as the seam allows.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env.h"

namespace amino::sockets {

class FileStorage : public Storage {
 public:
  // Creates `directory` if needed and removes temp files left by a sync() that a crash interrupted.
  explicit FileStorage(std::filesystem::path directory);

  // put() and erase() throw std::invalid_argument for an empty key or one too long for a file name
  // (over 120 bytes); get() finds nothing under such a key.
  void put(const std::string& key, std::string value) override;
  std::optional<std::string> get(const std::string& key) const override;
  void erase(const std::string& key) override;
  std::vector<std::string> keys(const std::string& prefix) const override;
  // Throws std::system_error if the disk refuses a write; unsynced changes then stay buffered.
  void sync() override;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path path_of(const std::string& key) const;
  std::optional<std::string> read_synced(const std::string& key) const;

  std::filesystem::path directory_;
  std::map<std::string, std::optional<std::string>> unsynced_;  // nullopt: erased
};

}  // namespace amino::sockets
