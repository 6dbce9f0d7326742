// The seam. Everything above it (kernel server, OMS, DMs, application objects) is written against
// this interface only and compiled once; the in-process, sockets and SimGrid backends implement it.
// One Env is one node's view of the world: its clock, its RNG, its network endpoint, its timers, its
// execution contexts and its durable storage.
//
// Concurrency contract: all code that runs on one node (message handlers, timer callbacks, posted
// tasks, execution contexts) is cooperatively scheduled on one logical thread. Nothing above the
// seam needs a lock, but state may change across a blocking call (Signal::wait_until, sleep_for).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/probe.h"
#include "runtime/rng.h"
#include "runtime/session_id.h"
#include "runtime/time.h"

namespace amino {

using NodeId = std::string;
using Task = std::function<void()>;
using TimerId = std::uint64_t;

// Durable per-node key/value storage. Writes become durable on sync(); a backend may lose unsynced
// writes when the node crashes (that is a fault the sim backend injects on purpose).
class Storage {
 public:
  virtual ~Storage() = default;
  virtual void put(const std::string& key, std::string value) = 0;
  virtual std::optional<std::string> get(const std::string& key) const = 0;
  virtual void erase(const std::string& key) = 0;
  virtual std::vector<std::string> keys(const std::string& prefix) const = 0;
  virtual void sync() = 0;
};

// A one-shot wake-up for an execution context. notify() may be called from any code on the node;
// wait_until() may only be called from inside an execution context (Env::spawn).
class Signal {
 public:
  virtual ~Signal() = default;
  virtual void notify() = 0;
  virtual bool notified() const = 0;
  // Blocks the calling context until notify() or the deadline. Returns true if notified.
  virtual bool wait_until(Time deadline) = 0;
};

// What the network layer hands up. on_peer_down reports a broken connection (a "reset"): the RPC
// layer fails the calls pending on that peer at once instead of waiting for their deadline.
struct Inbox {
  std::function<void(const NodeId& from, std::string frame)> on_message;
  std::function<void(const NodeId& peer)> on_peer_down;
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Env {
 public:
  virtual ~Env() = default;

  virtual const NodeId& self() const = 0;
  // This incarnation of the node: unique across processes, hosts and restarts (session_id.h).
  // Real backends draw it from OS entropy, simulated ones from the seeded RNG.
  virtual const SessionId& session() const = 0;
  virtual Time now() const = 0;
  virtual Rng& rng() = 0;

  // Fire-and-forget delivery of one frame; reliability is the RPC layer's business.
  virtual void send(const NodeId& to, std::string frame) = 0;
  virtual void set_inbox(Inbox inbox) = 0;

  virtual TimerId arm_timer(Duration after, Task fn) = 0;
  virtual void cancel_timer(TimerId id) = 0;
  // Run fn soon on this node, after the current task.
  virtual void post(Task fn) = 0;

  // Start an execution context: code in it may block (Signal::wait_until, sleep_for).
  virtual void spawn(std::string name, Task fn) = 0;
  virtual std::shared_ptr<Signal> make_signal() = 0;
  // Only from inside an execution context.
  virtual void sleep_for(Duration d) = 0;
  // Charge `ops` operations of application work to this node's CPU. In simulation this advances the
  // caller's time by ops / host speed; on real sockets the work already took real time.
  virtual void compute(double ops) = 0;

  virtual Storage& storage() = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;

  // Protocol events for invariant checkers and triggered faults (runtime/probe.h). probing() is
  // false when nobody listens (every backend but the simulator): callers test it first, so that a
  // probe costs one virtual call and builds nothing. probe() never changes the run.
  virtual bool probing() const = 0;
  virtual void probe(std::string_view kind, ProbeFields fields) = 0;
};

}  // namespace amino
