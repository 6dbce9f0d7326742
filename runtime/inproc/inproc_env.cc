#include "runtime/inproc/inproc_env.h"

#include <cstdio>

namespace amino::inproc {

namespace {

// Wakes one fiber either on notify() or at its deadline, whichever comes first. Both paths go
// through the event queue, never resuming a fiber from inside another one.
class InProcSignal : public Signal {
 public:
  InProcSignal(InProcWorld& world, InProcEnv& env, fiber::FiberScheduler& fibers)
      : world_(world), env_(env), fibers_(fibers) {}

  void notify() override {
    if (notified_) return;
    notified_ = true;
    if (waiter_ == nullptr) return;
    env_.cancel_timer(timeout_);
    fiber::Fiber* f = waiter_;
    env_.post([this, f, keep = self_.lock()] { wake(f); });
  }
  bool notified() const override { return notified_; }
  bool wait_until(Time deadline) override {
    if (notified_) return true;
    waiter_ = fibers_.current();
    if (waiter_ == nullptr) throw std::logic_error("Signal::wait_until outside an execution context");
    fiber::Fiber* f = waiter_;
    timeout_ = env_.arm_timer(std::max<Duration>(deadline - world_.now(), 0), [this, f, keep = self_.lock()] { wake(f); });
    fibers_.suspend();
    return notified_;
  }
  std::weak_ptr<InProcSignal> self_;

 private:
  void wake(fiber::Fiber* f) {
    if (waiter_ != f) return;  // already woken by the other path
    waiter_ = nullptr;
    fibers_.resume(f);
  }

  InProcWorld& world_;
  InProcEnv& env_;
  fiber::FiberScheduler& fibers_;
  fiber::Fiber* waiter_ = nullptr;
  TimerId timeout_ = 0;
  bool notified_ = false;
};

}  // namespace

TimerId InProcEnv::arm_timer(Duration after, Task fn) {
  return world_.schedule(world_.now_ + std::max<Duration>(after, 0), this, std::move(fn));
}

void InProcEnv::spawn(std::string name, Task fn) {
  fiber::Fiber* f = world_.fibers_.spawn(std::move(name), std::move(fn));
  post([this, f] { world_.fibers_.resume(f); });
}

std::shared_ptr<Signal> InProcEnv::make_signal() {
  auto s = std::make_shared<InProcSignal>(world_, *this, world_.fibers_);
  s->self_ = s;
  return s;
}

void InProcEnv::sleep_for(Duration d) {
  auto s = make_signal();
  s->wait_until(world_.now_ + d);
}

void InProcEnv::compute(double ops) {
  if (ops <= 0) return;
  sleep_for(static_cast<Duration>(ops / world_.options_.cpu_ops_per_second * kSecond));
}

void InProcEnv::log(LogLevel level, std::string_view message) {
  if (!world_.options_.log_to_stderr && level < LogLevel::kWarn) return;
  static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  std::fprintf(stderr, "[%12.6f] %-5s %s: %.*s\n", to_seconds(world_.now_), names[static_cast<int>(level)],
               id_.c_str(), static_cast<int>(message.size()), message.data());
}

}  // namespace amino::inproc
