// The event loop shared by every SocketsEnv of a process: one io_context run on ONE thread plus the
// FiberScheduler for their execution contexts. Handlers, timers and fibers of all nodes on the loop
// run on that thread, which is what lets the code above the seam go without locks.
//
// Timers: every Env timer and Signal deadline of the loop is an entry of one TimerHeap driven by one
// Asio steady_timer, armed for the earliest deadline only (see timer_heap.h for why).
//
// Deferred tasks (Env::post, starting and resuming execution contexts) wait in one FIFO of the loop.
// A handler that opens a DrainScope (a socket read, a timer expiry) runs them when it ends; otherwise
// a handler is posted to run them. So a reply that wakes its caller resumes it in the same turn of
// the loop instead of queueing a handler behind which Asio would poll epoll once more, while the
// notifier's own code has still returned before any deferred task runs.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "runtime/fiber/fiber_scheduler.h"
#include "runtime/sockets/timer_heap.h"
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

  // Runs fn from a loop handler once now() >= at (at once if `at` has passed). Loop thread only.
  // fn must not throw. Returns an id (never 0) for cancel_timer.
  TimerHeap::Id add_timer(Time at, TimerHeap::Callback fn);
  // fn will not run; a no-op for a timer that already fired or was cancelled.
  void cancel_timer(TimerHeap::Id id);
  std::size_t armed_timers() const { return timers_.armed(); }

  // Runs fn on the loop after the current handler (see above), in the order deferred. Loop thread
  // only (or before the loop runs). fn must not throw.
  void defer(std::function<void()> fn);
  // Opened at the top of a handler (never inside an execution context): when the outermost scope
  // closes, it runs the deferred tasks, a bounded number of them; the rest run from a posted handler.
  class DrainScope {
   public:
    explicit DrainScope(SocketsLoop& loop) : loop_(loop) { ++loop_.drain_scopes_; }
    ~DrainScope();
    DrainScope(const DrainScope&) = delete;
    DrainScope& operator=(const DrainScope&) = delete;

   private:
    SocketsLoop& loop_;
  };

 private:
  void run_deferred();
  void post_drain();
  // Arms timer_ for the earliest deadline unless it is already armed for that one or an earlier one.
  void arm_for_earliest();
  void on_timer_expired();

  const std::chrono::steady_clock::time_point start_;
  fiber::FiberScheduler fibers_;
  // Before io_: handlers destroyed with io_ may drop Signals, which cancel their timers here.
  TimerHeap timers_;
  // After timers_ (a task may hold a Signal), before io_ (whose handlers may hold tasks' owners).
  std::deque<std::function<void()>> deferred_;
  int drain_scopes_ = 0;       // DrainScopes open on the loop's stack
  bool drain_posted_ = false;  // a handler that runs deferred tasks is queued
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::optional<Time> timer_armed_for_;  // the deadline timer_ waits for, if it waits
  std::uint64_t timer_generation_ = 0;   // tells a superseded wait's handler apart from the current one
  // Keeps run() blocking while no I/O is pending, e.g. before the first node is created.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
};

// For the server binaries: the first SIGINT or SIGTERM stops `loop` cleanly (run() returns).
void stop_on_termination_signals(SocketsLoop& loop);

}  // namespace amino::sockets
