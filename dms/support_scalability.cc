// Helpers of the scalability DMs (declared in dms/support_scalability.h): the round-robin client,
// the overload gate and the placement of new replicas.
#include "dms/support_scalability.h"

#include <algorithm>
#include <set>

namespace amino::dms::scalability {

namespace {

class RoundRobinClient : public ClientDM {
 public:
  explicit RoundRobinClient(std::string dm) : dm_(std::move(dm)) {}

  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    Env& env = ctx.env();
    if (members_.empty() || (refresh_every_ > 0 && env.now() >= next_refresh_) || stale_) refresh(ctx);
    // A copy: calls on this node run concurrently, and another may refresh the list while this one waits.
    const std::vector<ReplicaRef> members = members_;
    if (members.empty()) return Reply::error(Code::kUnavailable, dm_ + ": no live replica of " + ctx.microservice());
    const std::size_t n = members.size();
    std::size_t overloaded = 0;
    Reply last = Reply::error(Code::kUnavailable, dm_ + ": no replica answered");
    for (std::size_t tried = 0; tried < n; ++tried) {
      const ReplicaRef to = members[cursor_++ % n];
      // A read may go on to the next replica: it gets its share of the time left, not all of it.
      Invocation attempt = inv;
      if (inv.read_only && inv.deadline != kForever && env.now() < inv.deadline) {
        attempt.deadline = env.now() + (inv.deadline - env.now()) / static_cast<Duration>(n - tried);
      }
      Reply r = ctx.forward(to, attempt);
      const Code c = r.status.code;
      if (r.ok() || c == Code::kAppError) return r;
      last = r;
      if (c == Code::kOverloaded) {
        ++overloaded;
        continue;
      }
      if (c == Code::kNoSuchObject || c == Code::kMigrating || c == Code::kUnavailable || c == Code::kNotLeader) {
        if (c == Code::kNoSuchObject) stale_ = true;  // terminated or moved: read the list again next time
        continue;
      }
      if (c == Code::kTimeout || c == Code::kUnreachable) {
        stale_ = true;
        if (inv.read_only && env.now() < inv.deadline) continue;  // a read has no effect: ask the next one
      }
      return r;  // may have run, or will fail the same way everywhere
    }
    if (overloaded == n) {
      return Reply::error(Code::kOverloaded, dm_ + ": all " + std::to_string(n) + " replicas of " +
                                                 ctx.microservice() + " are overloaded");
    }
    return last;
  }

 private:
  void refresh(ClientContext& ctx) {
    Env& env = ctx.env();
    refresh_every_ = millis(ctx.config().at("refreshMs").as_int());
    std::vector<ReplicaRef> fresh = ctx.replicas();
    if (!fresh.empty() || stale_) members_ = std::move(fresh);
    // Ordered by replica id, so the rotation does not depend on the OMS's listing order.
    std::sort(members_.begin(), members_.end(), [](const ReplicaRef& a, const ReplicaRef& b) { return a.rid < b.rid; });
    if (!started_ && !members_.empty()) {
      cursor_ = static_cast<std::size_t>(env.rng().uniform_int(0, static_cast<std::int64_t>(members_.size()) - 1));
      started_ = true;
    }
    stale_ = false;
    next_refresh_ = deadline_after(env.now(), refresh_every_);
  }

  std::string dm_;
  std::vector<ReplicaRef> members_;
  std::size_t cursor_ = 0;
  bool started_ = false;
  bool stale_ = false;
  Duration refresh_every_ = 0;
  Time next_refresh_ = 0;
};

}  // namespace

std::unique_ptr<ClientDM> make_round_robin_client(std::string dm) { return std::make_unique<RoundRobinClient>(std::move(dm)); }

// ---------------------------------------------------------------------------------------------
// OverloadGate

void OverloadGate::advance(Time now) {
  if (!started_) {
    started_ = true;
    window_start_ = last_change_ = now;
  }
  area_ += static_cast<double>(in_flight_) * static_cast<double>(now - last_change_);
  last_change_ = now;
}

std::optional<Reply> OverloadGate::enter(Time now, std::int64_t max_concurrent, std::int64_t rate, const std::string& dm) {
  advance(now);
  if (rate > 0) {
    if (tokens_ < 0) {
      tokens_ = static_cast<double>(rate);
    } else {
      tokens_ = std::min<double>(static_cast<double>(rate),
                                 tokens_ + static_cast<double>(rate) * static_cast<double>(now - refilled_at_) / 1e9);
    }
    refilled_at_ = now;
  }
  if (in_flight_ >= max_concurrent) {
    ++load_.rejected;
    return Reply::error(Code::kOverloaded, dm + ": replica has " + std::to_string(in_flight_) +
                                               " calls in flight (maxConcurrent " + std::to_string(max_concurrent) + ")");
  }
  if (rate > 0 && tokens_ < 1) {
    ++load_.rejected;
    return Reply::error(Code::kOverloaded, dm + ": replica is over its rate limit (maxCallsPerSecond " +
                                               std::to_string(rate) + ")");
  }
  if (rate > 0) tokens_ -= 1;
  ++in_flight_;
  ++load_.calls;
  load_.peak = std::max(load_.peak, in_flight_);
  return std::nullopt;
}

