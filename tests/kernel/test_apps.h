// Application classes and a tracing DM used by the kernel tests. The tracing DM is a real DM (it
// forwards like DefaultDM) that also records every upcall, so tests can check order and delivery.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/dm.h"
#include "runtime/microservice.h"
#include "runtime/stub.h"

namespace amino::testing {

class Counter : public MicroService {
 public:
  Counter() = default;
  explicit Counter(std::int64_t start) : value_(start) {}
  std::int64_t add(std::int64_t d) {
    if (d < 0) throw std::invalid_argument("negative increment");
    return value_ += d;
  }
  std::int64_t get() const { return value_; }
  std::string where() const { return runtime().node(); }
  // Holds its caller for `ops` operations of CPU work (1e9 ops = 1 s in-process).
  std::int64_t slow_get(double ops) {
    runtime().compute(ops);
    return value_;
  }
  // Holds its caller for `ms` milliseconds of the backend's time (same meaning on every backend).
  std::int64_t nap(std::int64_t ms) {
    runtime().sleep_for(ms * kMillisecond);
    return value_;
  }
  static void describe(ClassBuilder<Counter>& c) {
    c.constructor<std::int64_t>()
        .reads("nap", &Counter::nap)
        .writes("add", &Counter::add)
        .reads("get", &Counter::get)
        .reads("where", &Counter::where)
        .reads("slow_get", &Counter::slow_get)
        .field("value", &Counter::value_);
  }

 private:
  std::int64_t value_ = 0;
};

// Calls another microservice synchronously from inside a method.
class Greeter : public MicroService {
 public:
  std::string greet(const std::string& who) {
    const auto n = runtime().stub(counter_name_).call<std::int64_t>("add", 1);
    return "hello " + who + " #" + std::to_string(n);
  }
  void use_counter(const std::string& name) { counter_name_ = name; }
  static void describe(ClassBuilder<Greeter>& c) {
    c.writes("greet", &Greeter::greet).writes("use_counter", &Greeter::use_counter).field("counter", &Greeter::counter_name_);
  }

 private:
  std::string counter_name_;
};

// Every upcall of the tracing DMs lands here, tagged with the DM's name.
std::vector<std::string>& trace_log();
// TraceDM named `name`: client/server/group parts that record their upcalls and forward like
// DefaultDM. Config key `replicas` (int, default 1): the group replicates up to that many.
DmDescriptor trace_dm(const std::string& name);

}  // namespace amino::testing
