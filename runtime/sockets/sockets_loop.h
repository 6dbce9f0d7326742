// The event loop shared by every SocketsEnv of a process: one io_context run on ONE thread plus the
// FiberScheduler for their execution contexts. Handlers, timers and fibers of all nodes on the loop
// run on that thread, which is what lets the code above the seam go without locks.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>

#include "runtime/fiber/fiber_scheduler.h"
#include "runtime/time.h"

namespace amino::sockets {

class SocketsLoop {
 public:
  SocketsLoop();
  ~SocketsLoop();
  SocketsLoop(const SocketsLoop&) = delete;
  SocketsLoop& operator=(const SocketsLoop&) = delete;

  // Runs handlers until stop(). The loop never runs out of work on its own.
  void run();
  // Runs handlers for `d` of real time, or until stop().
  void run_for(Duration d);
  // Runs handlers until done() holds (checked after every handler), stop(), or `limit` of real time
  // has passed. Returns done(). Tests use it to bound their waits instead of asserting durations.
  bool run_until(const std::function<bool()>& done, Duration limit);
  // Ends the current run call. Safe from any thread and from inside a handler.
  void stop();

  // Monotonic ns since this loop was created: the clock of every Env on the loop.
  Time now() const;
  std::chrono::steady_clock::time_point to_time_point(Time t) const;

  boost::asio::io_context& io() { return io_; }
  fiber::FiberScheduler& fibers() { return fibers_; }

 private:
  const std::chrono::steady_clock::time_point start_;
  fiber::FiberScheduler fibers_;
  boost::asio::io_context io_;
  // Keeps run() blocking while no I/O is pending, e.g. before the first node is created.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
};

// For the server binaries: the first SIGINT or SIGTERM stops `loop` cleanly (run() returns).
void stop_on_termination_signals(SocketsLoop& loop);

}  // namespace amino::sockets
