#include "runtime/sockets/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <array>
#include <exception>
#include <vector>

namespace amino::sockets {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Gathering several queued frames into one write saves syscalls under load without delaying a
// lone frame; the cap bounds the buffer-sequence vector.
constexpr std::size_t kMaxFramesPerWrite = 64;
// The frame vector consume() keeps for its next call, up to this capacity.
constexpr std::size_t kMaxSpareFrames = 64;
// Reads per readiness event before yielding to other connections (fairness under a busy peer).
constexpr int kMaxReadsPerWakeup = 16;

// Every connection of a loop thread reads into this one buffer and hands the bytes to its
// FrameReader at once, so an idle connection owns no read buffer: a thousand idle or stalled
// connections cost no more than their (tiny) reassembly state.
std::array<char, 64 * 1024>& shared_read_buffer() {
  thread_local std::array<char, 64 * 1024> buffer;
  return buffer;
}

std::string describe(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

std::string describe(std::chrono::nanoseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

template <class Body>
void Connection::guarded(Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    close(std::string("internal error: ") + e.what());
  }
}

Connection::Connection(SocketsLoop& loop, tcp::socket socket, Direction direction, HandshakeConfig handshake,
                       Limits limits, Callbacks callbacks)
    : loop_(loop),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      direction_(direction),
      limits_(limits),
      callbacks_(std::move(callbacks)),
      handshake_(std::move(handshake)) {
  if (direction_ == Direction::kOutbound) peer_ = handshake_.dialed();
}

void Connection::arm_deadline(std::chrono::nanoseconds after, std::string why) {
  deadline_.expires_after(after);  // cancels the previous wait, whose handler then sees an error
  deadline_.async_wait([self = shared_from_this(), why = std::move(why)](const boost::system::error_code& ec) {
    if (!ec && !self->closed_ && !self->authenticated()) self->guarded([&] { self->close(why); });
  });
}

void Connection::start() {
  if (closed_) return;
  boost::system::error_code ec;
  remote_endpoint_ = describe(socket_.remote_endpoint(ec));
  // Frames are whole messages: waiting for more bytes (Nagle) only adds latency to every call.
  socket_.set_option(tcp::no_delay(true), ec);
  // Reads are attempted directly and only wait for readiness when nothing is there (read_available).
  socket_.non_blocking(true, ec);
  if (ec) return fail("cannot make the socket non-blocking", ec);
  started_ = true;
  arm_deadline(limits_.handshake_timeout, "handshake not completed within " + describe(limits_.handshake_timeout));
  if (!on_handshake_step(handshake_.start())) return;
  if (!queue_.empty() && frames_in_flight_ == 0) write_queued();
  read_available();
}

void Connection::connect(const NodeAddress& address, std::chrono::nanoseconds timeout) {
  arm_deadline(timeout, "connect timed out");
  boost::system::error_code not_numeric;
  const auto ip = asio::ip::make_address(address.host, not_numeric);
  if (!not_numeric) {
    // A numeric host needs no resolver (and so no resolver thread).
    const auto port = static_cast<unsigned short>(std::stoi(address.port));  // validated by parse_node_address
    connect_to(std::vector<tcp::endpoint>{tcp::endpoint(ip, port)});
    return;
  }
  auto resolver = std::make_shared<tcp::resolver>(socket_.get_executor());
  resolver->async_resolve(address.host, address.port,
                          [self = shared_from_this(), resolver](const boost::system::error_code& ec,
                                                                const tcp::resolver::results_type& results) {
                            self->guarded([&] {
                              if (self->closed_) return;
                              if (ec) return self->fail("cannot resolve host", ec);
                              self->connect_to(results);
                            });
                          });
}

template <class Endpoints>
void Connection::connect_to(const Endpoints& endpoints) {
  asio::async_connect(socket_, endpoints,
                      [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
                        self->guarded([&] {
                          if (self->closed_) return;
                          if (ec) return self->fail("connect failed", ec);
                          self->drop_write_interest();
                          if (self->closed_) return;
                          self->start();
                        });
                      });
}

// Asio keeps EPOLLOUT in a socket's epoll registration once a write operation (here the connect)
// has waited for it, and every re-armed read wait (epoll_ctl MOD) then reports the socket writable
// again: one more epoll_wait per frame read, on every outbound connection. Registering the connected
// socket afresh drops that interest (a send that must wait for room adds it back, rightly).
void Connection::drop_write_interest() {
  boost::system::error_code ec;
  const auto protocol = socket_.local_endpoint(ec).protocol();
  if (ec) return fail("connected socket has no local address", ec);
  const int fd = socket_.release(ec);
  if (ec) return fail("cannot re-register the connected socket", ec);
  socket_.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);  // not the socket's any more: nobody else would close it
    return fail("cannot re-register the connected socket", ec);
  }
}

