// A hand-driven TCP peer for hostile-client tests: it writes whatever bytes a test wants (forged
// handshakes, huge length prefixes, floods), reads frames without blocking, and can run the real
// handshake (Handshake) when a test needs an authenticated peer that then misbehaves. Used both
// against SocketsEnvs in this process (pump the loop between reads) and against server processes.
#pragma once

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "amino.pb.h"
#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/frame_reader.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/handshake.h"
#include "runtime/wire.h"

namespace amino::sockets::testing {

inline std::string length_prefixed(const std::string& body) {
  const FrameHeader header = encode_frame_header(static_cast<std::uint32_t>(body.size()));
  return std::string(header.begin(), header.end()) + body;
}

// A serialized RPC request (call_id > 0) or cast (call_id 0) to `service`, as Rpc would send it.
inline std::string rpc_frame(const std::string& service, const std::string& body, std::uint64_t call_id) {
  pb::Frame f;
  f.set_call_id(call_id);
  f.set_service(service);
  f.set_body(body);
  return wire::serialize(f);
}

// The kHello a node named `claimed_id` would open with; keyed ones carry a fresh random nonce.
inline std::string forged_hello(const NodeId& claimed_id, bool keyed) {
  pb::Hello hello;
  hello.set_step(pb::Hello::kHello);
  hello.set_node_id(claimed_id);
  hello.set_protocol_version(kProtocolVersion);
  hello.set_keyed(keyed);
  if (keyed) hello.set_nonce(random_nonce());
  return hello.SerializeAsString();
}

class RawPeer {
 public:
  RawPeer(boost::asio::io_context& io, const NodeId& server) : socket_(io) {
    const auto address = parse_node_address(server);
    if (!address) throw std::invalid_argument("not a host:port: " + server);
    socket_.connect({boost::asio::ip::make_address(address->host),
                     static_cast<unsigned short>(std::stoi(address->port))});
    socket_.non_blocking(true);
  }

  // Best effort: false once the server has closed the connection (or the write would block for
  // good: a peer flooding a server that stopped reading).
  bool write(const std::string& bytes) {
    std::size_t done = 0;
    for (int spins = 0; done < bytes.size() && spins < 10000; ++spins) {
      boost::system::error_code ec;
      done += socket_.write_some(boost::asio::buffer(bytes.data() + done, bytes.size() - done), ec);
      if (ec == boost::asio::error::would_block) {
        pollfd p{socket_.native_handle(), POLLOUT, 0};
        ::poll(&p, 1, 10);
        continue;
      }
      if (ec) return false;
    }
    return done == bytes.size();
  }
  bool write_frame(const std::string& body) { return write(length_prefixed(body)); }

  // The next whole frame, waiting up to wait_ms for bytes (0: only what has arrived); nullopt if
  // none (see closed()).
  std::optional<std::string> next_frame(int wait_ms = 0) {
    if (!frames_.empty()) return pop();
    for (;;) {
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (closed_ || ::poll(&p, 1, wait_ms) <= 0) return std::nullopt;
      char buffer[4096];
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(boost::asio::buffer(buffer), ec);
      if (ec == boost::asio::error::would_block) continue;
      if (ec) {
        closed_ = true;
        return std::nullopt;
      }
      reader_.feed(std::string_view(buffer, n), [this](std::string f) {
        frames_.push_back(std::move(f));
        return true;
      });
      if (!frames_.empty()) return pop();
      wait_ms = 0;
    }
  }
  // True once the server closed the connection (EOF or reset), as seen by the last read.
  bool closed() const { return closed_; }
  // Reads (without waiting) until EOF or nothing more: whether the server has closed it.
  bool poll_closed() {
    while (next_frame(0)) {
    }
    return closed_;
  }

  // Runs the real handshake as `self` with `key`; `pump` runs between reads (e.g. the loop of an
  // in-process server). True when it completed; bounded by `attempts` reads.
  bool handshake(const NodeId& self, const NodeId& server, const std::string& key,
                 const std::function<void()>& pump = {}, int attempts = 1000) {
    Handshake hs({HandshakeRole::kInitiator, self, server, key, key.empty() ? "" : random_nonce()});
    for (const auto& f : hs.start().send) write_frame(f);
    for (int i = 0; i < attempts && !hs.done() && !hs.failed(); ++i) {
      if (pump) pump();
      auto frame = next_frame(pump ? 0 : 10);
      if (!frame) {
        if (closed_) return false;
        continue;
      }
      auto step = hs.on_frame(*frame);
      for (const auto& f : step.send) write_frame(f);
    }
    return hs.done();
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  std::string pop() {
    std::string f = std::move(frames_.front());
    frames_.erase(frames_.begin());
    return f;
  }

  boost::asio::ip::tcp::socket socket_;
  FrameReader reader_{64 * 1024 * 1024};
  std::vector<std::string> frames_;
  bool closed_ = false;
};

}  // namespace amino::sockets::testing
