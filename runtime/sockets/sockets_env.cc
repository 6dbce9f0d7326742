#include "runtime/sockets/sockets_env.h"

#include <boost/asio/post.hpp>

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>

#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/sockets_signal.h"

namespace amino::sockets {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Backoff after a failed accept (e.g. out of file descriptors), so the loop does not spin on it.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

// Wraps a completion handler so that it does nothing once the Env that issued it is gone.
template <class Handler>
auto while_alive(const std::shared_ptr<const void>& alive, Handler handler) {
  return [alive = std::weak_ptr<const void>(alive), handler = std::move(handler)](auto&&... args) mutable {
    if (alive.expired()) return;
    handler(std::forward<decltype(args)>(args)...);
  };
}

tcp::endpoint resolve_listen_endpoint(asio::io_context& io, const std::string& host, std::uint16_t port) {
  boost::system::error_code not_numeric;
  const auto ip = asio::ip::make_address(host, not_numeric);
  if (!not_numeric) return {ip, port};
  tcp::resolver resolver(io);
  return *resolver.resolve(host, std::to_string(port)).begin();
}

// 128 bits from the OS entropy source: the seed is the same for every run of a program (amino-ctl's
// default is 1), so it cannot tell two processes apart; the kernel's getrandom(2) can.
SessionId entropy_session_id() {
  std::uint64_t bits[2];
  std::size_t got = 0;
  while (got < sizeof bits) {
    const ssize_t n = ::getrandom(reinterpret_cast<char*>(bits) + got, sizeof bits - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(errno, std::generic_category(), "getrandom");
    got += static_cast<std::size_t>(n);
  }
  return format_session_id(bits[0], bits[1]);
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}

}  // namespace

void validate(const SocketsEnvOptions& o) {
  check_cluster_key(o.cluster_key);
  auto positive = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string(what) + " must be positive");
  };
  positive(o.max_frame_bytes > 0, "the frame size limit");
  positive(o.max_send_queue_bytes > 0, "the send queue limit");
  positive(o.connect_timeout > 0, "the connect timeout");
  positive(o.handshake_timeout > 0, "the handshake timeout");
  positive(o.max_connections > 0, "the connection limit");
  if (o.max_frame_bytes > kMaxEncodableFrameBytes) {
    throw std::invalid_argument("the frame size limit is over the " + std::to_string(kMaxEncodableFrameBytes) +
                                " bytes a length prefix can describe");
  }
  if (o.max_send_queue_bytes < o.max_frame_bytes + kFrameHeaderBytes) {
    throw std::invalid_argument("the send queue limit (" + std::to_string(o.max_send_queue_bytes) +
                                " bytes) must hold one frame of the frame size limit (" +
                                std::to_string(o.max_frame_bytes) + " bytes) plus its 4-byte prefix");
  }
}

template <class Fn>
void SocketsEnv::run_guarded(const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    log(LogLevel::kError, std::string(what) + " threw: " + e.what());
  } catch (...) {
    log(LogLevel::kError, std::string(what) + " threw a non-standard exception");
  }
}

SocketsEnv::SocketsEnv(SocketsLoop& loop, SocketsEnvOptions options)
    : loop_(loop),
      options_(std::move(options)),
      rng_(options_.seed),
      session_(entropy_session_id()),
      acceptor_(loop.io()),
      accept_retry_timer_(loop.io()) {
  validate(options_);
  listen();
  accept_next();
}

SocketsEnv::~SocketsEnv() {
  close();
  alive_.reset();  // handlers still queued for us become no-ops
  cancel_all_timers();
}

void SocketsEnv::listen() {
  const tcp::endpoint endpoint = resolve_listen_endpoint(loop_.io(), options_.listen_host, options_.port);
  // Without a key any process that reaches the port can join the deployment or command it; on
  // loopback that is this host's processes only, anywhere else it is the network.
  if (options_.cluster_key.empty() && !endpoint.address().is_loopback()) {
    throw std::invalid_argument("refusing to listen on " + options_.listen_host + " (" +
                                endpoint.address().to_string() +
                                ", not a loopback address) without a cluster key: anyone who can reach it could "
                                "join or command the deployment. Give every node the same key "
                                "(--cluster-key-file FILE or AMINO_CLUSTER_KEY_FILE), or listen on 127.0.0.1");
  }
  acceptor_.open(endpoint.protocol());
  // Lets a restarted node take its old port back while old connections sit in TIME_WAIT.
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  const std::string& host = options_.advertise_host.empty() ? options_.listen_host : options_.advertise_host;
  self_ = format_node_id(host, port_);
}

// ---- Network -------------------------------------------------------------------------------------

