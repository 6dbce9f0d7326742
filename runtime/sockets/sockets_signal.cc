#include "runtime/sockets/sockets_signal.h"

#include <boost/asio/post.hpp>

#include <stdexcept>

namespace amino::sockets {

SocketsSignal::SocketsSignal(SocketsLoop& loop, std::weak_ptr<const void> owner_alive)
    : loop_(loop), owner_alive_(std::move(owner_alive)), deadline_timer_(loop.io()) {}

void SocketsSignal::notify() {
  if (notified_) return;
  notified_ = true;
  if (waiter_ == nullptr) return;  // nobody waiting yet: the next wait_until returns at once
  deadline_timer_.cancel();
  // Resume from a fresh loop task, never from inside the notifier (which may itself be a fiber).
  boost::asio::post(loop_.io(), [weak = weak_from_this(), waiter = waiter_] {
    if (auto self = weak.lock()) self->wake(waiter);
  });
}

bool SocketsSignal::wait_until(Time deadline) {
  if (notified_) return true;
  fiber::Fiber* const waiter = loop_.fibers().current();
  if (waiter == nullptr) throw std::logic_error("Signal::wait_until called outside an execution context");
  waiter_ = waiter;
  deadline_timer_.expires_at(loop_.to_time_point(deadline));
  deadline_timer_.async_wait([weak = weak_from_this(), waiter](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by notify(), which resumes the fiber itself
    if (auto self = weak.lock()) self->wake(waiter);
  });
  loop_.fibers().suspend();
  return notified_;
}

void SocketsSignal::wake(fiber::Fiber* waiter) {
  // The timer may have expired (its handler already queued) just before notify() cancelled it, so
  // both wake-ups can arrive: only the first one that still finds this waiter resumes it.
  if (waiter_ != waiter) return;
  waiter_ = nullptr;
  if (owner_alive_.expired()) return;
  loop_.fibers().resume(waiter);
}

}  // namespace amino::sockets
