// The floor for the sockets backend's null-RPC benchmark: a bare Boost.Asio TCP echo with the same
// framing (4-byte big-endian length + bytes) and no runtime on top. The benchmark reports
// "null RPC time / raw echo time" to show what the runtime costs above the network.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace amino::bench {

// Echoes every length-prefixed frame back on the same connection, from its own thread and
// io_context, listening on 127.0.0.1 on an ephemeral port. Serves any number of clients.
class AsioEchoServer {
 public:
  AsioEchoServer();
  ~AsioEchoServer();  // stops and joins the thread
  AsioEchoServer(const AsioEchoServer&) = delete;
  AsioEchoServer& operator=(const AsioEchoServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  void accept_next();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A blocking client with TCP_NODELAY: one frame out (one gathered write), one frame back per
// roundtrip(), read with as few reads as the data allows (one when the echo arrives whole).
class AsioEchoClient {
 public:
  explicit AsioEchoClient(std::uint16_t port);

  // Sends `payload` as one frame and waits for the echo. The returned reference stays valid until
  // the next call (the buffer is reused, so a benchmark loop does not allocate).
  // Throws boost::system::system_error on socket errors.
  const std::string& roundtrip(std::string_view payload);

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string in_;     // receive buffer: header and body arrive in one read when they can
  std::string reply_;
};

}  // namespace amino::bench
