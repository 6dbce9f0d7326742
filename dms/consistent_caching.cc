#include "dms/consistent_caching.h"

#include <algorithm>
#include <map>

#include "dms/support.h"

namespace amino::dms {

namespace {

// Who talks to whom (every message is a Value map with "op"):
//   client -> group (notify_group)  {op: join, node}        -> a cache replica on node (ref) or null
//   server -> group (notify_group)  {op: primary}           -> the primary's ref or null
//   group -> replica (notify_server) {op: cache, primary}   -> makes the replica a cache of primary
//   cache -> primary (peer message) {op: join}              -> {state, version}; grants a lease
//   cache -> primary (peer message) {op: renew, version}    -> {version[, state]}; kAborted: evicted
//   primary -> cache (peer message) {op: invalidate, version}
//   primary -> cache (peer message) {op: update, version, state}
// A version counts the writes the primary has run; a cache's copy answers reads only while it holds
// the newest version any invalidation has announced to it, and its lease has not run out.

Duration ms_config(const DmConfig& c, const char* key) { return millis(c.at(key).as_int()); }



class ConsistentServer : public ServerDM {
 public:
  ~ConsistentServer() override { *alive_ = false; }

  void on_create(ServerContext& ctx) override {
    const Time now = ctx.env().now();
    // After a move the primary cannot know what its caches' leases were: the longest they may be.
    for (auto& [rid, c] : caches_) c.lease_end = deadline_after(now, ms_config(ctx.config(), "leaseMs"));
    if (role_ == Role::kCache) start_renewing(ctx);
  }
  void on_destroy(ServerContext&) override { *alive_ = false; }

  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    if (role_ == Role::kCache) {
      if (!inv.read_only) return Reply::error(Code::kUnavailable, "ConsistentCaching: a cached copy takes no writes");
      if (!valid(ctx.env().now())) return Reply::error(Code::kUnavailable, "ConsistentCaching: this cached copy is not valid now");
      return ctx.next(inv);
    }
    return inv.read_only ? ctx.next(inv) : write(inv, ctx);
  }

  Value on_notification(ServerContext& ctx, const Value& msg) override {
    if (op_of(msg) != "cache") return ValueMap{{"ok", false}};
    role_ = Role::kCache;
    primary_ = ReplicaRef::from_value(msg.at("primary"));
    const bool joined = join(ctx);  // a copy that cannot join now retries at its next renewal
    start_renewing(ctx);
    return ValueMap{{"ok", joined}};
  }

  Reply on_message(ServerContext& ctx, const ReplicaRef& from, const Value& msg) override {
    const std::string& op = op_of(msg);
    if (role_ == Role::kCache) {
      if (op == "invalidate") {
        pending_ = std::max(pending_, msg.at("version").as_int());
        return Reply::ok({});
      }
      if (op == "update") {
        install(ctx, msg.at("version").as_int(), msg.at("state"));
        return Reply::ok({});
      }
    } else {
      if (op == "join") return admit(ctx, from);
      if (op == "renew") return renew_lease(ctx, from, msg.at("version").as_int());
    }
    return Reply::error(Code::kBadArguments, "ConsistentCaching: unexpected message " + op);
  }

  // The role and versions travel with a moved replica; a primary's caches as time left on their
  // leases is not needed (on_create assumes the longest).
  Value snapshot() const override {
    ValueList caches;
    for (const auto& [rid, c] : caches_) caches.push_back(c.ref.to_value());
    return ValueMap{{"cache", role_ == Role::kCache}, {"primary", primary_.to_value()}, {"version", version_},
                    {"pending", pending_}, {"caches", std::move(caches)}};
  }
  void restore(const Value& v) override {
    if (!v.is<ValueMap>()) return;
    role_ = v.at("cache").as_bool() ? Role::kCache : Role::kPrimary;
    primary_ = ReplicaRef::from_value(v.at("primary"));
    version_ = v.at("version").as_int();
    pending_ = v.at("pending").as_int();
    for (const Value& c : v.at("caches").as_list()) {
      ReplicaRef ref = ReplicaRef::from_value(c);
      caches_[ref.rid] = Cache{ref, 0};
    }
  }

 private:
  enum class Role { kPrimary, kCache };
  struct Cache {
    ReplicaRef ref;
    Time lease_end = 0;  // on this node's clock: no later than this, the copy stops answering reads
  };

  // ---- the primary

