// One node of an InProcWorld.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "runtime/inproc/inproc_world.h"

namespace amino::inproc {

// Durable storage held in memory: synced writes survive InProcWorld::crash; unsynced ones do not.
class MemoryStorage : public Storage {
 public:
  void put(const std::string& key, std::string value) override { pending_[key] = std::move(value); }
  std::optional<std::string> get(const std::string& key) const override;
  void erase(const std::string& key) override { pending_[key] = std::nullopt; }
  std::vector<std::string> keys(const std::string& prefix) const override;
  void sync() override;
  void lose_unsynced() { pending_.clear(); }

 private:
  std::map<std::string, std::string> synced_;
  std::map<std::string, std::optional<std::string>> pending_;  // nullopt: erased
};

class InProcEnv : public Env {
 public:
  InProcEnv(InProcWorld& world, NodeId id, Rng rng) : world_(world), id_(std::move(id)), rng_(std::move(rng)) {}

  const NodeId& self() const override { return id_; }
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

  bool crashed = false;
  const Inbox& inbox() const { return inbox_; }
  InProcWorld& world() { return world_; }
  MemoryStorage& memory_storage() { return storage_; }

 private:
  InProcWorld& world_;
  NodeId id_;
  Rng rng_;
  Inbox inbox_;
  MemoryStorage storage_;
};

}  // namespace amino::inproc
