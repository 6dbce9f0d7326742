// Request/reply over the seam's fire-and-forget frames. Every call has a deadline (no hangs); a
// broken connection fails the calls pending on that peer at once; malformed frames are logged and
// dropped (or answered with kBadFrame when they can be). Requests run in their own execution
// context, so handlers may block (make nested calls, wait for replication, sleep).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/env.h"
#include "runtime/status.h"
#include "runtime/value.h"

namespace amino {

struct RpcResult {
  Status status;
  std::string body;
  bool ok() const { return status.ok(); }
};

struct RpcStats {
  std::uint64_t calls_sent = 0, requests_served = 0, casts_received = 0;
  std::uint64_t timeouts = 0, bad_frames = 0, late_replies = 0;
};

inline constexpr const char* kUnknownService = "unknown service ";

class Rpc {
 public:
  // What a node answers for a service it does not serve (e.g. a kernel server asked for an OMS
  // service): the caller learns the peer is not what it took it for, and that nothing ran.
  static Status unknown_service(const std::string& service) {
    return Status{Code::kNoSuchMethod, std::string(kUnknownService) + service, {}};
  }
  static bool is_unknown_service(const Status& s) {
    return s.code == Code::kNoSuchMethod && s.message.rfind(kUnknownService, 0) == 0;
  }

  using Handler = std::function<RpcResult(const NodeId& from, std::string body)>;
  using CastHandler = std::function<void(const NodeId& from, std::string body)>;
  using ValueHandler = std::function<Reply(const NodeId& from, const Value& body)>;

  explicit Rpc(Env& env);
  Rpc(const Rpc&) = delete;
  Rpc& operator=(const Rpc&) = delete;

  // Registers a request handler; it runs in a fresh execution context per request.
  void serve(const std::string& service, Handler h);
  // Same, for services whose request and reply bodies are Values. A request body longer than
  // `max_body_bytes` is refused (kBadArguments, naming the limit) before it is decoded.
  void serve_value(const std::string& service, ValueHandler h, std::size_t max_body_bytes = SIZE_MAX);
  // One-way messages; the handler runs inline on the node's loop and must not block.
  void on_cast(const std::string& service, CastHandler h);

  // Blocking request/reply; call from an execution context. Calls to this node short-circuit.
  RpcResult call(const NodeId& to, const std::string& service, std::string body, Duration timeout);
  Reply call_value(const NodeId& to, const std::string& service, const Value& body, Duration timeout);
  void cast(const NodeId& to, const std::string& service, std::string body);
  void cast_value(const NodeId& to, const std::string& service, const Value& body);
  // Fails every call pending on `peer` at once with `why`, as a broken connection does: for an
  // owner that learned otherwise that the peer will not answer them (the OMS declared a kernel
  // server dead, or heard from its next incarnation), so that no caller waits out its deadline.
  void fail_pending(const NodeId& peer, const Status& why);

  Env& env() { return env_; }
  const RpcStats& stats() const { return stats_; }

 private:
  struct Pending {
    NodeId peer;
    std::shared_ptr<Signal> done;
    RpcResult result;
  };

  void on_frame(const NodeId& from, std::string frame);
  void on_peer_down(const NodeId& peer);
  void handle_request(const NodeId& from, std::uint64_t call_id, const std::string& service,
                      std::string body);
  void send_reply(const NodeId& to, std::uint64_t call_id, const RpcResult& r);

  Env& env_;
  std::uint64_t next_call_id_ = 1;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, CastHandler> cast_handlers_;
  std::map<std::uint64_t, Pending> pending_;  // ordered: peer-down wakes callers in call order
  RpcStats stats_;
};

// Value bodies on the wire.
RpcResult value_result(const Reply& r);
Reply to_reply(const RpcResult& r);

}  // namespace amino
