// EnvWrapper forwards every Env method to its target: a bare wrapper over an Env that records each
// call must pass every call through with its arguments and hand back the target's result. A new Env
// method (they are all pure virtual) that EnvWrapper does not forward leaves it abstract, so this
// file stops compiling; one forwarded to the wrong method fails a test below.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "runtime/env_wrapper.h"
#include "runtime/memory_storage.h"

namespace amino {
namespace {

class NullSignal : public Signal {
 public:
  void notify() override {}
  bool notified() const override { return false; }
  bool wait_until(Time) override { return false; }
};

// Records the name and arguments of every call; returns distinctive values.
class RecordingEnv : public Env {
 public:
  const NodeId& self() const override { return note("self"), id_; }
  const SessionId& session() const override { return note("session"), session_; }
  Time now() const override { return note("now"), 1234; }
  Rng& rng() override { return note("rng"), rng_; }
  void send(const NodeId& to, std::string frame) override { note("send", to + "|" + frame); }
  void set_inbox(Inbox inbox) override {
    note("set_inbox");
    inbox.on_message("peer", "hello");
  }
  TimerId arm_timer(Duration after, Task fn) override {
    note("arm_timer", std::to_string(after));
    fn();
    return 77;
  }
  void cancel_timer(TimerId id) override { note("cancel_timer", std::to_string(id)); }
  void post(Task fn) override {
    note("post");
    fn();
  }
  void spawn(std::string name, Task fn) override {
    note("spawn", name);
    fn();
  }
  std::shared_ptr<Signal> make_signal() override { return note("make_signal"), signal_; }
  void sleep_for(Duration d) override { note("sleep_for", std::to_string(d)); }
  void compute(double ops) override { note("compute", std::to_string(ops)); }
  Storage& storage() override { return note("storage"), storage_; }
  void log(LogLevel level, std::string_view message) override {
    note("log", std::to_string(static_cast<int>(level)) + "|" + std::string(message));
  }
  bool probing() const override { return note("probing"), true; }
  void probe(std::string_view kind, ProbeFields fields) override {
    note("probe", std::string(kind) + "|" + fields.at(0).name + "=" + std::to_string(std::get<std::int64_t>(fields.at(0).value)));
  }

  mutable std::map<std::string, std::string> calls;  // method -> arguments of its last call
  std::shared_ptr<Signal> signal_ = std::make_shared<NullSignal>();
  MemoryStorage storage_;
  Rng rng_{5};

 private:
  void note(const std::string& method, std::string args = "") const { calls[method] = std::move(args); }
  NodeId id_ = "target-node";
  SessionId session_{};
};

TEST(EnvWrapper, EveryEnvMethodReachesTheTargetWithItsArgumentsAndResult) {
  RecordingEnv target;
  EnvWrapper wrapper(target);
  Env& env = wrapper;  // called as the runtime calls it: through the Env interface

  EXPECT_EQ(&env.self(), &target.self());
  EXPECT_EQ(&env.session(), &target.session());
  EXPECT_EQ(env.now(), 1234);
  EXPECT_EQ(&env.rng(), &target.rng_);
  env.send("to-node", "frame-bytes");
  std::string got;
  env.set_inbox(Inbox{[&](const NodeId& from, std::string frame) { got = from + ":" + frame; }, {}});
  int ran = 0;
  EXPECT_EQ(env.arm_timer(42, [&] { ++ran; }), 77u);
  env.cancel_timer(9);
  env.post([&] { ++ran; });
  env.spawn("context-name", [&] { ++ran; });
  EXPECT_EQ(env.make_signal(), target.signal_);
  env.sleep_for(5);
  env.compute(2.5);
  EXPECT_EQ(&env.storage(), &target.storage_);
  env.log(LogLevel::kWarn, "message");
  EXPECT_TRUE(env.probing());
  env.probe("raft.leader", {{"term", std::int64_t{3}}});

  EXPECT_EQ(got, "peer:hello");
  EXPECT_EQ(ran, 3);
  const std::map<std::string, std::string> expected = {
      {"self", ""},          {"session", ""},           {"now", ""},
      {"rng", ""},           {"send", "to-node|frame-bytes"}, {"set_inbox", ""},
      {"arm_timer", "42"},   {"cancel_timer", "9"},     {"post", ""},
      {"spawn", "context-name"}, {"make_signal", ""},   {"sleep_for", "5"},
      {"compute", std::to_string(2.5)}, {"storage", ""}, {"log", "2|message"},
      {"probing", ""},       {"probe", "raft.leader|term=3"},
  };
  EXPECT_EQ(target.calls, expected);
  EXPECT_EQ(&wrapper.target(), &target);
}

// A decorator overrides only what it changes; the rest still reaches the target.
TEST(EnvWrapper, ADecoratorOverridesOnlyWhatItChanges) {
  class CountingSends : public EnvWrapper {
   public:
    using EnvWrapper::EnvWrapper;
    void send(const NodeId& to, std::string frame) override {
      ++sends;
      EnvWrapper::send(to, std::move(frame) + "!");
    }
    int sends = 0;
  };
  RecordingEnv target;
  CountingSends env(target);
  env.send("n", "f");
  env.compute(1);
  EXPECT_EQ(env.sends, 1);
  EXPECT_EQ(target.calls.at("send"), "n|f!");
  EXPECT_EQ(target.calls.count("compute"), 1u);
}

}  // namespace
}  // namespace amino
