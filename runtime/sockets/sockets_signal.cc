#include "runtime/sockets/sockets_signal.h"

#include <stdexcept>

namespace amino::sockets {

SocketsSignal::SocketsSignal(SocketsLoop& loop, std::weak_ptr<const void> owner_alive)
    : loop_(loop), owner_alive_(std::move(owner_alive)) {}

SocketsSignal::~SocketsSignal() {
  if (deadline_timer_ != 0) loop_.cancel_timer(deadline_timer_);
}

void SocketsSignal::notify() {
  if (notified_) return;
  notified_ = true;
  if (waiter_ == nullptr) return;  // nobody waiting yet: the next wait_until returns at once
  loop_.cancel_timer(deadline_timer_);  // its callback can no longer run
  deadline_timer_ = 0;
  // Resume from a deferred loop task, never from inside the notifier (which may itself be a fiber).
  loop_.defer([weak = weak_from_this(), waiter = waiter_] {
    if (auto self = weak.lock()) self->wake(waiter);
  });
}

bool SocketsSignal::wait_until(Time deadline) {
  if (notified_) return true;
  fiber::Fiber* const waiter = loop_.fibers().current();
  if (waiter == nullptr) throw std::logic_error("Signal::wait_until called outside an execution context");
  waiter_ = waiter;
  deadline_timer_ = loop_.add_timer(deadline, [weak = weak_from_this(), waiter] {
    if (auto self = weak.lock()) {
      self->deadline_timer_ = 0;  // before wake: the resumed fiber may wait again, arming a new one
      self->wake(waiter);
    }
  });
  loop_.fibers().suspend();
  return notified_;
}

void SocketsSignal::wake(fiber::Fiber* waiter) {
  // notify() and the deadline each resume the waiter at most once; only the first one that still
  // finds this waiter resumes it.
  if (waiter_ != waiter) return;
  waiter_ = nullptr;
  if (owner_alive_.expired()) return;
  loop_.fibers().resume(waiter);
}

}  // namespace amino::sockets
