#include "runtime/sockets/sockets_loop.h"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

namespace amino::sockets {

namespace {

// Timers fired per expiry handler; more due ones fire from the next handler (the timer is re-armed
// for a passed deadline), so a burst of expiries cannot starve the sockets.
constexpr int kMaxTimersPerWakeup = 64;
// Deferred tasks run per drain; more (tasks deferring tasks) run from a posted handler, after Asio
// has polled the sockets, so that they cannot starve them.
constexpr int kMaxDeferredPerDrain = 256;

void report_fiber_error(const std::string& what) {
  std::fprintf(stderr, "sockets loop: execution context ended with an exception: %s\n", what.c_str());
}

}  // namespace

SocketsLoop::SocketsLoop()
    : start_(std::chrono::steady_clock::now()),
      fibers_(256 * 1024, report_fiber_error),
      io_(1),  // concurrency hint: one thread runs this context, so Asio can skip internal locking
      timer_(io_),
      keep_running_(boost::asio::make_work_guard(io_)) {}

SocketsLoop::~SocketsLoop() { keep_running_.reset(); }

void SocketsLoop::run() {
  io_.restart();
  io_.run();
}

void SocketsLoop::run_for(Duration d) {
  io_.restart();
  io_.run_for(std::chrono::nanoseconds(d));
}

bool SocketsLoop::run_until(const std::function<bool()>& done, Duration limit) {
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(limit);
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || io_.stopped()) return false;
    io_.run_one_for(deadline - now);
  }
  return true;
}

void SocketsLoop::stop() { io_.stop(); }

TimerHeap::Id SocketsLoop::add_timer(Time at, TimerHeap::Callback fn) {
  const TimerHeap::Id id = timers_.add(at, std::move(fn));
  arm_for_earliest();
  return id;
}

// A cancelled timer stays the Asio timer's target until that expires: its handler then finds nothing
// due and re-arms for the new earliest deadline. Re-arming at every cancel would cost the
// timerfd_settime this class exists to save.
void SocketsLoop::cancel_timer(TimerHeap::Id id) { timers_.cancel(id); }

void SocketsLoop::arm_for_earliest() {
  const std::optional<Time> earliest = timers_.earliest();
  if (!earliest || (timer_armed_for_ && *timer_armed_for_ <= *earliest)) return;
  timer_armed_for_ = *earliest;
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(to_time_point(*earliest));  // cancels the wait for a later deadline
  timer_.async_wait([this, generation](const boost::system::error_code& ec) {
    // A superseded wait may complete without an error if it expired just before it was replaced.
    if (ec || generation != timer_generation_) return;
    timer_armed_for_.reset();
    on_timer_expired();
  });
}

void SocketsLoop::on_timer_expired() {
  DrainScope scope(*this);  // a timer that wakes a context resumes it in this handler
  const Time t = now();
  for (int i = 0; i < kMaxTimersPerWakeup; ++i) {
    TimerHeap::Callback fn = timers_.pop_due(t);
    if (!fn) break;
    try {
      fn();
    } catch (const std::exception& e) {  // callers guard their own code; this keeps Asio safe regardless
      std::fprintf(stderr, "sockets loop: a timer callback threw: %s\n", e.what());
    }
  }
  arm_for_earliest();
}

Time SocketsLoop::now() const {
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
}

std::chrono::steady_clock::time_point SocketsLoop::to_time_point(Time t) const {
  return start_ + std::chrono::nanoseconds(t);
}

void SocketsLoop::defer(std::function<void()> fn) {
  deferred_.push_back(std::move(fn));
  if (drain_scopes_ == 0 && !drain_posted_) post_drain();
}

void SocketsLoop::post_drain() {
  drain_posted_ = true;
  boost::asio::post(io_, [this] {
    drain_posted_ = false;
    DrainScope scope(*this);
  });
}

SocketsLoop::DrainScope::~DrainScope() {
  // The outermost scope drains, with the count still held so that tasks deferred meanwhile join the
  // queue instead of posting handlers.
  if (loop_.drain_scopes_ == 1) loop_.run_deferred();
  --loop_.drain_scopes_;
}

void SocketsLoop::run_deferred() {
  for (int i = 0; i < kMaxDeferredPerDrain && !deferred_.empty(); ++i) {
    std::function<void()> fn = std::move(deferred_.front());
    deferred_.pop_front();
    try {
      fn();
    } catch (const std::exception& e) {  // callers guard their own code; this keeps Asio safe regardless
      std::fprintf(stderr, "sockets loop: a deferred task threw: %s\n", e.what());
    } catch (...) {  // DrainScope runs this from a destructor: nothing may escape
      std::fprintf(stderr, "sockets loop: a deferred task threw a non-standard exception\n");
    }
  }
  if (!deferred_.empty() && !drain_posted_) post_drain();
}

void stop_on_termination_signals(SocketsLoop& loop) {
  // The signal_set owns itself through its pending handler; it goes away after the first signal or
  // with the io_context.
  auto signals = std::make_shared<boost::asio::signal_set>(loop.io(), SIGINT, SIGTERM);
  signals->async_wait([&loop, signals](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;  // cancelled: the loop is going away
    std::fprintf(stderr, "sockets loop: signal %d received, stopping\n", signal_number);
    loop.stop();
  });
}

}  // namespace amino::sockets
