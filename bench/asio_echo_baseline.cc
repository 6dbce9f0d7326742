#include "bench/asio_echo_baseline.h"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <exception>
#include <memory>

namespace amino::bench {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using Header = std::array<std::uint8_t, 4>;

Header encode_length(std::uint32_t n) {
  return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
          static_cast<std::uint8_t>(n)};
}

std::uint32_t decode_length(const Header& h) {
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

// One client connection: read a frame, write it back (header and body in one gathered write), repeat.
// Owned by its pending handlers; it ends when the client disconnects.
class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  explicit EchoSession(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read_header();
  }

 private:
  void read_header() {
    asio::async_read(socket_, asio::buffer(header_), [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return;  // the client went away
      self->read_body();
    });
  }

  void read_body() {
    body_.resize(decode_length(header_));
    asio::async_read(socket_, asio::buffer(body_), [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return;
      self->echo();
    });
  }

  void echo() {
    const std::array<asio::const_buffer, 2> frame{asio::buffer(header_), asio::buffer(body_)};
    asio::async_write(socket_, frame, [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return;
      self->read_header();
    });
  }

  tcp::socket socket_;
  Header header_{};
  std::string body_;
};

}  // namespace

AsioEchoServer::AsioEchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "AsioEchoServer: %s\n", e.what());
    }
  });
}

AsioEchoServer::~AsioEchoServer() {
  io_.stop();
  thread_.join();
}

void AsioEchoServer::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<EchoSession>(std::move(socket))->start();
    accept_next();
  });
}

AsioEchoClient::AsioEchoClient(std::uint16_t port) : socket_(io_) {
  socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  socket_.set_option(tcp::no_delay(true));
}

const std::string& AsioEchoClient::roundtrip(std::string_view payload) {
  const Header out = encode_length(static_cast<std::uint32_t>(payload.size()));
  const std::array<asio::const_buffer, 2> frame{asio::buffer(out), asio::buffer(payload.data(), payload.size())};
  asio::write(socket_, frame);
  Header in{};
  asio::read(socket_, asio::buffer(in));
  reply_.resize(decode_length(in));
  asio::read(socket_, asio::buffer(reply_));
  return reply_;
}

}  // namespace amino::bench
