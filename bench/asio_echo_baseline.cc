#include "bench/asio_echo_baseline.h"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

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

// One client connection: read what has arrived, echo each whole frame in it (header and body in one
// write), repeat. One read per frame when a frame arrives in one segment, as the runtime's
// connections do (runtime/sockets), so the floor is not raised by an extra header read.
// Owned by its pending handlers; it ends when the client disconnects.
class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  explicit EchoSession(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read_more();
  }

 private:
  void read_more() {
    if (have_ == in_.size()) in_.resize(2 * in_.size());  // a frame larger than the buffer
    socket_.async_read_some(asio::buffer(in_.data() + have_, in_.size() - have_),
                            [self = shared_from_this()](auto ec, std::size_t n) {
                              if (ec) return;  // the client went away
                              self->have_ += n;
                              self->echo_whole_frames();
                            });
  }

  // Echoes the first whole frame buffered, if any, then goes on; otherwise reads more.
  void echo_whole_frames() {
    if (have_ < sizeof(Header)) return read_more();
    Header h{};
    std::copy_n(in_.begin(), h.size(), h.begin());
    const std::size_t frame = sizeof(Header) + decode_length(h);
    if (have_ < frame) {
      if (in_.size() < frame) in_.resize(frame);
      return read_more();
    }
    out_.assign(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(frame));
    std::copy(in_.begin() + static_cast<std::ptrdiff_t>(frame), in_.begin() + static_cast<std::ptrdiff_t>(have_), in_.begin());
    have_ -= frame;
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return;
      self->echo_whole_frames();
    });
  }

  tcp::socket socket_;
  std::vector<char> in_ = std::vector<char>(64 * 1024);  // bytes received; the first have_ not yet echoed
  std::size_t have_ = 0;
  std::vector<char> out_;  // the frame being written back
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
  // Read whatever has arrived (usually the whole echo at once) until the frame is complete.
  in_.resize(std::max(in_.size(), sizeof(Header) + payload.size()));
  std::size_t have = 0;
  std::size_t want = sizeof(Header);
  while (have < want) {
    have += socket_.read_some(asio::buffer(in_.data() + have, in_.size() - have));
    if (have >= sizeof(Header)) {
      Header in{};
      std::copy_n(in_.begin(), in.size(), in.begin());
      want = sizeof(Header) + decode_length(in);
      if (in_.size() < want) in_.resize(want);
    }
  }
  reply_.assign(in_.data() + sizeof(Header), want - sizeof(Header));
  return reply_;
}

}  // namespace amino::bench
