#include "runtime/oms.h"

#include "runtime/wire.h"

namespace amino {

namespace {
Reply fail(Code c, std::string msg) { return Reply::error(c, std::move(msg)); }

// Requests that change nothing: a replicated OMS's leader answers them without confirming first
// that it still leads (they may be stale by the length of its check-quorum deadline).
bool is_read(const std::string& service) {
  return service == svc::kLocate || service == svc::kNodes || service == svc::kEvents || service == svc::kAcquire ||
         service == svc::kReplicas;
}
}  // namespace

// groups_ keeps a reference to membership_, constructed next; neither is used before start().
Oms::Oms(Rpc& rpc, const DmRegistry& dms, OmsOptions options)
    : core_(rpc, dms, options), naming_(core_), groups_(core_, naming_, membership_), membership_(core_, groups_) {}

void Oms::start() {
  serve();
  membership_.start();
}

Status Oms::migrate(const std::string& ms, const NodeId& node, const MigrateOptions& how) {
  const MicroServiceRec* rec = naming_.find_id(ms);
  if (rec == nullptr || rec->destroyed) return Status{Code::kNoSuchMicroService, "no microservice " + ms, {}};
  return groups_.migrate(*rec, node, how);
}

std::string Oms::root_group(const std::string& ms) const {
  const MicroServiceRec* rec = naming_.find_id(ms);
  return rec == nullptr ? std::string() : rec->root_gid;
}

void Oms::serve_request(const std::string& service, Rpc::ValueHandler h, std::size_t max_body_bytes) {
  if (core_.replication == nullptr) {
    core_.rpc.serve_value(service, std::move(h), max_body_bytes);
    return;
  }
  core_.rpc.serve_value(
      service,
      [this, h = std::move(h), reads = is_read(service)](const NodeId& from, const Value& b) {
        OmsReplication& log = *core_.replication;
        if (!log.serving()) return log.redirect();
        if (!reads) {
          Status leads = log.fence();
          if (!leads.ok()) return Reply{leads, {}};
        }
        // A retry of a request that ran already gets its first answer (once that is committed);
        // one of a request still running waits for it.
        const std::optional<RequestLog::Key> key = reads ? std::nullopt : RequestLog::key_of(b);
        if (key) {
          const Time until = core_.env.now() + core_.options.control_timeout;
          while (running_.count(*key) != 0) {
            auto s = core_.env.make_signal();
            running_[*key].push_back(s);
            if (!s->wait_until(until) || !log.serving()) return log.redirect();
          }
          if (std::optional<Reply> first = requests_.find(*key)) {
            Status committed = log.commit();
            return committed.ok() ? *first : Reply{committed, {}};
          }
          running_[*key];
          // Until the reply replaces it: what a later leader answers if a commit made while the
          // request runs (a group component's library call, a periodic one) carried part of its
          // changes and this leader then stopped. Running it again on top of those would do
          // part of it twice.
          requests_.record(*key, Reply::error(Code::kAborted,
                                              "this request was interrupted by an OMS leader change after part of it "
                                              "took effect; it is not run again (see amino-ctl events)"));
        }
        auto done = [&](const Reply* r) {
          if (!key) return;
          // Recorded with the request's changes, in the same commit. A "not leader" answer is not:
          // the client asks again and that retry runs.
          if (r != nullptr && r->status.code != Code::kNotLeader) requests_.record(*key, *r);
          auto waiting = std::move(running_[*key]);
          running_.erase(*key);
          for (auto& w : waiting) w->notify();
        };
        Reply r;
        try {
          r = h(from, b);
        } catch (...) {
          done(nullptr);
          throw;
        }
        done(&r);
        // Whatever the request changed (even on failure: a half-made create) is committed before
        // anyone hears of it; reads commit nothing and answer at once.
        Status committed = log.commit();
        return committed.ok() ? r : Reply{committed, {}};
      },
      max_body_bytes);
}

void Oms::serve() {
  Rpc& rpc = core_.rpc;
  serve_request(svc::kRegister, [this](const NodeId& from, const Value& b) {
    membership_.on_report(from, b);
    return Reply::ok({});
  });
  rpc.on_cast(svc::kHeartbeat, [this](const NodeId& from, std::string body) {
    if (!core_.serving()) return;  // a replicated OMS's followers: the leader tracks liveness
    try {
      membership_.on_report(from, wire::decode_value(body).at("node"));
      core_.commit_soon();
    } catch (const std::exception& e) {
      core_.env.log(LogLevel::kWarn, "bad heartbeat from " + from + ": " + e.what());
    }
  });
  serve_request(svc::kCreate, [this](const NodeId& from, const Value& b) { return handle_create(from, b); },
                  core_.options.max_create_bytes);
  serve_request(svc::kAcquire, [this](const NodeId&, const Value& b) { return handle_acquire(b); });
  serve_request(svc::kSetName, [this](const NodeId& from, const Value& b) { return handle_set_name(from, b); });
  serve_request(svc::kAttach, [this](const NodeId& from, const Value& b) { return handle_attach(from, b); });
  serve_request(svc::kDetach, [this](const NodeId& from, const Value& b) {
    return handle_release(from, b, "name", "detached");
  });
  serve_request(svc::kDelete, [this](const NodeId& from, const Value& b) {
    return handle_release(from, b, "id", "deleted");
  });
  serve_request(svc::kLocate, [this](const NodeId&, const Value& b) { return handle_locate(b); });
  serve_request(svc::kMigrate, [this](const NodeId& from, const Value& b) { return handle_migrate(from, b); });
  serve_request(svc::kEvents, [this](const NodeId&, const Value&) {
    return Reply::ok(ValueList(core_.events().begin(), core_.events().end()));
  });
  serve_request(svc::kNodes, [this](const NodeId&, const Value& b) { return handle_nodes(b); });

  serve_request(svc::kRefRequest, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string& gid) { return groups_.ref_request(gid, b.at("client").as_string()); });
  });
  serve_request(svc::kReplicas, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string& gid) {
      ValueList out;
      for (const auto& r : groups_.replicas(gid)) out.push_back(r.to_value());
      return Reply::ok(out);
    });
  });
  serve_request(svc::kGroupNotify, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string& gid) { return groups_.notification(gid, b.at("msg")); });
  });
  serve_request(svc::kServerReplicate, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string& gid) {
      ReplicaRef r = groups_.replicate(gid, b.at("rid").as_string(), b.at("node").as_string());
      if (!r.valid()) return fail(Code::kPlacement, "could not replicate " + b.at("rid").as_string());
      return Reply::ok(r.to_value());
    });
  });
  serve_request(svc::kServerPin, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string&) {
      const Value* how = b.find("how");
      return Reply{groups_.pin(b.at("rid").as_string(), b.at("node").as_string(),
                               MigrateOptions::from_value(how == nullptr ? Value() : *how)),
                   {}};
    });
  });
  serve_request(svc::kServerTerminate, [this](const NodeId&, const Value& b) {
    return group_request(b, [&](const std::string&) { return Reply{groups_.terminate(b.at("rid").as_string()), {}}; });
  });
  // Casts: the upcall may block, so it gets its own execution context.
  rpc.on_cast(svc::kHighLatency, [this](const NodeId&, std::string body) {
    if (!core_.serving()) return;
    Value b = wire::decode_value(body);
    core_.env.spawn("on_high_latency", [this, b] {
      (void)group_request(b, [&](const std::string& gid) {
        groups_.high_latency(gid, b.at("rid").as_string(), b.at("client").as_string(), b.at("latency_ns").as_int());
        return Reply::ok({});
      });
      core_.commit_soon();
    });
  });
  rpc.on_cast(svc::kLowMemory, [this](const NodeId&, std::string body) {
    if (!core_.serving()) return;
    Value b = wire::decode_value(body);
    core_.env.spawn("on_low_memory", [this, b] {
      for (const auto& oid : b.at("oids").as_list()) groups_.low_memory(static_cast<std::uint64_t>(oid.as_int()));
      core_.commit_soon();
    });
  });
}