  Reply write(Invocation& inv, ServerContext& ctx) {
    Env& env = ctx.env();
    if (!lock_.acquire(env, inv.deadline)) return Reply::error(Code::kTimeout, "ConsistentCaching: waited for earlier writes");
    FifoLockGuard guard(lock_);
    // From here the write runs to the end whatever the caller's deadline: copies invalidated for
    // version v are valid again only once version v exists.
    const std::int64_t v = version_ + 1;
    const Duration ack = ms_config(ctx.config(), "ackTimeoutMs");
    std::vector<ReplicaRef> copies = cache_refs();
    const std::vector<Reply> acked = fan_out(ctx, alive_, copies, ValueMap{{"op", "invalidate"}, {"version", v}},
                                             deadline_after(env.now(), ack), attempt(ack), "ConsistentCaching.send");
    Time wait_until = 0;
    for (std::size_t i = 0; i < copies.size(); ++i) {
      if (acked[i].ok()) continue;
      auto it = caches_.find(copies[i].rid);
      if (it == caches_.end()) continue;
      wait_until = std::max(wait_until, it->second.lease_end);
      env.log(LogLevel::kInfo, "ConsistentCaching: evicted the copy " + copies[i].rid + " on " + copies[i].node +
                                   " (no answer to invalidation " + std::to_string(v) + ")");
      caches_.erase(it);
    }
    if (wait_until > env.now()) env.sleep_for(wait_until - env.now());  // evicted copies stop answering
    Reply r = ctx.next(inv);
    version_ = v;  // even a throwing method may have changed fields: the copies get the state either way
    copies = cache_refs();
    (void)fan_out(ctx, alive_, copies, ValueMap{{"op", "update"}, {"version", v}, {"state", ctx.snapshot_object()}},
                  deadline_after(env.now(), ack), attempt(ack), "ConsistentCaching.send");
    return r;
  }

  Reply admit(ServerContext& ctx, const ReplicaRef& from) {
    Env& env = ctx.env();
    const DmConfig& c = ctx.config();
    // Under the write lock: no write is half done, so the state sent is version_ exactly.
    if (!lock_.acquire(env, deadline_after(env.now(), ms_config(c, "leaseMs")))) {
      return Reply::error(Code::kTimeout, "ConsistentCaching: a write is in progress");
    }
    FifoLockGuard guard(lock_);
    if (caches_.count(from.rid) == 0 && caches_.size() >= static_cast<std::size_t>(c.at("maxCaches").as_int())) {
      return Reply::error(Code::kUnavailable, "ConsistentCaching: already maxCaches copies");  // it stays invalid
    }
    caches_[from.rid] = Cache{from, deadline_after(env.now(), ms_config(c, "leaseMs"))};
    return Reply::ok(ValueMap{{"state", ctx.snapshot_object()}, {"version", version_}});
  }

  Reply renew_lease(ServerContext& ctx, const ReplicaRef& from, std::int64_t has) {
    auto it = caches_.find(from.rid);
    if (it == caches_.end()) return Reply::error(Code::kAborted, "ConsistentCaching: this copy was evicted; join again");
    const Time now = ctx.env().now();
    it->second.lease_end = std::max(it->second.lease_end, deadline_after(now, ms_config(ctx.config(), "leaseMs")));
    ValueMap out{{"version", version_}};
    // A copy that missed an update catches up here, unless a write is under way (its state is not a version).
    if (has < version_ && !lock_.held()) out["state"] = ctx.snapshot_object();
    return Reply::ok(std::move(out));
  }

  std::vector<ReplicaRef> cache_refs() const {
    std::vector<ReplicaRef> out;
    for (const auto& [rid, c] : caches_) out.push_back(c.ref);
    return out;
  }
  static Duration attempt(Duration ack) { return std::max<Duration>(ack / 4, 10 * kMillisecond); }

  // ---- a cache

  bool valid(Time now) const { return version_ >= pending_ && now < lease_end_; }

  void install(ServerContext& ctx, std::int64_t v, const Value& state) {
    pending_ = std::max(pending_, v);  // an update carries a version the primary has run
    if (v < pending_ || v <= version_) return;
    ctx.restore_object(state);
    version_ = v;
  }

  bool join(ServerContext& ctx) {
    Env& env = ctx.env();
    const DmConfig& c = ctx.config();
    const Time sent = env.now();
    // The primary may first wait for a write, which may wait for an evicted copy's lease.
    const Duration limit = ms_config(c, "ackTimeoutMs") + 2 * ms_config(c, "leaseMs");
    auto alive = alive_;
    Reply r = ctx.send_to_peer(primary_, ValueMap{{"op", "join"}}, limit);
    if (!*alive) return false;  // destroyed while waiting
    if (!r.ok()) {
      lost_primary(ctx, r.status.code);
      return false;
    }
    install(ctx, r.value.at("version").as_int(), r.value.at("state"));
    if (version_ == r.value.at("version").as_int()) lease_end_ = deadline_after(sent, ms_config(c, "leaseMs"));
    return true;
  }