void OverloadGate::leave(Time now) {
  advance(now);
  if (in_flight_ > 0) --in_flight_;
}

OverloadGate::Load OverloadGate::take(Time now) {
  advance(now);
  Load out = load_;
  out.window = now - window_start_;
  out.mean_in_flight = out.window > 0 ? area_ / static_cast<double>(out.window) : static_cast<double>(in_flight_);
  load_ = Load{};
  load_.peak = in_flight_;
  area_ = 0;
  window_start_ = now;
  return out;
}

Reply admit_and_run(const std::shared_ptr<OverloadGate>& gate, Invocation& inv, ServerContext& ctx, const std::string& dm) {
  const DmConfig& c = ctx.config();
  if (auto refused = gate->enter(ctx.env().now(), c.at("maxConcurrent").as_int(), c.at("maxCallsPerSecond").as_int(), dm)) {
    return *refused;
  }
  Env& env = ctx.env();  // the node's: still there if this replica is destroyed during the call
  auto held = gate;      // and so is the gate
  Reply r = ctx.next(inv);
  held->leave(env.now());
  return r;
}

// ---------------------------------------------------------------------------------------------
// Placement

NodeId spare_node(GroupContext& ctx, const std::vector<ReplicaRef>& live) {
  std::set<NodeId> used;
  for (const auto& r : live) used.insert(r.node);
  std::vector<NodeId> free;
  for (const auto& n : ctx.nodes(ctx.selector())) {
    if (used.count(n.id) == 0) free.push_back(n.id);
  }
  if (free.empty()) return {};
  std::sort(free.begin(), free.end());
  return free[static_cast<std::size_t>(ctx.env().rng().uniform_int(0, static_cast<std::int64_t>(free.size()) - 1))];
}

ReplicaRef add_replica(GroupContext& ctx, const ReplicaRef& from, const std::string& dm) {
  const NodeId where = spare_node(ctx, ctx.replicas());
  if (where.empty()) {
    ctx.env().log(LogLevel::kInfo, dm + ": every allowed node of group " + ctx.group_id() +
                                       " has a replica; the OMS places the next one");
  }
  ReplicaRef made = ctx.replicate(from, where);
  if (!made.valid()) ctx.env().log(LogLevel::kWarn, dm + ": could not add a replica to group " + ctx.group_id());
  return made;
}


}  // namespace amino::dms::scalability

namespace amino::dms::scalability {

std::vector<Reply> notify_servers(GroupContext& ctx, const std::shared_ptr<bool>& alive,
                                  const std::vector<ReplicaRef>& servers, const Value& msg, Time deadline, Duration attempt) {
  struct Round {
    std::vector<Reply> replies;
    std::vector<std::shared_ptr<Signal>> answered;  // per server: a copy got an answer
    std::size_t left = 0;
    std::shared_ptr<Signal> done;
  };
  if (servers.empty()) return {};
  Env* env = &ctx.env();  // the OMS's: outlives the group
  auto round = std::make_shared<Round>();
  round->replies.assign(servers.size(), Reply::error(Code::kTimeout, "no answer"));
  round->left = servers.size();
  round->done = env->make_signal();
  GroupContext* group = &ctx;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    round->answered.push_back(env->make_signal());
    env->spawn("scalability.notify", [group, env, alive, round, i, server = servers[i], msg, deadline, attempt]() mutable {
      const std::shared_ptr<Signal> answered = round->answered[i];
      for (int copies = 0; copies < 16 && *alive && !answered->notified() && env->now() < deadline; ++copies) {
        env->spawn("scalability.notify.copy", [group, alive, round, i, server, msg, answered] {
          if (!*alive || answered->notified()) return;
          Reply r = group->notify_server(server, msg);
          if (answered->notified()) return;
          round->replies[i] = r;
          if (r.ok() || (r.status.code != Code::kTimeout && r.status.code != Code::kUnreachable)) answered->notify();
        });
        answered->wait_until(std::min(deadline_after(env->now(), attempt), deadline));
        attempt = saturating_mul(attempt, 2);
      }
      if (--round->left == 0) round->done->notify();
    });
  }
  round->done->wait_until(deadline_after(deadline, kSecond));
  return round->replies;
}

}  // namespace amino::dms::scalability
