#include "runtime/fiber/fiber_scheduler.h"

#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

// AddressSanitizer assumes one stack per thread. A fiber switch moves the thread to another stack, so
// ASan must be told before each switch which stack runs next and, on arrival, that the switch
// happened; otherwise an exception thrown on a fiber stack leaves stale poison behind (false
// stack-buffer-overflow reports later) and ASan warns that it ignores __asan_handle_no_return.
// Boost.Context annotates its ucontext fibers only; Debian's build uses fcontext, so this does it.
#include "runtime/fiber/asan.h"
#if AMINO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace amino::fiber {

namespace ctx = boost::context;

namespace {

// fake_stack_save: where ASan keeps the leaving context's fake stack (nullptr: the leaving
// context ends, and its fake stack with it). bottom/size: the stack being switched to.
void start_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] std::size_t size) {
#if AMINO_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

// Called on arrival; reports the stack that was left (bottom/size may be null).
void finish_switch([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** old_bottom,
                   [[maybe_unused]] std::size_t* old_size) {
#if AMINO_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_size);
#endif
}

// The scheduler's pooled stacks, noting where each fiber's stack lies (for the annotations above).
struct RecordingStack {
  ctx::pooled_fixedsize_stack pool;  // copies share one pool
  const void** bottom;
  std::size_t* size;
  ctx::stack_context allocate() {
    ctx::stack_context sc = pool.allocate();
    *bottom = static_cast<const char*>(sc.sp) - sc.size;  // stacks grow down from sp
    *size = sc.size;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept { pool.deallocate(sc); }
};

// Where ~FiberScheduler parks the fibers it cannot unwind; never destroyed, so that what they hold
// stays reachable.
std::vector<Fiber*>& parked_fibers() {
  static auto* parked = new std::vector<Fiber*>();
  return *parked;
}

}  // namespace

FiberScheduler::FiberScheduler(std::size_t stack_bytes,
                               std::function<void(const std::string&)> on_error)
    : stacks_(stack_bytes), on_error_(std::move(on_error)) {}

FiberScheduler::~FiberScheduler() {
  for (Fiber* f = first_; f != nullptr; f = f->next_) parked_fibers().push_back(f);
}

Fiber* FiberScheduler::spawn(std::string name, std::function<void()> fn) {
  auto owned = std::make_unique<Fiber>();
  Fiber* f = owned.get();
  f->name_ = std::move(name);
  f->self_ = ctx::fiber(std::allocator_arg, RecordingStack{stacks_, &f->stack_bottom_, &f->stack_size_},
                        [this, f, fn = std::move(fn)](ctx::fiber&& back) mutable {
                          finish_switch(nullptr, &loop_stack_bottom_, &loop_stack_size_);
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
                          start_switch(nullptr, loop_stack_bottom_, loop_stack_size_);  // for good
                          return std::move(f->back_);
                        });
  ++live_;
  f->next_ = first_;
  if (first_ != nullptr) first_->prev_ = f;
  first_ = owned.release();
  return f;
}

void FiberScheduler::resume(Fiber* f) {
  if (current_ != nullptr) throw std::logic_error("FiberScheduler::resume called from a fiber");
  current_ = f;
  void* loop_fake_stack = nullptr;
  start_switch(&loop_fake_stack, f->stack_bottom_, f->stack_size_);
  f->self_ = std::move(f->self_).resume();
  finish_switch(loop_fake_stack, nullptr, nullptr);
  current_ = nullptr;
  if (f->done_) {
    --live_;
    (f->prev_ != nullptr ? f->prev_->next_ : first_) = f->next_;
    if (f->next_ != nullptr) f->next_->prev_ = f->prev_;
    delete f;
  }
}

void FiberScheduler::suspend() {
  Fiber* f = current_;
  if (f == nullptr) throw std::logic_error("suspend() outside an execution context");
  start_switch(&f->fake_stack_, loop_stack_bottom_, loop_stack_size_);
  f->back_ = std::move(f->back_).resume();
  finish_switch(f->fake_stack_, &loop_stack_bottom_, &loop_stack_size_);
}

}  // namespace amino::fiber
