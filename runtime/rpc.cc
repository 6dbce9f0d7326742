#include "runtime/rpc.h"

#include <vector>

#include "runtime/wire.h"

namespace amino {

Rpc::Rpc(Env& env) : env_(env) {
  env_.set_inbox(Inbox{
      [this](const NodeId& from, std::string frame) { on_frame(from, std::move(frame)); },
      [this](const NodeId& peer) { on_peer_down(peer); }});
}

void Rpc::serve(const std::string& service, Handler h) { handlers_[service] = std::move(h); }

void Rpc::serve_value(const std::string& service, ValueHandler h, std::size_t max_body_bytes) {
  serve(service, [this, service, max_body_bytes, h = std::move(h)](const NodeId& from, std::string body) {
    if (body.size() > max_body_bytes) {
      env_.log(LogLevel::kWarn, "refused a " + service + " request of " + std::to_string(body.size()) + " bytes from " +
                                    from + " (limit " + std::to_string(max_body_bytes) + ")");
      return RpcResult{Status{Code::kBadArguments, service + " request of " + std::to_string(body.size()) +
                                                       " bytes exceeds the limit of " + std::to_string(max_body_bytes) +
                                                       " bytes",
                              {}},
                       {}};
    }
    Value v;
    try {
      v = wire::decode_value(body);
    } catch (const SystemError& e) {
      return RpcResult{Status{e.code(), e.what(), {}}, {}};
    }
    return value_result(h(from, v));
  });
}

void Rpc::on_cast(const std::string& service, CastHandler h) { cast_handlers_[service] = std::move(h); }

RpcResult Rpc::call(const NodeId& to, const std::string& service, std::string body, Duration timeout) {
  ++stats_.calls_sent;
  if (to == env_.self()) {
    auto it = handlers_.find(service);
    if (it == handlers_.end()) return {unknown_service(service), {}};
    Handler h = it->second;  // copy: the handler may be replaced while we block
    return h(to, std::move(body));
  }
  const std::uint64_t id = next_call_id_++;
  auto done = env_.make_signal();
  pending_.emplace(id, Pending{to, done, {}});

  pb::Frame f;
  f.set_call_id(id);
  f.set_service(service);
  f.set_body(std::move(body));
  const Time deadline = deadline_after(env_.now(), timeout);
  f.set_deadline(deadline);
  env_.send(to, wire::serialize(f));

  const bool answered = done->wait_until(deadline);
  auto it = pending_.find(id);
  RpcResult result;
  if (answered && it != pending_.end()) {
    result = std::move(it->second.result);
  } else {
    ++stats_.timeouts;
    result.status = Status{Code::kTimeout, service + " to " + to + " got no reply in " +
                                               std::to_string(to_millis(timeout)) + " ms", {}};
  }
  if (it != pending_.end()) pending_.erase(it);
  return result;
}

Reply Rpc::call_value(const NodeId& to, const std::string& service, const Value& body, Duration timeout) {
  return to_reply(call(to, service, wire::encode_value(body), timeout));
}

void Rpc::cast(const NodeId& to, const std::string& service, std::string body) {
  if (to == env_.self()) {
    auto it = cast_handlers_.find(service);
    if (it != cast_handlers_.end()) {
      CastHandler h = it->second;
      env_.post([h, to, body = std::move(body)]() mutable { h(to, std::move(body)); });
    }
    return;
  }
  pb::Frame f;
  f.set_call_id(0);
  f.set_service(service);
  f.set_body(std::move(body));
  env_.send(to, wire::serialize(f));
}

void Rpc::cast_value(const NodeId& to, const std::string& service, const Value& body) {
  cast(to, service, wire::encode_value(body));
}

void Rpc::on_frame(const NodeId& from, std::string frame) {
  pb::Frame f;
  if (!f.ParseFromString(frame)) {
    ++stats_.bad_frames;
    env_.log(LogLevel::kWarn, "dropped a malformed frame (" + std::to_string(frame.size()) +
                                  " bytes) from " + from);
    return;
  }
  if (f.is_reply()) {
    auto it = pending_.find(f.call_id());
    if (it == pending_.end() || it->second.peer != from) {
      ++stats_.late_replies;  // the caller gave up (deadline) or a duplicate arrived
      return;
    }
    it->second.result.status = wire::from_proto(f.status());
    it->second.result.body = std::move(*f.mutable_body());
    it->second.done->notify();
    return;
  }
  if (f.call_id() == 0) {
    ++stats_.casts_received;
    auto it = cast_handlers_.find(f.service());
    if (it == cast_handlers_.end()) {
      env_.log(LogLevel::kWarn, "dropped a cast to unknown service " + f.service() + " from " + from);
      return;
    }
    try {
      it->second(from, std::move(*f.mutable_body()));
    } catch (const std::exception& e) {
      env_.log(LogLevel::kError, "cast handler " + f.service() + " threw: " + e.what());
    }
    return;
  }
  handle_request(from, f.call_id(), f.service(), std::move(*f.mutable_body()));
}

void Rpc::handle_request(const NodeId& from, std::uint64_t call_id, const std::string& service,
                         std::string body) {
  ++stats_.requests_served;
  auto it = handlers_.find(service);
  if (it == handlers_.end()) {
    send_reply(from, call_id, RpcResult{unknown_service(service), {}});
    return;
  }
  Handler h = it->second;
  env_.spawn(service, [this, h, from, call_id, body = std::move(body)]() mutable {
    RpcResult r;
    try {
      r = h(from, std::move(body));
    } catch (const SystemError& e) {
      r.status = Status{e.code(), e.what(), {}};
    } catch (const std::exception& e) {
      r.status = Status{Code::kInternal, e.what(), {}};
    }
    send_reply(from, call_id, r);
  });
}

void Rpc::send_reply(const NodeId& to, std::uint64_t call_id, const RpcResult& r) {
  pb::Frame f;
  f.set_call_id(call_id);
  f.set_is_reply(true);
  wire::to_proto(r.status, f.mutable_status());
  f.set_body(r.body);
  env_.send(to, wire::serialize(f));
}

void Rpc::on_peer_down(const NodeId& peer) {
  fail_pending(peer, Status{Code::kUnreachable, "connection to " + peer + " broke", {}});
}

void Rpc::fail_pending(const NodeId& peer, const Status& why) {
  // Collect first so that notifying cannot disturb the iteration.
  std::vector<std::uint64_t> ids;
  for (auto& [id, p] : pending_) {
    if (p.peer == peer && !p.done->notified()) ids.push_back(id);  // an answer already in stays
  }
  for (auto id : ids) {
    auto& p = pending_.at(id);
    p.result.status = why;
    p.done->notify();
  }
}

RpcResult value_result(const Reply& r) {
  RpcResult out;
  out.status = r.status;
  if (r.ok()) out.body = wire::encode_value(r.value);
  return out;
}

Reply to_reply(const RpcResult& r) {
  if (!r.ok()) return Reply{r.status, {}};
  try {
    return Reply::ok(r.body.empty() ? Value() : wire::decode_value(r.body));
  } catch (const SystemError& e) {
    return Reply::error(Code::kBadFrame, e.what());
  }
}

}  // namespace amino
