#include "runtime/sockets/sockets_loop.h"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <memory>

namespace amino::sockets {

namespace {

void report_fiber_error(const std::string& what) {
  std::fprintf(stderr, "sockets loop: execution context ended with an exception: %s\n", what.c_str());
}

}  // namespace

SocketsLoop::SocketsLoop()
    : start_(std::chrono::steady_clock::now()),
      fibers_(256 * 1024, report_fiber_error),
      io_(1),  // concurrency hint: one thread runs this context, so Asio can skip internal locking
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

Time SocketsLoop::now() const {
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
}

std::chrono::steady_clock::time_point SocketsLoop::to_time_point(Time t) const {
  return start_ + std::chrono::nanoseconds(t);
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