// ---- Handlers ------------------------------------------------------------------------------------

Reply Oms::handle_create(const NodeId& from, const Value& body) {
  MicroServiceSpec spec;
  try {
    spec = MicroServiceSpec::from_value(body.at("spec"));
  } catch (const std::exception& e) {
    return fail(Code::kBadSpec, std::string("unreadable spec: ") + e.what());
  }
  // The same checks as parse_spec: a client may bypass it and send any spec over the wire.
  if (auto why = spec_problem(spec, core_.dms)) return fail(Code::kBadSpec, *why);
  if (!spec.name.empty() && naming_.name_taken(spec.name)) return fail(Code::kBadArguments, "name taken: " + spec.name);

  const NodeCandidates where = groups_.candidates(spec, 0);
  if (where.empty()) {
    return fail(Code::kPlacement, "no live kernel server satisfies " + spec.selector.to_string() +
                                      " and the DMs' selectors (" + std::to_string(membership_.nodes().size()) +
                                      " live)");
  }
  const Value* creator = body.find("creator");
  MicroServiceRec& ms = naming_.add(std::move(spec), creator != nullptr ? creator->as_string() : NodeId());
  const NodeId node = groups_.pick_node(where, "");
  Reply first = groups_.create_tree(ms, node, from);
  if (!first.ok()) {
    ms.destroyed = true;
    return first;
  }
  if (!ms.name.empty()) naming_.bind_name(ms);
  return Reply::ok(Naming::acquired(ms));
}

