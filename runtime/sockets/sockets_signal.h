// Signal for the sockets backend: a fiber waiting in wait_until() is resumed from the loop either by
// notify() or by its deadline (a timer of the loop's TimerHeap, not an Asio timer of its own),
// whichever comes first, and exactly once.
#pragma once

#include <memory>

#include "runtime/env.h"
#include "runtime/sockets/sockets_loop.h"

namespace amino::sockets {

class SocketsSignal : public Signal, public std::enable_shared_from_this<SocketsSignal> {
 public:
  // `owner_alive` expires when the owning node goes away; its fibers are then never resumed again.
  SocketsSignal(SocketsLoop& loop, std::weak_ptr<const void> owner_alive);
  ~SocketsSignal() override;
  SocketsSignal(const SocketsSignal&) = delete;
  SocketsSignal& operator=(const SocketsSignal&) = delete;

  void notify() override;
  bool notified() const override { return notified_; }
  bool wait_until(Time deadline) override;

 private:
  void wake(fiber::Fiber* waiter);

  SocketsLoop& loop_;
  std::weak_ptr<const void> owner_alive_;
  TimerHeap::Id deadline_timer_ = 0;  // armed while a fiber waits with a deadline; 0: none
  fiber::Fiber* waiter_ = nullptr;  // the suspended fiber; cleared by the first of the two wake-ups
  bool notified_ = false;
};

}  // namespace amino::sockets
