// One TCP connection between two nodes, either direction. It runs the handshake (handshake.h) on its
// first frames, reassembles frames with a FrameReader, and writes queued frames with a gathering
// writer. It reports to its owner through Callbacks: on_authenticated once the handshake succeeded,
// then every data frame, and, exactly once, its closing; after detach() it reports nothing.
//
// Nothing a peer sends before the handshake completed reaches on_frame, and frames sent before it
// are held (not written) until then. Bounds, so a peer cannot make us spend memory or descriptors:
//   - before authentication no frame over kMaxHandshakeFrameBytes is read; after it, none over
//     Limits::max_frame_bytes; either way the read buffer grows only with the bytes that arrived;
//   - a connection not authenticated within Limits::handshake_timeout (counted from the TCP connect)
//     is closed, as is an outbound one whose connect takes longer than its connect timeout;
//   - the frames queued for sending (held ones included) never exceed Limits::max_send_queue_bytes:
//     a send that would is dropped and the connection closed (from a fresh handler, not inside the
//     sender's call), so the owner reports the peer down and calls waiting on it fail at once with
//     a typed error instead of waiting for their deadlines; later sends open a fresh connection.
//     Closing rather than dropping frames one by one keeps the stream's meaning simple: a frame is
//     either delivered in order or its connection is gone.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env.h"
#include "runtime/sockets/frame_reader.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/handshake.h"
#include "runtime/sockets/sockets_loop.h"

namespace amino::sockets {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Direction { kInbound, kOutbound };
  struct Callbacks {
    std::function<void(Connection&)> on_authenticated;
    std::function<void(Connection&, std::string frame)> on_frame;
    std::function<void(Connection&, const std::string& why)> on_closed;
  };
  // From SocketsEnvOptions (where the defaults and their reasons live).
  struct Limits {
    std::size_t max_frame_bytes;
    std::size_t max_send_queue_bytes;
    std::chrono::nanoseconds handshake_timeout;
  };

  // `handshake` gives the role (initiator for outbound), both ids, key and nonce.
  // `loop` runs the socket's handlers (its tasks deferred while reading run as the read ends).
  Connection(SocketsLoop& loop, boost::asio::ip::tcp::socket socket, Direction direction, HandshakeConfig handshake,
             Limits limits, Callbacks callbacks);

  // For an accepted (already connected) socket: starts the handshake, reading and writing.
  void start();
  // For an outbound connection: resolves and connects, then start()s; closes on failure or timeout.
  void connect(const NodeAddress& address, std::chrono::nanoseconds timeout);
  // Queues one data frame (the length prefix is added here); held until authenticated. Dropped if
  // the connection is closed or closing; closes the connection if the queue would exceed its bound.
  void send(std::string frame);
  // Idempotent. Queued frames are dropped; on_closed is called once with `why` unless detached.
  void close(const std::string& why);
  // The `why` of an authenticated connection the peer closed in order (EOF between frames): a
  // client such as amino-ctl exiting, not a fault.
  static constexpr const char* kPeerClosed = "the peer closed it";
  void detach() { callbacks_ = {}; }

  Direction direction() const { return direction_; }
  bool closed() const { return closed_; }
  bool authenticated() const { return handshake_.done(); }
  // The remote node: for an outbound connection the node dialed (from the start, so that a failed
  // connect is reported as that peer going down); for an inbound one the authenticated id, once
  // the handshake completed (empty before).
  const NodeId& peer() const { return peer_; }
  bool identified() const { return !peer_.empty(); }
  // The remote socket address, kept for log lines written after the socket is closed.
  const std::string& remote_endpoint() const { return remote_endpoint_; }
  // Bytes queued for sending, held frames and length prefixes included.
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  struct QueuedFrame {
    FrameHeader header;
    std::string body;
  };

  // Runs a completion handler's body: an exception must never escape into Asio, so it closes the
  // connection instead.
  template <class Body>
  void guarded(Body&& body);
  template <class Endpoints>
  void connect_to(const Endpoints& endpoints);
  void arm_deadline(std::chrono::nanoseconds after, std::string why);
  void drop_write_interest();
  void read_available();
  void wait_readable();
  bool consume(std::string_view bytes);
  bool on_handshake_step(Handshake::Step step);
  void on_handshake_done();
  void enqueue(std::string frame);
  // Fills `buffers` with the unwritten bytes of the first queued frames; returns their length.
  std::size_t gather_queued(std::vector<boost::asio::const_buffer>& buffers) const;
  void write_queued();
  // Drops the frames `bytes` completed from the queue (the last one may be written in part).
  void account_written(std::size_t bytes);
  void on_written(const boost::system::error_code& ec, std::size_t bytes);
  // Stops reading and closes once the frames already queued (not the held ones) are written: a
  // handshake refusal goes out before the socket closes, so the peer can log why.
  void close_after_flush(const std::string& why);
  void fail(const std::string& what, const boost::system::error_code& ec);

  SocketsLoop& loop_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;  // connect, then handshake
  const Direction direction_;
  const Limits limits_;
  Callbacks callbacks_;
  Handshake handshake_;
  FrameReader reader_{kMaxHandshakeFrameBytes};
  NodeId peer_;
  std::string remote_endpoint_;

  std::deque<QueuedFrame> queue_;  // deque: queued frames keep their address while being written
  std::deque<std::string> held_;   // data frames waiting for the handshake
  std::size_t queued_bytes_ = 0;   // queue_ + held_, with headers
  std::size_t front_written_ = 0;  // bytes of queue_.front() already written (header first)
  std::size_t frames_in_flight_ = 0;  // the front of queue_ handed to the current async_write
  std::vector<std::string> spare_frames_;  // consume()'s vector, kept between calls
  std::optional<std::string> close_when_flushed_;
  bool started_ = false;
  bool reads_stopped_ = false;  // closing after a flush: nothing more is read
  bool overflowed_ = false;  // a send hit the queue bound; the close is on its way
  bool closed_ = false;
};

}  // namespace amino::sockets
