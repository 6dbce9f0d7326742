// The sockets backend of the seam: one SocketsEnv is one node, listening on a TCP port of a shared
// SocketsLoop. Its NodeId is its listen address "host:port", so a node reaches another by id alone.
//
// Wire: one connection per peer pair, opened on demand; every frame is a 4-byte big-endian length
// plus bytes. Every connection opens with the handshake of handshake.h: the connecting node names
// itself, the accepting node answers, and with a cluster key both prove they hold it. A connection's
// peer is the authenticated id; nothing reaches the inbox before the handshake completed. A frame to
// a peer goes over that peer's inbound connection when there is one (so a request and its reply
// share one connection), otherwise over our own outbound connection to it.
//
// Trust: with SocketsEnvOptions::cluster_key, only nodes holding the same key can connect (either
// way); without one, any process that can reach the port can, so a node without a key refuses to
// listen on anything but a loopback address.
//
// Faults and limits: a failed handshake, an over-long frame, EOF, a refused, reset or timed-out
// connection, a handshake not done in time or a send queue over its bound close the connection, drop
// its queued frames, log a line and (for an identified peer) report Inbox::on_peer_down. Inbound
// connections beyond max_connections are closed on accept. Lines about unauthenticated connections
// are rate-limited, so a flood cannot grow the log quickly. Nothing here throws into Asio: every
// handler catches and logs.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "runtime/env.h"
#include "runtime/sockets/connection.h"
#include "runtime/sockets/file_storage.h"
#include "runtime/sockets/log_rate_limiter.h"
#include "runtime/sockets/sockets_loop.h"

namespace amino::sockets {

struct SocketsEnvOptions {
  // Servers bind loopback unless told otherwise. A numeric address or a resolvable name.
  std::string listen_host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, chosen by the OS
  // The host part of self() when it must differ from listen_host (e.g. listening on 0.0.0.0).
  std::string advertise_host;
  // Empty: <temp dir>/amino-<host>-<port>, created on first use of storage().
  std::filesystem::path storage_dir;
  std::uint64_t seed = 1;
  // The shared secret of the deployment (at least kMinClusterKeyBytes); empty: no authentication,
  // which is allowed on loopback addresses only. See load_cluster_key_file.
  std::string cluster_key;
  std::size_t max_frame_bytes = 16 * 1024 * 1024;  // longer incoming frames close the connection
  // Per connection: frames waiting to be written, including those held during the handshake. A
  // send beyond it closes the connection (the peer is reported down). At least max_frame_bytes + 4.
  std::size_t max_send_queue_bytes = 64 * 1024 * 1024;
  Duration connect_timeout = 5 * kSecond;
  // From TCP connect to authenticated, both directions; then the connection is closed.
  Duration handshake_timeout = 5 * kSecond;
  // Inbound connections open at once (authenticated or not); more are closed as they are accepted.
  // Keep it below the process's file-descriptor limit.
  std::size_t max_connections = 512;
  LogLevel min_log_level = LogLevel::kInfo;
};

// Throws std::invalid_argument naming the first bad option (a zero limit, a short key, ...).
void validate(const SocketsEnvOptions& options);

class SocketsEnv : public Env {
 public:
  // Binds and starts listening at once, so self() is known on return. Throws std::invalid_argument
  // for bad options or a non-loopback listen address without a cluster key, and
  // boost::system::system_error if it cannot bind. `loop` must outlive this Env.
  explicit SocketsEnv(SocketsLoop& loop, SocketsEnvOptions options = {});
  ~SocketsEnv() override;
  SocketsEnv(const SocketsEnv&) = delete;
  SocketsEnv& operator=(const SocketsEnv&) = delete;

  const NodeId& self() const override { return self_; }
  const SessionId& session() const override { return session_; }
  Time now() const override { return loop_.now(); }
  Rng& rng() override { return rng_; }

