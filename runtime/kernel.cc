#include "runtime/kernel.h"

#include <algorithm>
#include <set>

#include "runtime/client_chain.h"
#include "runtime/kernel_object.h"
#include "runtime/protocol.h"
#include "runtime/wire.h"

namespace amino {

namespace {
std::int64_t as_i64(std::uint64_t x) { return static_cast<std::int64_t>(x); }
std::uint64_t oid_of(const Value& body) { return static_cast<std::uint64_t>(body.at("oid").as_int()); }
}  // namespace

Kernel::Kernel(Env& env, const ClassRegistry& classes, const DmRegistry& dms, KernelOptions options)
    : env_(env), rpc_(env), classes_(classes), dms_(dms), options_(std::move(options)), staging_(options_.staging) {
  // Duplicate suppression keys on (session, call id). Real backends draw a new session at every
  // boot; a simulated node keeps its session across a restart, so call ids start at a fresh seeded
  // random point per boot: ids of two boots of one session do not collide, and a stale reply or a
  // mixed-up session can never match a small, common id.
  next_call_id_ = (env_.rng().next() >> 1) | 1;
  incarnation_ = static_cast<std::int64_t>(env_.rng().next() >> 1);
}

Kernel::~Kernel() {
  for (auto& [oid, obj] : objects_) obj->destroy();
}

void Kernel::start() {
  if (running_) return;
  running_ = true;
  serve();
  if (options_.client_only) return;
  recover_durable_stacks();
  env_.spawn("heartbeat", [this] { heartbeat_loop(); });
}

void Kernel::stop() { running_ = false; }

// ---- Kernel server: requests from clients, peers and the OMS --------------------------------------

void Kernel::serve() {
  rpc_.serve(svc::kInvoke, [this](const NodeId& from, std::string body) {
    RpcResult out;
    charge_serialization(from, body.size());  // decoding the request
    out.status = handle_invoke(from, body, &out.body).status;
    charge_serialization(from, out.body.size());  // encoding the reply
    return out;
  });
  rpc_.serve_value(svc::kInstall, [this](const NodeId&, const Value& b) { return handle_install(b); });
  rpc_.serve_value(svc::kQuiesce, [this](const NodeId&, const Value& b) { return handle_quiesce(b); });
  rpc_.serve_value(svc::kSnapshot, [this](const NodeId&, const Value& b) {
    return with_object(b, [](KernelObject& o) { return Reply::ok(o.object().snapshot()); });
  });
  rpc_.serve_value(svc::kResume, [this](const NodeId&, const Value& b) {
    return with_object(b, [&](KernelObject& o) {
      // A live migration's abort resumes only what that migration quiesced.
      const Value* mid = b.find("mid");
      if (mid == nullptr || o.quiesce_owner() == mid->as_string()) o.resume_calls();
      return Reply::ok({});
    });
  });
  rpc_.serve_value(svc::kDrop, [this](const NodeId&, const Value& b) {
    drop_object(oid_of(b));
    return Reply::ok({});
  });
  // One-way from the OMS; the upcall may block, so it gets its own context.
  rpc_.on_cast(svc::kMembership, [this](const NodeId&, std::string body) {
    env_.spawn("on_membership_change", [this, body = std::move(body)] {
      Value b = wire::decode_value(body);
      Reply r = with_object(b, [&](KernelObject& o) {
        std::vector<ReplicaRef> members;
        for (const auto& m : b.at("members").as_list()) members.push_back(ReplicaRef::from_value(m));
        o.membership_changed(static_cast<int>(b.at("level").as_int()), members);
        return Reply::ok({});
      });
      if (!r.ok()) env_.log(LogLevel::kDebug, "membership change not delivered: " + r.status.to_string());
    });
  });
  rpc_.serve_value(svc::kNotifyServer, [this](const NodeId&, const Value& b) {
    return with_object(b, [&](KernelObject& o) {
      return Reply::ok(o.notify_server(static_cast<int>(b.at("level").as_int()), b.at("msg")));
    });
  });
  rpc_.serve_value(svc::kPeerMessage, [this](const NodeId&, const Value& b) {
    return with_object(b, [&](KernelObject& o) {
      return o.peer_message(static_cast<int>(b.at("level").as_int()), ReplicaRef::from_value(b.at("from")),
                            b.at("msg"));
    });
  });
  rpc_.serve_value(svc::kMetrics, [this](const NodeId&, const Value& b) {
    return with_object(b, [](KernelObject& o) { return Reply::ok(metrics_to_value(o.metrics())); });
  });
  serve_live_migration();
}

void Kernel::drop_object(std::uint64_t oid) {
  auto it = objects_.find(oid);
  if (it == objects_.end()) return;  // idempotent
  std::unique_ptr<KernelObject> obj = std::move(it->second);
  objects_.erase(it);
  if (is_durable(obj->spec())) {
    env_.storage().erase("stack/" + std::to_string(obj->oid()));
    env_.storage().sync();
  }
  // on_destroy wakes calls blocked in DMs; they must leave before the object is freed. Refuse
  // new ones (quiesce) and wait, bounded; an object whose calls never drain is kept, not freed.
  obj->destroy();
  if (!obj->quiesce(deadline_after(env_.now(), options_.control_timeout))) {
    env_.log(LogLevel::kWarn, "object " + std::to_string(obj->oid()) + " dropped with calls still in flight");
    undrained_.push_back(std::move(obj));
  }
}

Reply Kernel::with_object(const Value& body, const std::function<Reply(KernelObject&)>& fn) {
  try {
    auto it = objects_.find(oid_of(body));
    if (it == objects_.end()) {
      return Reply::error(Code::kNoSuchObject, "no object " + body.at("oid").to_string() + " on " + env_.self());
    }
    return fn(*it->second);
  } catch (const SystemError& e) {
    return Reply::error(e.code(), e.what());
  } catch (const std::exception& e) {
    return Reply::error(Code::kInternal, e.what());
  }
}

Reply Kernel::handle_invoke(const NodeId&, const std::string& body, std::string* reply_body) {
  pb::InvokeRequest req;
  if (!wire::parse_bounded(req, body)) return Reply::error(Code::kBadFrame, "malformed InvokeRequest");
  auto it = objects_.find(req.oid());
  if (it == objects_.end()) {
    return Reply::error(Code::kNoSuchObject, "no object " + std::to_string(req.oid()) + " on " + env_.self());
  }
  Invocation inv;
  inv.method = req.method();
  inv.args.reserve(req.args_size());
  for (const auto& a : req.args()) inv.args.push_back(wire::from_proto(a));
  inv.caller = req.caller();
  inv.session = req.session();
  inv.call_id = req.call_id();
  // The caller's deadline in our clock (clocks of different nodes are not comparable).
  inv.deadline = req.timeout_ns() > 0 ? deadline_after(env_.now(), req.timeout_ns()) : kForever;
  return it->second->invoke(inv, body.size(), reply_body);
}

Reply Kernel::handle_install(const Value& body) {
  try {
    StackSpec spec = StackSpec::from_value(body.at("stack"));
    if (objects_.count(spec.oid) != 0) return Reply::error(Code::kInternal, "object exists already");
    const ClassInfo* cls = classes_.find(spec.class_name);
    if (cls == nullptr) {
      return Reply::error(Code::kNoSuchClass, "class " + spec.class_name + " is not registered on " + env_.self());
    }
    const Value* state = body.find("state");
    std::unique_ptr<MicroService> obj =
        (state != nullptr && !state->is_null()) ? cls->instantiate_empty() : cls->instantiate(body.at("args").as_list());
    auto ko = std::make_unique<KernelObject>(*this, std::move(spec), *cls, std::move(obj));
    if (state != nullptr && !state->is_null()) ko->restore(StackState::from_value(*state));
    KernelObject& ref = *ko;
    if (is_durable(ref.spec())) {
      env_.storage().put("stack/" + std::to_string(ref.oid()), wire::encode_value(ref.spec().to_value()));
      env_.storage().sync();
    }
    objects_.emplace(ref.oid(), std::move(ko));
    ref.start();
    return Reply::ok({});
  } catch (const SystemError& e) {
    return Reply::error(e.code(), e.what());
  } catch (const std::exception& e) {
    return Reply::error(Code::kInternal, e.what());
  }
}

bool Kernel::is_durable(const StackSpec& spec) const {
  return std::any_of(spec.levels.begin(), spec.levels.end(), [this](const StackLevel& l) {
    const DmDescriptor* d = dms_.find(l.dm);
    return d != nullptr && d->durable;
  });
}

// After a restart with durable storage: rebuild the replicas of durable DMs. The object starts
// empty; the DMs' on_create recovers the state they persisted (e.g. by replaying a log).
void Kernel::recover_durable_stacks() {
  for (const auto& key : env_.storage().keys("stack/")) {
    try {
      StackSpec spec = StackSpec::from_value(wire::decode_value(*env_.storage().get(key)));
      const ClassInfo* cls = classes_.find(spec.class_name);
      if (cls == nullptr || objects_.count(spec.oid) != 0) continue;
      auto ko = std::make_unique<KernelObject>(*this, std::move(spec), *cls, cls->instantiate_empty());
      ko->mark_recovered();
      KernelObject& ref = *ko;
      objects_.emplace(ref.oid(), std::move(ko));
      env_.spawn("recover", [&ref] { ref.start(); });
      env_.log(LogLevel::kInfo, "recovered replica " + std::to_string(ref.oid()) + " from storage");
    } catch (const std::exception& e) {
      env_.log(LogLevel::kError, "could not recover " + key + ": " + e.what());
    }
  }
}

Reply Kernel::handle_quiesce(const Value& body) {
  return with_object(body, [&](KernelObject& o) {
    const Time deadline = deadline_after(env_.now(), body.at("timeout_ns").as_int());
    if (!o.quiesce(deadline)) {
      o.resume_calls();
      return Reply::error(Code::kTimeout, "calls in flight did not drain on " + env_.self());
    }
    return Reply::ok(o.state().to_value());
  });
}

// ---- Link to the OMS -------------------------------------------------------------------------------

Value Kernel::local_state_report() {
  NodeInfo me;
  me.id = env_.self();
  me.region = options_.region;
  me.labels = options_.labels;
  Value v = node_info_to_value(me);
  v["incarnation"] = incarnation_;
  // The replicas hosted here (including those recovered from storage): the OMS revives or fails
  // replicas by this list.
  ValueList oids;
  for (const auto& [oid, o] : objects_) oids.push_back(as_i64(oid));
  v["oids"] = std::move(oids);
  return v;
}

void Kernel::heartbeat_loop() {
  while (running_) {
    if (!registered_) {
      Reply r = oms_call(svc::kRegister, local_state_report());
      registered_ = r.ok();
      if (!registered_) env_.log(LogLevel::kWarn, "OMS registration failed: " + r.status.to_string());
    } else {
      Value report = local_state_report();
      if (options_.memory_limit_bytes > 0) {
        std::size_t bytes = 0;
        for (auto& [oid, o] : objects_) bytes += wire::encode_value(o->object().snapshot()).size();
        if (bytes > options_.memory_limit_bytes) {
          for (auto& [oid, o] : objects_) o->low_memory();
          rpc_.cast_value(oms_target(), svc::kLowMemory, ValueMap{{"node", env_.self()}, {"oids", report.at("oids")}});
        }
      }
      if (options_.oms_replicas.empty()) {
        rpc_.cast_value(options_.oms, svc::kHeartbeat, ValueMap{{"node", std::move(report)}});
      } else {
        // Every replica: whichever leads (now or after a failover) hears us without a round trip.
        const Value hb = ValueMap{{"node", std::move(report)}};
        for (const auto& r : options_.oms_replicas) rpc_.cast_value(r, svc::kHeartbeat, hb);
      }
    }
    env_.sleep_for(options_.heartbeat_period);
  }
}

Reply Kernel::oms_call(const char* service, const Value& body) {
  if (options_.oms_replicas.empty()) {
    Reply r = rpc_.call_value(options_.oms, service, body, options_.control_timeout);
    // A single OMS never redirects, unless it is a replicated OMS of one (amino-oms --storage-dir)
    // still taking over after its start.
    if (r.status.code != Code::kNotLeader) return r;
    return oms_call_failover(service, body, std::move(r));
  }
  return oms_call_failover(service, body, std::nullopt);
}

Reply Kernel::oms_call_failover(const char* service, const Value& body, std::optional<Reply> first) {
  const std::vector<NodeId> replicas =
      options_.oms_replicas.empty() ? std::vector<NodeId>{options_.oms} : options_.oms_replicas;
  std::set<NodeId> failed;  // unreachable or silent during this call
  // The replica after `from` in the list that has not failed; empty when every one has.
  auto next_after = [&](const NodeId& from) {
    const auto at = std::find(replicas.begin(), replicas.end(), from);
    const std::size_t start = at == replicas.end() ? 0 : static_cast<std::size_t>(at - replicas.begin()) + 1;
    for (std::size_t k = 0; k < replicas.size(); ++k) {
      const NodeId& n = replicas[(start + k) % replicas.size()];
      if (failed.count(n) == 0) return n;
    }
    return NodeId();
  };
  // One name for the request across every try (runtime/oms_requests.h): the leader that answers a
  // retry of a request an earlier leader ran gives the first answer instead of running it again.
  Value named = body;
  if (named.is<ValueMap>() && named.find("req") == nullptr) {
    named["req"] = ValueMap{{"session", env_.session()}, {"seq", static_cast<std::int64_t>(next_call_id())}};
  }
  bool answered = first.has_value();  // r holds an answer to act on
  Reply r = answered ? std::move(*first) : Reply{};
  NodeId to = oms_target();
  Duration backoff = 20 * kMillisecond;
  const Time window_end = deadline_after(env_.now(), options_.oms_failover_window);
  int attempt = 0;
  for (; attempt < 1000 && (attempt < options_.oms_attempts || env_.now() < window_end); ++attempt) {
    if (answered) {
      // Where the last answer sends us: the leader it names, else the next replica; a pause
      // while an election or a takeover is under way, or once every replica failed.
      const Code last = r.status.code;
      if (last != Code::kNotLeader) failed.insert(to);
      NodeId hint;
      if (last == Code::kNotLeader) {
        const auto at = r.status.message.rfind("leader=");
        if (at != std::string::npos) hint = r.status.message.substr(at + 7);
      }
      const bool named = std::find(replicas.begin(), replicas.end(), hint) != replicas.end() && hint != to;
      if (named && failed.count(hint) != 0) {
        // A replica that did not answer us is named leader by one that does: it may have been cut
        // off or paused only for a while (or the others have not noticed it died yet). Ask it again
        // after a pause; skipping it would go round its followers until the call gave up, however
        // long it has been reachable again (mixed nemesis seed 1274).
        env_.sleep_for(backoff);
        backoff = std::min(backoff * 2, 500 * kMillisecond);
        failed.erase(hint);
      }
      if (named) {
        to = hint;
      } else {
        NodeId n = next_after(to);
        if (n.empty() || last == Code::kNotLeader) {
          env_.sleep_for(backoff);
          backoff = std::min(backoff * 2, 500 * kMillisecond);
        }
        if (n.empty()) {
          failed.clear();  // every replica failed once: start over after the pause
          n = next_after(to);
        }
        to = n;
      }
    }
    r = rpc_.call_value(to, service, named, options_.oms_replicas.empty() ? options_.control_timeout
                                                                          : options_.oms_attempt_timeout);
    answered = true;
    const Code c = r.status.code;
    if (Rpc::is_unknown_service(r.status)) {
      // Not an OMS replica at all (a kernel server's address in the list, say): nothing ran there,
      // so the others are asked; it counts as failed like a replica that does not answer.
      env_.log(LogLevel::kWarn, to + ", in the OMS list, does not serve the OMS (" + r.status.message + ")");
      r.status.code = Code::kUnreachable;
      r.status.message = to + " is not an OMS replica: " + r.status.message;
    } else if (c != Code::kNotLeader && c != Code::kTimeout && c != Code::kUnreachable) {
      oms_leader_ = to;
      return r;
    }
  }
  std::string names;
  for (const auto& n : replicas) names += (names.empty() ? "" : ",") + n;
  env_.log(LogLevel::kWarn, std::string("no OMS leader reachable for ") + service + " among " + names);
  return Reply::error(Code::kUnavailable, "no OMS leader reachable among " + names + " after " +
                                              std::to_string(attempt) + " tries (last: " +
                                              r.status.to_string() + ")");
}

// ---- Client API ------------------------------------------------------------------------------------

std::shared_ptr<ClientChain> Kernel::chain_for(const Value& acquired) {
  const std::string& ms = acquired.at("ms").as_string();
  auto it = chains_.find(ms);
  if (it != chains_.end()) return it->second;
  auto chain = std::make_shared<ClientChain>(*this, ms, MicroServiceSpec::from_value(acquired.at("spec")),
                                             acquired.at("root_gid").as_string());
  chains_.emplace(ms, chain);
  const std::string& name = chain->spec().name;
  if (!name.empty()) names_[name] = ms;
  return chain;
}

Stub Kernel::create(const std::string& spec_yaml) { return create(parse_spec(spec_yaml, dms_)); }

Stub Kernel::create(const MicroServiceSpec& spec) {
  Value v = unwrap(oms_call(svc::kCreate, ValueMap{{"spec", spec.to_value()}, {"creator", env_.self()}}));
  return Stub(chain_for(v));
}

Stub Kernel::acquire(const std::string& id_or_name) {
  auto n = names_.find(id_or_name);
  const std::string& key = n == names_.end() ? id_or_name : n->second;
  auto it = chains_.find(key);
  if (it != chains_.end()) return Stub(it->second);
  return Stub(chain_for(unwrap(oms_call(svc::kAcquire, ValueMap{{"id", id_or_name}}))));
}

void Kernel::set_name(const std::string& id, const std::string& name) {
  unwrap(oms_call(svc::kSetName, ValueMap{{"id", id}, {"name", name}}));
}

Stub Kernel::attach(const std::string& name) {
  return Stub(chain_for(unwrap(oms_call(svc::kAttach, ValueMap{{"name", name}}))));
}

void Kernel::detach(const std::string& name) { unwrap(oms_call(svc::kDetach, ValueMap{{"name", name}})); }

void Kernel::remove(const std::string& id) {
  unwrap(oms_call(svc::kDelete, ValueMap{{"id", id}}));
  chains_.erase(id);
}

std::vector<NodeInfo> Kernel::nodes(const NodeSelector& selector) {
  std::vector<NodeInfo> out;
  const Value listed = unwrap(oms_call(svc::kNodes, ValueMap{{"selector", selector_to_value(selector)}}));
  for (const auto& n : listed.as_list()) out.push_back(node_info_from_value(n));
  return out;
}

std::vector<std::uint64_t> Kernel::local_objects() const {
  std::vector<std::uint64_t> out;
  for (const auto& [oid, _] : objects_) out.push_back(oid);
  return out;
}

KernelObject* Kernel::object(std::uint64_t oid) const {
  auto it = objects_.find(oid);
  return it == objects_.end() ? nullptr : it->second.get();
}

// ---- The innermost hop: a kernel RPC to a physical replica, with location repair -----------------

Reply Kernel::invoke_remote(const ReplicaRef& to, const std::string& gid, Invocation& inv) {
  auto moved = relocated_.find(to.oid);
  NodeId node = moved == relocated_.end() ? to.node : moved->second;

  pb::InvokeRequest req;
  req.set_oid(to.oid);
  req.set_method(inv.method);
  for (const auto& a : inv.args) wire::to_proto(a, req.add_args());
  req.set_caller(inv.caller);
  req.set_session(inv.session);
  req.set_call_id(inv.call_id);

  Duration backoff = kMillisecond;

  int repairs = 0;
  for (;;) {
    const Time start = env_.now();
    if (start >= inv.deadline) return Reply::error(Code::kTimeout, inv.method + ": deadline passed");
    req.set_timeout_ns(inv.deadline - start);
    std::string request = wire::serialize(req);
    charge_serialization(node, request.size());  // encoding the request
    const Time sent = options_.serialization_ops_per_byte > 0 ? env_.now() : start;
    if (sent >= inv.deadline) return Reply::error(Code::kTimeout, inv.method + ": deadline passed while encoding");
    RpcResult r = rpc_.call(node, svc::kInvoke, std::move(request), inv.deadline - sent);
    charge_serialization(node, r.body.size());  // decoding the reply
    const Code code = r.status.code;
    if (code == Code::kNoSuchObject && repairs < 3) {
      // Stale location (the object migrated): ask the OMS where it is now and retry there.
      Reply loc = oms_call(svc::kLocate, ValueMap{{"oid", as_i64(to.oid)}});
      if (!loc.ok()) return Reply{loc.status, {}};
      const std::string& now_at = loc.value.at("node").as_string();
      if (now_at == node) return to_reply(r);
      node = now_at;
      relocated_[to.oid] = node;
      ++repairs;
      continue;
    }
    if (code == Code::kMigrating) {
      env_.sleep_for(std::min(backoff, std::max<Duration>(inv.deadline - env_.now(), 0)));
      backoff = std::min<Duration>(backoff * 2, 50 * kMillisecond);
      continue;
    }
    const Duration latency = env_.now() - start;
    if (r.ok() && options_.high_latency_threshold > 0 && latency > options_.high_latency_threshold) {
      report_high_latency(to, gid, latency);
    }
    return to_reply(r);
  }
}

void Kernel::charge_serialization(const NodeId& peer, std::size_t bytes) {
  // A call to this very node is not serialized by a real runtime either.
  if (options_.serialization_ops_per_byte > 0 && bytes > 0 && peer != env_.self()) {
    env_.compute(options_.serialization_ops_per_byte * static_cast<double>(bytes));
  }
}

void Kernel::report_high_latency(const ReplicaRef& to, const std::string& gid, Duration latency) {
  auto it = last_latency_report_.find(to.rid);
  if (it != last_latency_report_.end() && env_.now() - it->second < kSecond) return;
  last_latency_report_[to.rid] = env_.now();
  rpc_.cast_value(oms_target(), svc::kHighLatency,
                  ValueMap{{"gid", gid}, {"rid", to.rid}, {"client", env_.self()}, {"latency_ns", latency}});
}

}  // namespace amino