void SocketsEnv::accept_next() {
  acceptor_.async_accept(while_alive(alive_, [this](const boost::system::error_code& ec, tcp::socket socket) {
    on_accepted(ec, std::move(socket));
  }));
}

void SocketsEnv::on_accepted(const boost::system::error_code& ec, tcp::socket socket) {
  if (closed_ || ec == asio::error::operation_aborted) return;
  try {
    if (ec) {
      log(LogLevel::kWarn, "accept failed: " + ec.message());
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait(while_alive(alive_, [this](const boost::system::error_code& timer_ec) {
        if (!timer_ec && !closed_) accept_next();
      }));
      return;
    }
    if (inbound_connections_ >= options_.max_connections) {
      boost::system::error_code ignored;
      const auto from = socket.remote_endpoint(ignored);
      socket.close(ignored);
      log_unauthenticated("refused a connection from " + from.address().to_string() + ":" +
                          std::to_string(from.port()) + ": " + std::to_string(inbound_connections_) +
                          " inbound connections open, the limit (--max-connections)");
    } else {
      track(std::move(socket), Connection::Direction::kInbound)->start();
    }
  } catch (const std::exception& e) {
    log(LogLevel::kError, std::string("accepting a connection: ") + e.what());
  }
  accept_next();
}

void SocketsEnv::send(const NodeId& to, std::string frame) {
  if (closed_) {
    log(LogLevel::kDebug, "closed: dropping a frame to " + to);
    return;
  }
  if (frame.size() > kMaxEncodableFrameBytes) {
    log(LogLevel::kError, "dropping a frame of " + std::to_string(frame.size()) + " bytes to " + to +
                              ": too long for the length prefix");
    return;
  }
  if (to == self_) {
    // To ourselves: no socket, but still a separate loop task, like any delivery.
    post([this, frame = std::move(frame)]() mutable { deliver(self_, std::move(frame)); });
    return;
  }
  if (auto connection = route_to(to)) connection->send(std::move(frame));
}

std::shared_ptr<Connection> SocketsEnv::route_to(const NodeId& peer) {
  if (auto it = inbound_.find(peer); it != inbound_.end()) return it->second;
  if (auto it = outbound_.find(peer); it != outbound_.end()) return it->second;
  return open_outbound(peer);
}

std::shared_ptr<Connection> SocketsEnv::open_outbound(const NodeId& peer) {
  const auto address = parse_node_address(peer);
  if (!address) {
    log(LogLevel::kWarn, "cannot send to '" + peer + "': not a host:port node id");
    // Reported from a fresh task: the sender may be in the middle of its own bookkeeping.
    post([this, peer] { report_peer_down(peer); });
    return nullptr;
  }
  auto connection = track(tcp::socket(loop_.io()), Connection::Direction::kOutbound, peer);
  outbound_[peer] = connection;
  connection->connect(*address, std::chrono::nanoseconds(options_.connect_timeout));
  return connection;
}

std::shared_ptr<Connection> SocketsEnv::track(tcp::socket socket, Connection::Direction direction,
                                              const NodeId& dialed) {
  Connection::Callbacks callbacks{[this](Connection& c) { on_authenticated(c); },
                                  [this](Connection& c, std::string frame) { deliver(c.peer(), std::move(frame)); },
                                  [this](Connection& c, const std::string& why) { on_closed(c, why); }};
  const bool inbound = direction == Connection::Direction::kInbound;
  HandshakeConfig handshake{inbound ? HandshakeRole::kResponder : HandshakeRole::kInitiator, self_, dialed,
                            options_.cluster_key, options_.cluster_key.empty() ? std::string() : random_nonce()};
  Connection::Limits limits{options_.max_frame_bytes, options_.max_send_queue_bytes,
                            std::chrono::nanoseconds(options_.handshake_timeout)};
  auto connection = std::make_shared<Connection>(loop_, std::move(socket), direction, std::move(handshake), limits,
                                                 std::move(callbacks));
  connections_.insert(connection);
  if (inbound) ++inbound_connections_;
  return connection;
}

void SocketsEnv::on_authenticated(Connection& connection) {
  if (connection.direction() == Connection::Direction::kOutbound) return;  // routed since it was opened
  // The newest connection from a peer wins: an older one belongs to an earlier incarnation of it.
  inbound_[connection.peer()] = connection.shared_from_this();
  log(LogLevel::kDebug, "inbound connection from " + connection.peer() + " (" + connection.remote_endpoint() + ")");
}

