// Shared helpers for the sockets backend tests: a scratch directory and an Inbox that records.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/env.h"
#include "runtime/sockets/sockets_env.h"
#include "runtime/sockets/sockets_loop.h"

namespace amino::sockets::testing {

// Generous bound for waiting on loopback traffic; tests fail if the condition never holds, they
// never assert how long it took.
inline constexpr Duration kPatience = 10 * kSecond;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "amino-sockets-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Received {
  NodeId from;
  std::string frame;
};

// Installs itself as an Env's inbox and keeps everything it is handed.
class RecordingInbox {
 public:
  explicit RecordingInbox(Env& env) {
    env.set_inbox(Inbox{[this](const NodeId& from, std::string frame) { messages.push_back({from, std::move(frame)}); },
                        [this](const NodeId& peer) { peers_down.push_back(peer); }});
  }
  bool saw_peer_down(const NodeId& peer) const {
    for (const auto& p : peers_down) {
      if (p == peer) return true;
    }
    return false;
  }

  std::vector<Received> messages;
  std::vector<NodeId> peers_down;
};

}  // namespace amino::sockets::testing
