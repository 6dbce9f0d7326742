// One node of an InProcWorld.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "runtime/inproc/inproc_world.h"
#include "runtime/memory_storage.h"

namespace amino::inproc {

class InProcEnv : public Env {
 public:
  InProcEnv(InProcWorld& world, NodeId id, Rng rng)
      : world_(world), id_(std::move(id)), rng_(std::move(rng)), session_(draw_session_id(rng_)) {}

  const NodeId& self() const override { return id_; }
  const SessionId& session() const override { return session_; }
  Time now() const override { return world_.now_; }
  Rng& rng() override { return rng_; }
  void send(const NodeId& to, std::string frame) override { world_.deliver(*this, to, std::move(frame)); }
  void set_inbox(Inbox inbox) override { inbox_ = std::move(inbox); }
  TimerId arm_timer(Duration after, Task fn) override;
  void cancel_timer(TimerId id) override { world_.cancel(id); }
  void post(Task fn) override { world_.schedule(world_.now_, this, std::move(fn)); }
  void spawn(std::string name, Task fn) override;
  std::shared_ptr<Signal> make_signal() override;
  void sleep_for(Duration d) override;
  void compute(double ops) override;
  Storage& storage() override { return storage_; }
  void log(LogLevel level, std::string_view message) override;
  // Nobody listens to probes here (only the simulator records them).
  bool probing() const override { return false; }
  void probe(std::string_view, ProbeFields) override {}

  bool crashed = false;
  const Inbox& inbox() const { return inbox_; }
  InProcWorld& world() { return world_; }
  MemoryStorage& memory_storage() { return storage_; }

 private:
  InProcWorld& world_;
  NodeId id_;
  Rng rng_;
  SessionId session_;
  Inbox inbox_;
  MemoryStorage storage_;
};

}  // namespace amino::inproc