// ---- Reading -------------------------------------------------------------------------------------

void Connection::read_available() {
  auto& buffer = shared_read_buffer();
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    if (closed_ || reads_stopped_) return;
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable();
    if (ec) return fail("read failed", ec);
    if (!consume(std::string_view(buffer.data(), n))) return;
    // A read that did not fill the buffer took all the socket held: wait for readiness now rather
    // than make a read that can only say "nothing yet" (so a frame costs one read). Data arriving
    // meanwhile is not missed: registering the wait re-checks readiness (epoll_ctl MOD).
    if (n < buffer.size()) return wait_readable();
  }
  // More may be waiting: continue from a fresh handler, after the other connections' turn.
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->guarded([&] { self->read_available(); }); });
}

void Connection::wait_readable() {
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    // The frames read may wake contexts (a reply for a waiting call) or start them (a request):
    // they run as this handler ends, after read_available returned.
    SocketsLoop::DrainScope scope(self->loop_);
    self->guarded([&] {
      if (self->closed_) return;
      if (ec) return self->fail("read failed", ec);
      self->read_available();
    });
  });
}

// Hands `bytes` (in the shared buffer) to the reader. Handshake frames are processed at once (pure,
// no user code), so that the frame limit is raised before the next header is read; data frames are
// collected and delivered only after the shared buffer is consumed, since delivering runs the
// owner's code. Returns false once the connection is closed or stops reading.
bool Connection::consume(std::string_view bytes) {
  // The vector of a previous call, so that delivering frames does not allocate one per read.
  std::vector<std::string> frames = std::move(spare_frames_);
  frames.clear();
  const auto too_long = reader_.feed(bytes, [&](std::string frame) {
    if (authenticated()) {
      frames.push_back(std::move(frame));
      return true;
    }
    return on_handshake_step(handshake_.on_frame(frame));
  });
  for (auto& frame : frames) {
    if (closed_ || !callbacks_.on_frame) break;
    callbacks_.on_frame(*this, std::move(frame));
  }
  frames.clear();
  if (frames.capacity() <= kMaxSpareFrames) spare_frames_ = std::move(frames);
  if (too_long && !closed_) close(too_long->message());
  return !closed_ && !reads_stopped_;
}

// Sends what the handshake produced; false if it failed (the connection then closes).
bool Connection::on_handshake_step(Handshake::Step step) {
  for (auto& frame : step.send) enqueue(std::move(frame));
  if (step.failure) {
    close_after_flush(std::string("handshake failed (") + to_string(step.failure->error) + "): " + step.failure->detail);
    return false;
  }
  if (handshake_.done()) on_handshake_done();
  return true;
}

void Connection::on_handshake_done() {
  deadline_.cancel();
  peer_ = handshake_.peer();
  reader_.set_max_frame_bytes(limits_.max_frame_bytes);
  // Held data frames go out after the handshake's last frame, in the order they were sent.
  while (!held_.empty()) {
    std::string frame = std::move(held_.front());
    held_.pop_front();
    queued_bytes_ -= frame.size() + kFrameHeaderBytes;
    enqueue(std::move(frame));
  }
  if (callbacks_.on_authenticated) callbacks_.on_authenticated(*this);
}

// ---- Writing -------------------------------------------------------------------------------------

void Connection::send(std::string frame) {
  if (closed_ || overflowed_ || close_when_flushed_) return;
  const std::size_t cost = frame.size() + kFrameHeaderBytes;
  if (queued_bytes_ + cost > limits_.max_send_queue_bytes) {
    overflowed_ = true;
    // Closed from a fresh handler: the sender may be in the middle of its own bookkeeping, and the
    // close reports the peer down to it.
    const std::string why = "send queue would exceed " + std::to_string(limits_.max_send_queue_bytes) +
                            " bytes (" + std::to_string(queued_bytes_) + " queued; the peer is not reading)";
    asio::post(socket_.get_executor(), [self = shared_from_this(), why] { self->guarded([&] { self->close(why); }); });
    return;
  }
  if (!authenticated()) {
    queued_bytes_ += cost;
    held_.push_back(std::move(frame));
    return;
  }
  enqueue(std::move(frame));
}