  void send(const NodeId& to, std::string frame) override;
  void set_inbox(Inbox inbox) override { inbox_ = std::move(inbox); }

  TimerId arm_timer(Duration after, Task fn) override;
  void cancel_timer(TimerId id) override;
  void post(Task fn) override;

  void spawn(std::string name, Task fn) override;
  std::shared_ptr<Signal> make_signal() override;
  void sleep_for(Duration d) override;
  // No-op: on real sockets the application work already took real time on a real CPU.
  void compute(double ops) override;

  Storage& storage() override;
  void log(LogLevel level, std::string_view message) override;
  // Nobody listens to probes on real sockets (only the simulator records them).
  bool probing() const override { return false; }
  void probe(std::string_view, ProbeFields) override {}

  // Stops accepting and closes every connection without reporting on_peer_down (we are the one
  // leaving); later sends are dropped. Timers, posted tasks and fibers are unaffected.
  void close();
  // A crash of this node inside a shared process (LoopbackCluster): close(), then nothing of this
  // node ever runs again — armed timers, queued tasks and handlers are dropped and its suspended
  // execution contexts are never resumed (as if the process had been killed). Later sends, timers,
  // posts and spawns are ignored. The object must still outlive the loop's queued handlers.
  void kill();
  bool killed() const { return killed_; }

  // Open TCP connections, both directions, including those still in their handshake.
  std::size_t open_connections() const { return connections_.size(); }
  std::size_t open_inbound_connections() const { return inbound_connections_; }
  // Bytes waiting to be written, over every connection (each is bounded by max_send_queue_bytes).
  std::size_t queued_bytes() const;
  std::uint16_t port() const { return port_; }
  const SocketsEnvOptions& options() const { return options_; }

 private:
  void listen();
  void accept_next();
  void on_accepted(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
  std::shared_ptr<Connection> route_to(const NodeId& peer);
  std::shared_ptr<Connection> open_outbound(const NodeId& peer);
  std::shared_ptr<Connection> track(boost::asio::ip::tcp::socket socket, Connection::Direction direction,
                                    const NodeId& dialed = {});
  void on_authenticated(Connection& connection);
  void on_closed(Connection& connection, const std::string& why);
  // Lines about connections that never authenticated: rate-limited (they are a flood's to write).
  void log_unauthenticated(const std::string& line);
  void report_peer_down(const NodeId& peer);
  void deliver(const NodeId& from, std::string frame);
  void on_timer(TimerId id);
  // Cancels every armed timer of this node in the loop (closing for good, or killed).
  void cancel_all_timers();
  // Runs user code (handlers, timers, tasks): an exception is logged, never thrown into Asio.
  template <class Fn>
  void run_guarded(const char* what, Fn&& fn);

  SocketsLoop& loop_;
  const SocketsEnvOptions options_;
  // Expires when this Env is destroyed; handlers still queued on the loop check it before touching us.
  std::shared_ptr<const void> alive_ = std::make_shared<char>();
  Rng rng_;
  std::uint16_t port_ = 0;  // the port actually bound
  NodeId self_;
  SessionId session_;  // from OS entropy: a fresh one for every SocketsEnv
  Inbox inbox_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  std::set<std::shared_ptr<Connection>> connections_;
  std::map<NodeId, std::shared_ptr<Connection>> inbound_;   // by the peer's authenticated id
  std::size_t inbound_connections_ = 0;                     // in connections_, handshaking or not
  std::map<NodeId, std::shared_ptr<Connection>> outbound_;  // by the target's id
  // Armed timers: our id -> the loop's (one TimerHeap for every node of the loop).
  std::unordered_map<TimerId, TimerHeap::Id> timers_;
  TimerId next_timer_id_ = 1;
  std::unique_ptr<FileStorage> storage_;  // created on first use
  LogRateLimiter unauthenticated_log_{20, kSecond};
  bool closed_ = false;
  bool killed_ = false;
};

}  // namespace amino::sockets