void SocketsEnv::on_closed(Connection& connection, const std::string& why) {
  const auto keep_alive = connection.shared_from_this();
  const bool inbound = connection.direction() == Connection::Direction::kInbound;
  if (connections_.erase(keep_alive) > 0 && inbound) --inbound_connections_;
  auto& routes = inbound ? inbound_ : outbound_;
  if (auto it = routes.find(connection.peer()); it != routes.end() && it->second == keep_alive) routes.erase(it);
  if (!connection.identified()) {
    log_unauthenticated("rejected inbound connection from " + connection.remote_endpoint() +
                        " (not authenticated): " + why);
    return;
  }
  const char* direction = inbound ? "from" : "to";
  const std::string line = std::string("connection ") + direction + " " + connection.peer() + " closed: " + why;
  // An outbound connection that never authenticated (wrong key, nobody there) is retried by every
  // send: rate-limited like inbound rejections.
  if (connection.authenticated()) {
    log(why == Connection::kPeerClosed ? LogLevel::kInfo : LogLevel::kWarn, line);
  } else {
    log_unauthenticated(line);
  }
  report_peer_down(connection.peer());
}

std::size_t SocketsEnv::queued_bytes() const {
  std::size_t total = 0;
  for (const auto& connection : connections_) total += connection->queued_bytes();
  return total;
}

void SocketsEnv::log_unauthenticated(const std::string& line) {
  const std::string admitted = unauthenticated_log_.admit(now(), line);
  if (!admitted.empty()) log(LogLevel::kWarn, admitted);
}

void SocketsEnv::report_peer_down(const NodeId& peer) {
  if (inbox_.on_peer_down) run_guarded("on_peer_down", [&] { inbox_.on_peer_down(peer); });
}

void SocketsEnv::deliver(const NodeId& from, std::string frame) {
  if (!inbox_.on_message) {
    log(LogLevel::kDebug, "no inbox: dropping a frame from " + from);
    return;
  }
  run_guarded("on_message", [&] { inbox_.on_message(from, std::move(frame)); });
}

void SocketsEnv::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  for (const auto& connection : connections_) {
    connection->detach();
    connection->close("node closing");
  }
  connections_.clear();
  inbound_connections_ = 0;
  inbound_.clear();
  outbound_.clear();
}

void SocketsEnv::kill() {
  close();
  killed_ = true;
  cancel_all_timers();
  // Every queued handler, timer and signal wake-up of this node holds a weak pointer to alive_:
  // replacing it expires them all, so suspended contexts stay suspended for good.
  alive_ = std::make_shared<char>();
}

// ---- Timers, tasks, execution contexts -----------------------------------------------------------

TimerId SocketsEnv::arm_timer(Duration after, Task fn) {
  if (killed_) return 0;
  const TimerId id = next_timer_id_++;
  const Time at = now() + std::max<Duration>(after, 0);
  timers_.emplace(id, loop_.add_timer(at, while_alive(alive_, [this, id, fn = std::move(fn)] {
                    timers_.erase(id);
                    run_guarded("timer", fn);
                  })));
  return id;
}

void SocketsEnv::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;  // fired or cancelled already
  loop_.cancel_timer(it->second);
  timers_.erase(it);
}

void SocketsEnv::cancel_all_timers() {
  for (const auto& [id, loop_id] : timers_) loop_.cancel_timer(loop_id);
  timers_.clear();
}

void SocketsEnv::post(Task fn) {
  if (killed_) return;
  loop_.defer(while_alive(alive_, [this, fn = std::move(fn)] { run_guarded("posted task", fn); }));
}

void SocketsEnv::spawn(std::string name, Task fn) {
  if (killed_) return;
  fiber::Fiber* const context = loop_.fibers().spawn(std::move(name), std::move(fn));
  // Started from a loop task: resume() may not be called from inside another fiber. If this Env is
  // destroyed first, the context never starts (nor resumes, see SocketsSignal): its code refers to us.
  loop_.defer(while_alive(alive_, [this, context] { loop_.fibers().resume(context); }));
}

std::shared_ptr<Signal> SocketsEnv::make_signal() { return std::make_shared<SocketsSignal>(loop_, alive_); }

void SocketsEnv::sleep_for(Duration d) { make_signal()->wait_until(now() + d); }

void SocketsEnv::compute(double /*ops*/) {}

// ---- Storage, logging ----------------------------------------------------------------------------

Storage& SocketsEnv::storage() {
  if (!storage_) {
    std::filesystem::path directory = options_.storage_dir;
    if (directory.empty()) {
      directory = std::filesystem::temp_directory_path() /
                  ("amino-" + options_.listen_host + "-" + std::to_string(port_));
    }
    storage_ = std::make_unique<FileStorage>(directory);
  }
  return *storage_;
}

void SocketsEnv::log(LogLevel level, std::string_view message) {
  if (level < options_.min_log_level) return;
  // One fprintf per line, so lines of nodes in different processes sharing a terminal don't mix.
  std::fprintf(stderr, "[%12.6f] %-5s %s: %.*s\n", to_seconds(now()), level_name(level), self_.c_str(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace amino::sockets