void Connection::enqueue(std::string frame) {
  const auto length = static_cast<std::uint32_t>(frame.size());
  queued_bytes_ += frame.size() + kFrameHeaderBytes;
  queue_.push_back(QueuedFrame{encode_frame_header(length), std::move(frame)});
  if (started_ && frames_in_flight_ == 0 && !closed_) write_queued();
}

std::size_t Connection::gather_queued(std::vector<asio::const_buffer>& buffers) const {
  buffers.clear();
  std::size_t total = 0;
  const std::size_t frames = std::min(queue_.size(), kMaxFramesPerWrite);
  for (std::size_t i = 0; i < frames; ++i) {
    const QueuedFrame& f = queue_[i];
    // The front frame may be partly written already (a short direct write).
    const std::size_t skip = i == 0 ? front_written_ : 0;
    if (skip < kFrameHeaderBytes) buffers.push_back(asio::buffer(f.header.data() + skip, kFrameHeaderBytes - skip));
    const std::size_t body_skip = skip > kFrameHeaderBytes ? skip - kFrameHeaderBytes : 0;
    buffers.push_back(asio::buffer(f.body.data() + body_skip, f.body.size() - body_skip));
    total += kFrameHeaderBytes + f.body.size() - skip;
  }
  return total;
}

void Connection::write_queued() {
  // Written directly while the socket takes everything: the usual case, and without a completion
  // handler (which would cost a turn of the loop per frame). Only what it cannot take now is left
  // to an async_write. An error other than "would block" is left to it as well, so that the
  // connection fails from a handler, never inside the sender's send().
  thread_local std::vector<asio::const_buffer> buffers;
  while (!queue_.empty()) {
    const std::size_t total = gather_queued(buffers);
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(buffers, ec);
    if (ec) break;
    account_written(n);
    if (n < total) break;  // the socket's send buffer is full
  }
  if (queue_.empty()) return;
  gather_queued(buffers);
  frames_in_flight_ = std::min(queue_.size(), kMaxFramesPerWrite);
  asio::async_write(socket_, buffers,  // copies the buffer sequence
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t bytes) {
                      self->guarded([&] { self->on_written(ec, bytes); });
                    });
}

void Connection::account_written(std::size_t bytes) {
  while (bytes > 0) {
    const std::size_t frame_bytes = kFrameHeaderBytes + queue_.front().body.size();
    const std::size_t left = frame_bytes - front_written_;
    if (bytes < left) {
      front_written_ += bytes;
      return;
    }
    bytes -= left;
    queued_bytes_ -= frame_bytes;
    queue_.pop_front();
    front_written_ = 0;
  }
}

void Connection::on_written(const boost::system::error_code& ec, std::size_t bytes) {
  frames_in_flight_ = 0;
  if (closed_) {
    queue_.clear();
    return;
  }
  if (ec) return fail("write failed", ec);
  account_written(bytes);
  if (!queue_.empty()) write_queued();
  if (queue_.empty() && close_when_flushed_) close(*close_when_flushed_);
}

// ---- Closing -------------------------------------------------------------------------------------

void Connection::close_after_flush(const std::string& why) {
  if (closed_ || close_when_flushed_) return;
  reads_stopped_ = true;
  for (const auto& frame : held_) queued_bytes_ -= frame.size() + kFrameHeaderBytes;
  held_.clear();
  if (!started_ || (queue_.empty() && frames_in_flight_ == 0)) return close(why);
  close_when_flushed_ = why;  // the deadline still bounds how long the flush may take
}

void Connection::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  // A connection closing after a refusal closes for that reason, whatever ends the flush.
  const std::string reason = close_when_flushed_ ? *close_when_flushed_ : why;
  auto keep_alive = shared_from_this();  // on_closed may drop the owner's last reference
  boost::system::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
  held_.clear();
  // A write in flight still refers to the front of the queue; on_written clears it instead.
  if (frames_in_flight_ == 0) queue_.clear();
  front_written_ = 0;
  queued_bytes_ = 0;
  auto on_closed = std::move(callbacks_.on_closed);
  callbacks_ = {};
  if (on_closed) on_closed(*this, reason);
}

void Connection::fail(const std::string& what, const boost::system::error_code& ec) {
  if (ec == asio::error::eof && started_ && !authenticated()) {
    // The usual way a handshake ends when the peer refused ours (e.g. it holds another key).
    return close("the peer closed the connection during the handshake (did it refuse our key or lack of one?)");
  }
  if (ec == asio::error::eof && authenticated() && reader_.buffered_bytes() == 0) return close(kPeerClosed);
  close(what + ": " + ec.message());
}

}  // namespace amino::sockets
