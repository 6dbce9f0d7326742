#include "runtime/fiber/fiber_scheduler.h"

#include <exception>
#include <stdexcept>
#include <utility>

namespace amino::fiber {

namespace ctx = boost::context;

FiberScheduler::FiberScheduler(std::size_t stack_bytes,
                               std::function<void(const std::string&)> on_error)
    : stacks_(stack_bytes), on_error_(std::move(on_error)) {}

FiberScheduler::~FiberScheduler() = default;

Fiber* FiberScheduler::spawn(std::string name, std::function<void()> fn) {
  auto* f = new Fiber();
  f->name_ = std::move(name);
  ++live_;
  f->self_ = ctx::fiber(std::allocator_arg, stacks_,
                        [this, f, fn = std::move(fn)](ctx::fiber&& back) mutable {
                          f->back_ = std::move(back);
                          try {
                            fn();
                          } catch (const ctx::detail::forced_unwind&) {
                            throw;  // Boost.Context unwinding a fiber destroyed while suspended
                          } catch (const std::exception& e) {
                            if (on_error_) on_error_(f->name_ + ": " + e.what());
                          } catch (...) {
                            if (on_error_) on_error_(f->name_ + ": unknown exception");
                          }
                          f->done_ = true;
                          return std::move(f->back_);
                        });
  return f;
}

void FiberScheduler::resume(Fiber* f) {
  if (current_ != nullptr) throw std::logic_error("FiberScheduler::resume called from a fiber");
  current_ = f;
  f->self_ = std::move(f->self_).resume();
  current_ = nullptr;
  if (f->done_) {
    --live_;
    delete f;
  }
}

void FiberScheduler::suspend() {
  Fiber* f = current_;
  if (f == nullptr) throw std::logic_error("suspend() outside an execution context");
  f->back_ = std::move(f->back_).resume();
}

}  // namespace amino::fiber