  void renew(ServerContext& ctx) {
    Env& env = ctx.env();
    const DmConfig& c = ctx.config();
    const Time sent = env.now();
    auto alive = alive_;
    Reply r = ctx.send_to_peer(primary_, ValueMap{{"op", "renew"}, {"version", version_}}, period(c));
    if (!*alive) return;  // destroyed while waiting
    if (r.status.code == Code::kAborted) {
      lease_end_ = 0;  // evicted: answer no read until joined again
      (void)join(ctx);
      return;
    }
    if (!r.ok()) {
      lost_primary(ctx, r.status.code);
      return;
    }
    // Counted from when the request left, so it ends before the lease the primary recorded.
    lease_end_ = std::max(lease_end_, deadline_after(sent, ms_config(c, "leaseMs")));
    if (const Value* state = r.value.find("state")) install(ctx, r.value.at("version").as_int(), *state);
  }

  // The primary moved (its old location no longer has it): ask the group where it is now.
  void lost_primary(ServerContext& ctx, Code code) {
    if (code != Code::kNoSuchObject) return;
    auto alive = alive_;
    Reply r = ctx.notify_group(ValueMap{{"op", "primary"}});
    if (*alive && r.ok() && !r.value.is_null()) primary_ = ReplicaRef::from_value(r.value);
  }

  static Duration period(const DmConfig& c) { return std::max<Duration>(ms_config(c, "leaseMs") / 3, kMillisecond); }

  // Renews the lease every leaseMs/3 until the replica is destroyed.
  void start_renewing(ServerContext& ctx) {
    if (renewing_) return;
    renewing_ = true;
    auto alive = alive_;
    ctx.env().spawn("ConsistentCaching.renew", [this, alive, &ctx] {
      while (*alive) {
        ctx.env().sleep_for(period(ctx.config()));
        if (!*alive) return;
        renew(ctx);
      }
    });
  }

  Role role_ = Role::kPrimary;  // a replica becomes a cache only when the group says so
  ReplicaRef primary_;          // a cache's primary
  std::int64_t version_ = 0;    // primary: writes run; cache: the version its copy holds
  std::int64_t pending_ = 0;    // cache: the newest version announced (invalidated for)
  Time lease_end_ = 0;          // cache: its copy answers reads until then (this node's clock)
  std::map<std::string, Cache> caches_;  // primary: the copies to invalidate and update, by replica id
  FifoLock lock_;                        // primary: one write (or join) at a time
  bool renewing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class ConsistentGroup : public GroupDM {
 public:
  void on_create(GroupContext&, const ReplicaRef& first) override { primary_ = first.rid; }

  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId&) override { return primary(ctx); }

  Value on_notification(GroupContext& ctx, const Value& msg) override {
    const std::string& op = op_of(msg);
    if (op == "primary") {
      ReplicaRef p = primary(ctx);
      return p.valid() ? p.to_value() : Value();
    }
    if (op == "join" && msg.at("node").is<std::string>()) return join(ctx, msg.at("node").as_string());
    return Value();
  }

  // A copy back from a false suspicion keeps serving its node unless a new one replaced it.
  bool on_rejoin(GroupContext&, const ReplicaRef& returned) override {
    if (returned.rid == primary_) return true;
    auto [it, added] = caches_.emplace(returned.node, returned.rid);
    return added || it->second == returned.rid;
  }

  void on_failure(GroupContext&, const ReplicaRef& dead) override {
    for (auto it = caches_.begin(); it != caches_.end(); ++it) {
      if (it->second == dead.rid) {
        caches_.erase(it);
        return;
      }
    }
  }

 private:
  ReplicaRef primary(GroupContext& ctx) const { return member(ctx, primary_); }
  static ReplicaRef member(GroupContext& ctx, const std::string& rid) {
    for (const ReplicaRef& r : ctx.replicas()) {
      if (r.rid == rid) return r;
    }
    return {};
  }

  // The cache replica on `node`, made (a copy of the primary, told to join it) if there is none.
  Value join(GroupContext& ctx, const NodeId& node) {
    Env& env = ctx.env();
    if (!lock_.acquire(env, deadline_after(env.now(), 10 * kSecond))) return Value();
    FifoLockGuard guard(lock_);  // two first reads on one node must not make two copies there
    const ReplicaRef p = primary(ctx);
    if (!p.valid() || p.node == node) return Value();  // on the primary's node, reads are local already
    if (auto it = caches_.find(node); it != caches_.end()) {
      const ReplicaRef r = member(ctx, it->second);
      if (r.valid()) return r.to_value();
      caches_.erase(it);
    }
    if (caches_.size() >= static_cast<std::size_t>(ctx.config().at("maxCaches").as_int())) return Value();
    if (!is_live_server(ctx, node)) return Value();  // e.g. a client that is no kernel server
    const ReplicaRef made = ctx.replicate(p, node);
    if (!made.valid()) return Value();
    Reply told = ctx.notify_server(made, ValueMap{{"op", "cache"}, {"primary", p.to_value()}});
    if (!told.ok()) {
      env.log(LogLevel::kWarn, "ConsistentCaching: dropping the copy " + made.rid + " on " + node + ": " +
                                   told.status.to_string());
      (void)ctx.terminate(made);
      return Value();
    }
    caches_[node] = made.rid;
    return made.to_value();
  }

