// EnvWrapper: an Env that forwards every call to a target Env, after LevelDB's EnvWrapper. An Env
// decorator (message faults, recording, ...) derives from it and overrides only what it changes, so
// adding a method to Env means one new forwarder here instead of one in every decorator. Every Env
// method is pure virtual, so a new one left unforwarded makes EnvWrapper abstract and the build
// fails; tests/kernel/env_wrapper_test.cc checks that each forwarder reaches the target with its
// arguments and hands back the target's result.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/env.h"

namespace amino {

class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}

  // The wrapped Env (for a decorator: the node's real Env below it).
  Env& target() const { return target_; }

  const NodeId& self() const override { return target_.self(); }
  const SessionId& session() const override { return target_.session(); }
  Time now() const override { return target_.now(); }
  Rng& rng() override { return target_.rng(); }
  void send(const NodeId& to, std::string frame) override { target_.send(to, std::move(frame)); }
  void set_inbox(Inbox inbox) override { target_.set_inbox(std::move(inbox)); }
  TimerId arm_timer(Duration after, Task fn) override { return target_.arm_timer(after, std::move(fn)); }
  void cancel_timer(TimerId id) override { target_.cancel_timer(id); }
  void post(Task fn) override { target_.post(std::move(fn)); }
  void spawn(std::string name, Task fn) override { target_.spawn(std::move(name), std::move(fn)); }
  std::shared_ptr<Signal> make_signal() override { return target_.make_signal(); }
  void sleep_for(Duration d) override { target_.sleep_for(d); }
  void compute(double ops) override { target_.compute(ops); }
  Storage& storage() override { return target_.storage(); }
  void log(LogLevel level, std::string_view message) override { target_.log(level, message); }
  bool probing() const override { return target_.probing(); }
  void probe(std::string_view kind, ProbeFields fields) override { target_.probe(kind, std::move(fields)); }

 private:
  Env& target_;
};

}  // namespace amino