Reply Oms::handle_acquire(const Value& b) {
  MicroServiceRec* ms = naming_.find(b.at("id").as_string());
  if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at("id").as_string());
  return Reply::ok(Naming::acquired(*ms));
}

Reply Oms::handle_set_name(const NodeId& from, const Value& b) {
  MicroServiceRec* ms = naming_.find(b.at("id").as_string());
  if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at("id").as_string());
  return Reply{naming_.set_name(*ms, b.at("name").as_string(), from), {}};
}

Reply Oms::handle_attach(const NodeId& from, const Value& b) {
  MicroServiceRec* ms = naming_.find(b.at("name").as_string());
  if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice named " + b.at("name").as_string());
  ++ms->refs;
  core_.record("microservice " + ms->id + " attached by " + from + " (" + std::to_string(ms->refs) + " references)");
  return Reply::ok(Naming::acquired(*ms));
}

// detach (by name) and delete (by id): one reference fewer; the last one destroys the group tree.
Reply Oms::handle_release(const NodeId& from, const Value& b, const char* key, const char* verb) {
  MicroServiceRec* ms = naming_.find(b.at(key).as_string());
  if (ms == nullptr) return fail(Code::kNoSuchMicroService, "no microservice " + b.at(key).as_string());
  core_.record("microservice " + ms->id + " " + verb + " by " + from + " (" +
               (ms->refs > 1 ? std::to_string(ms->refs - 1) + " references left)" : "last reference: destroyed)"));
  if (naming_.release(*ms)) groups_.destroy_group(ms->root_gid);
  return Reply::ok({});
}

Reply Oms::handle_locate(const Value& b) {
  const auto oid = static_cast<std::uint64_t>(b.at("oid").as_int());
  if (!groups_.is_live_object(oid)) return fail(Code::kNoSuchObject, "object " + b.at("oid").to_string() + " is gone");
  Value v = ValueMap{{"node", groups_.location(oid)}};
  if (groups_.is_moving(oid)) v["moving"] = true;  // a live migration's source waits for the decision
  return Reply::ok(v);
}

Reply Oms::handle_migrate(const NodeId& from, const Value& b) {
  const std::string& ms = b.at("id").as_string();
  const std::string& node = b.at("node").as_string();
  const Value* how = b.find("how");  // absent: stop-and-copy
  const Status s = migrate(ms, node, MigrateOptions::from_value(how == nullptr ? Value() : *how));
  core_.record("migration of " + ms + " to " + node + " requested by " + from + ": " + (s.ok() ? "done" : s.to_string()));
  return Reply{s, {}};
}

Reply Oms::handle_nodes(const Value& b) {
  ValueList out;
  const Value* sel = b.find("selector");
  for (const auto& n : membership_.nodes(sel ? selector_from_value(*sel) : NodeSelector{})) {
    out.push_back(node_info_to_value(n));
  }
  return Reply::ok(out);
}

Reply Oms::group_request(const Value& body, const std::function<Reply(const std::string& gid)>& fn) {
  try {
    const std::string& gid = body.at("gid").as_string();
    if (!groups_.has_live_group(gid)) return fail(Code::kNoSuchMicroService, "no group " + gid);
    return fn(gid);
  } catch (const SystemError& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return fail(Code::kInternal, e.what());
  }
}

}  // namespace amino
