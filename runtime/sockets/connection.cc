#include "runtime/sockets/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <exception>
#include <vector>

namespace amino::sockets {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Gathering several queued frames into one write saves syscalls under load without delaying a
// lone frame; the cap bounds the buffer-sequence vector.
constexpr std::size_t kMaxFramesPerWrite = 64;

std::string describe(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
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

Connection::Connection(tcp::socket socket, Direction direction, std::size_t max_frame_bytes,
                       Callbacks callbacks)
    : socket_(std::move(socket)),
      connect_timer_(socket_.get_executor()),
      direction_(direction),
      max_frame_bytes_(max_frame_bytes),
      callbacks_(std::move(callbacks)) {}

void Connection::start() {
  if (closed_) return;
  boost::system::error_code ec;
  remote_endpoint_ = describe(socket_.remote_endpoint(ec));
  // Frames are whole messages: waiting for more bytes (Nagle) only adds latency to every call.
  socket_.set_option(tcp::no_delay(true), ec);
  started_ = true;
  read_header();
  if (!queue_.empty()) write_queued();
}

void Connection::connect(const NodeAddress& address, std::chrono::nanoseconds timeout) {
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->started_) self->guarded([&] { self->close("connect timed out"); });
  });
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
                          self->connect_timer_.cancel();
                          if (ec) return self->fail("connect failed", ec);
                          self->start();
                        });
                      });
}

void Connection::send(std::string frame) {
  if (closed_) return;
  const auto length = static_cast<std::uint32_t>(frame.size());
  queue_.push_back(QueuedFrame{encode_frame_header(length), std::move(frame)});
  if (started_ && frames_in_flight_ == 0) write_queued();
}

void Connection::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  auto keep_alive = shared_from_this();  // on_closed may drop the owner's last reference
  boost::system::error_code ignored;
  connect_timer_.cancel();
  socket_.close(ignored);
  // A write in flight still refers to the front of the queue; on_written clears it instead.
  if (frames_in_flight_ == 0) queue_.clear();
  auto on_closed = std::move(callbacks_.on_closed);
  callbacks_ = {};
  if (on_closed) on_closed(*this, why);
}

void Connection::read_header() {
  asio::async_read(socket_, asio::buffer(header_in_),
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->guarded([&] { self->on_header(ec); });
                   });
}

void Connection::on_header(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) return fail("read failed", ec);
  const std::size_t length = decode_frame_header(header_in_);
  if (length > max_frame_bytes_) {
    close("incoming frame of " + std::to_string(length) + " bytes exceeds the limit of " +
          std::to_string(max_frame_bytes_));
    return;
  }
  try {
    body_in_.resize(length);
  } catch (const std::exception& e) {
    close(std::string("cannot buffer incoming frame: ") + e.what());
    return;
  }
  asio::async_read(socket_, asio::buffer(body_in_),
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->guarded([&] { self->on_body(ec); });
                   });
}

void Connection::on_body(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) return fail("read failed", ec);
  std::string frame = std::move(body_in_);
  body_in_ = std::string();
  if (callbacks_.on_frame) callbacks_.on_frame(*this, std::move(frame));
  if (!closed_) read_header();
}

void Connection::write_queued() {
  frames_in_flight_ = std::min(queue_.size(), kMaxFramesPerWrite);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(2 * frames_in_flight_);
  for (std::size_t i = 0; i < frames_in_flight_; ++i) {
    buffers.push_back(asio::buffer(queue_[i].header));
    buffers.push_back(asio::buffer(queue_[i].body));
  }
  asio::async_write(socket_, buffers,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->guarded([&] { self->on_written(ec); });
                    });
}

void Connection::on_written(const boost::system::error_code& ec) {
  const std::size_t written = frames_in_flight_;
  frames_in_flight_ = 0;
  if (closed_) {
    queue_.clear();
    return;
  }
  if (ec) return fail("write failed", ec);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(written));
  if (!queue_.empty()) write_queued();
}

void Connection::fail(const std::string& what, const boost::system::error_code& ec) {
  close(what + ": " + ec.message());
}

}  // namespace amino::sockets
