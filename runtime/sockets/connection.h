// One TCP connection between two nodes, either direction: a length-prefixed frame reader and a
// queued, gathering frame writer. Frames queued before the socket is connected are written once it
// is. The connection reports every frame and, exactly once, its closing to its owner through
// Callbacks; after detach() it reports nothing (the owner is going away).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "runtime/env.h"
#include "runtime/sockets/framing.h"

namespace amino::sockets {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Direction { kInbound, kOutbound };
  struct Callbacks {
    std::function<void(Connection&, std::string frame)> on_frame;
    std::function<void(Connection&, const std::string& why)> on_closed;
  };

  Connection(boost::asio::ip::tcp::socket socket, Direction direction, std::size_t max_frame_bytes,
             Callbacks callbacks);

  // For an accepted (already connected) socket: starts reading and writing.
  void start();
  // For an outbound connection: resolves and connects, then start()s; closes on failure or timeout.
  void connect(const NodeAddress& address, std::chrono::nanoseconds timeout);
  // Queues one frame (the length prefix is added here). Dropped if the connection is closed.
  void send(std::string frame);
  // Idempotent. Queued frames are dropped; on_closed is called once with `why` unless detached.
  void close(const std::string& why);
  void detach() { callbacks_ = {}; }

  Direction direction() const { return direction_; }
  bool closed() const { return closed_; }
  // The remote node once known: the target of an outbound connection, the Hello of an inbound one.
  const NodeId& peer() const { return peer_; }
  bool identified() const { return !peer_.empty(); }
  void set_peer(NodeId peer) { peer_ = std::move(peer); }
  // The remote socket address, kept for log lines written after the socket is closed.
  const std::string& remote_endpoint() const { return remote_endpoint_; }

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
  void read_header();
  void on_header(const boost::system::error_code& ec);
  void on_body(const boost::system::error_code& ec);
  void write_queued();
  void on_written(const boost::system::error_code& ec);
  void fail(const std::string& what, const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer connect_timer_;
  const Direction direction_;
  const std::size_t max_frame_bytes_;
  Callbacks callbacks_;
  NodeId peer_;
  std::string remote_endpoint_;

  FrameHeader header_in_{};
  std::string body_in_;
  std::deque<QueuedFrame> queue_;  // deque: queued frames keep their address while being written
  std::size_t frames_in_flight_ = 0;  // the front of queue_ handed to the current async_write
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace amino::sockets
