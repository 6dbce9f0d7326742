// Faults due at times of a SocketsLoop's clock, applied in time order and, at equal times, in the
// order they were added — the order a schedule lists them. One Asio timer serves the earliest fault
// (Asio does not order timers that expire together). Used by LoopbackCluster and
// ProcessFaultDriver, so both backends' drivers apply a schedule the same way SimWorld does.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>

#include "runtime/sockets/sockets_loop.h"
#include "testbed/fault_schedule.h"

namespace amino::testbed {

class FaultTimeline {
 public:
  FaultTimeline(sockets::SocketsLoop& loop, std::function<void(const Fault&)> apply)
      : loop_(loop), apply_(std::move(apply)), timer_(loop.io()) {}

  // `due` on loop.now()'s clock; a time already past applies at the next turn of the loop.
  void add(Time due, Fault fault) {
    pending_.emplace(due, std::move(fault));  // after equal keys: insertion order is kept
    arm();
  }

 private:
  void arm() {
    if (pending_.empty()) return;
    timer_.expires_at(loop_.to_time_point(pending_.begin()->first));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) fire();
    });
  }

  void fire() {
    while (!pending_.empty() && pending_.begin()->first <= loop_.now()) {
      const Fault fault = std::move(pending_.begin()->second);
      pending_.erase(pending_.begin());
      apply_(fault);
    }
    arm();
  }

  sockets::SocketsLoop& loop_;
  std::function<void(const Fault&)> apply_;
  std::multimap<Time, Fault> pending_;
  boost::asio::steady_timer timer_;
};

}  // namespace amino::testbed
