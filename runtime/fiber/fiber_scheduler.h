// Stackful execution contexts (Boost.Context fibers) for the single-threaded backends (in-process
// and sockets). A backend owns one FiberScheduler per event loop: it resumes fibers from its loop,
// and a fiber suspends back into the loop when its code blocks. SimGrid uses actors instead.
#pragma once

#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace amino::fiber {

class Fiber;

class FiberScheduler {
 public:
  // on_error reports an exception that escaped a fiber's function (the fiber then ends).
  explicit FiberScheduler(std::size_t stack_bytes = 256 * 1024,
                          std::function<void(const std::string&)> on_error = {});
  // Fibers still suspended (or never resumed) are parked, not unwound: their frames may refer to
  // objects destroyed before the scheduler (a kernel, an Env), which unwinding would touch. Parked
  // fibers keep their memory, reachable, for the rest of the process (LeakSanitizer stays quiet).
  ~FiberScheduler();
  FiberScheduler(const FiberScheduler&) = delete;
  FiberScheduler& operator=(const FiberScheduler&) = delete;

  // Creates a fiber; it runs when first resumed.
  Fiber* spawn(std::string name, std::function<void()> fn);
  // Runs f until it suspends or returns. A finished fiber is freed. Must not be called from f.
  void resume(Fiber* f);
  // Suspends the running fiber, returning control to whoever resumed it.
  void suspend();
  Fiber* current() const { return current_; }
  bool in_fiber() const { return current_ != nullptr; }
  std::size_t live() const { return live_; }

 private:
  boost::context::pooled_fixedsize_stack stacks_;
  std::function<void(const std::string&)> on_error_;
  Fiber* current_ = nullptr;
  std::size_t live_ = 0;
  Fiber* first_ = nullptr;  // every live fiber, through Fiber::prev_/next_
  // The stack resume() runs on (the event loop's), as AddressSanitizer reported it on the first
  // switch into a fiber; only used under ASan (fiber_scheduler.cc).
  const void* loop_stack_bottom_ = nullptr;
  std::size_t loop_stack_size_ = 0;
};

class Fiber {
 public:
  const std::string& name() const { return name_; }

 private:
  friend class FiberScheduler;
  std::string name_;
  boost::context::fiber self_;  // continuation into the fiber while it is suspended
  boost::context::fiber back_;  // continuation to the resumer while the fiber runs
  bool done_ = false;
  Fiber* prev_ = nullptr;  // the scheduler's list of live fibers
  Fiber* next_ = nullptr;
  // For AddressSanitizer's stack switching annotations (fiber_scheduler.cc).
  const void* stack_bottom_ = nullptr;
  std::size_t stack_size_ = 0;
  void* fake_stack_ = nullptr;
};

}  // namespace amino::fiber