  std::string primary_;                      // replica id of the authoritative copy
  std::map<NodeId, std::string> caches_;     // node -> its cache replica's id
  FifoLock lock_;
};

class ConsistentClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (inv.read_only) {
      const ReplicaRef cache = local_cache(ctx);
      if (cache.valid()) {
        Reply r = ctx.forward(cache, inv);
        if (r.ok() || r.status.code == Code::kAppError) return r;
        if (r.status.code == Code::kNoSuchObject) cache_ = {};  // dropped: join again later
        // Not valid now (invalidated, lease out) or unreachable: the primary answers; a read
        // has no effect, so asking again elsewhere is safe.
      }
    }
    return primary_->on_rpc(inv, ctx);
  }

 private:
  ReplicaRef local_cache(ClientContext& ctx) {
    Env& env = ctx.env();
    if (cache_.valid() || env.now() < next_join_) return cache_;
    next_join_ = deadline_after(env.now(), ms_config(ctx.config(), "leaseMs"));
    Reply r = ctx.notify_group(ValueMap{{"op", "join"}, {"node", env.self()}});
    if (r.ok() && r.value.is<ValueMap>()) cache_ = ReplicaRef::from_value(r.value);
    return cache_;
  }

  std::unique_ptr<ClientDM> primary_ = make_forwarding_client();  // the group always answers the primary
  ReplicaRef cache_;
  Time next_join_ = 0;
};

}  // namespace

DmDescriptor consistent_caching() {
  DmDescriptor d;
  d.name = "ConsistentCaching";
  d.category = "caching";
  d.summary = "each client node reads its own copy; every write updates all copies before it returns";
  d.paper = "ConsistentCaching";
  d.source = "dms/consistent_caching.h";
  d.guarantee =
      "Reads and writes are linearizable (strict). The object lives at a primary replica; a client's first read "
      "asks the group for a copy on its own node (a cache replica, up to maxCaches), and from then on its reads "
      "run on that copy with no network hop while the copy is valid. Writes go to the primary, which runs them one "
      "at a time: it first invalidates every copy (each answers, or is evicted after ackTimeoutMs), then runs "
      "the write, then sends the new state to every copy, and only then replies. A copy answers reads only while "
      "it holds the newest version announced to it and a lease from the primary (leaseMs, renewed every "
      "leaseMs/3, counted from when the renewal was sent); otherwise the read goes to the primary. So no read "
      "returns a state older than a write that has returned or that another read has already shown. Clients "
      "that are not kernel servers, or on the primary's node, read at the primary.";
  d.tolerates =
      "Caching clients that crash, pause or are cut off, and lost, delayed or reordered messages: a copy that "
      "does not answer an invalidation within ackTimeoutMs is evicted, and the write waits until that copy's "
      "lease has run out (at most leaseMs more) before it runs, so an unreachable client delays writes by at most "
      "ackTimeoutMs + leaseMs and never causes a stale read; the evicted copy rejoins (fresh state, new lease) "
      "at its next renewal that reaches the primary. A paused or cut-off primary: calls wait or fail, and the "
      "copies stop answering once their leases run out (no read is stale; none is answered either). Not "
      "tolerated: loss of the primary (a crash: it holds the only authoritative copy, so calls fail from then "
      "on), clock changes on the primary or a caching node (a lease is a span of local time), and duplicated "
      "requests (the primary is not replicated: a duplicated write runs twice).";
  d.caveats =
      "Writes cost two rounds to every copy (invalidate, update) before they return: the price of local reads. "
      "A copy stays on its node until the microservice is deleted or the node fails.";
  d.config = {ConfigKey{"leaseMs", Value::Kind::kInt, Value(1000), "how long a copy answers reads without hearing from the primary; also the longest a write waits for an evicted copy", Value(10), Value(kMaxTimeoutMs)},
              ConfigKey{"ackTimeoutMs", Value::Kind::kInt, Value(300), "how long a write waits for a copy to answer its invalidation before evicting it", Value(1), Value(kMaxTimeoutMs)},
              ConfigKey{"maxCaches", Value::Kind::kInt, Value(16), "the most cached copies (client nodes) at once; further clients read at the primary", Value(0), Value(1024)}};
  d.make_client = [] { return std::make_unique<ConsistentClient>(); };
  d.make_server = [] { return std::make_unique<ConsistentServer>(); };
  d.make_group = [] { return std::make_unique<ConsistentGroup>(); };
  return d;
}

}  // namespace amino::dms
