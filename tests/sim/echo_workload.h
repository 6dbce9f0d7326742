// A request/reply echo workload written directly on the seam (Env), standing in for the kernel's
// RPC layer in the simulator's tests. Frames are text:
//   request "req <id> <payload>"  ->  reply "rep <id> <count>"
// where <count> is the server's durable request counter (Storage key "count"), so storage faults
// are visible in the replies. The client sends requests one at a time, each with a deadline, and
// records how each ended (ok / timeout / reset).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/env.h"

namespace amino::simtest {

struct EchoServerStats {
  std::uint64_t requests = 0;        // frames received, duplicates included
  std::vector<std::uint64_t> order;  // request ids in arrival order
  std::uint64_t boots = 0;
};

struct EchoServerConfig {
  bool sync_each_write = true;  // sync the counter after every request
  double ops_per_request = 0;   // CPU work charged per request (in an execution context)
};

// Installs the server on `env` (call from the node's boot function).
void start_echo_server(Env& env, EchoServerConfig cfg, std::shared_ptr<EchoServerStats> stats);

enum class Outcome { kOk, kTimeout, kReset };

struct EchoResult {
  std::uint64_t id = 0;
  Outcome outcome = Outcome::kTimeout;
  Time sent = 0, ended = 0;  // client-clock times
  std::int64_t count = -1;   // server's counter in the reply
};

struct EchoClientStats {
  std::vector<EchoResult> results;
  std::uint64_t stray_replies = 0;  // duplicates and replies after the deadline
  bool done = false;

  int count(Outcome o) const;
  // Results whose requests were sent in [from, to) (client clock).
  int count_between(Outcome o, Time from, Time to) const;
};

struct EchoClientConfig {
  NodeId server;
  int requests = 10;
  Duration timeout = 500 * kMillisecond;
  Duration interval = 100 * kMillisecond;  // pause between the end of one request and the next
  std::size_t payload_bytes = 100;
};

// Starts the client in an execution context on `env` (call from the node's boot function).
void start_echo_client(Env& env, EchoClientConfig cfg, std::shared_ptr<EchoClientStats> stats);

const char* outcome_name(Outcome o);

}  // namespace amino::simtest
