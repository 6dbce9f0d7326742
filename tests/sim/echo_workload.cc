#include "tests/sim/echo_workload.h"

#include <sstream>

namespace amino::simtest {

namespace {

std::int64_t load_count(Env& env) {
  auto v = env.storage().get("count");
  if (!v || v->empty()) return 0;
  return std::stoll(*v);
}

struct ClientState {
  std::uint64_t waiting_for = 0;
  std::shared_ptr<Signal> signal;
  EchoResult* current = nullptr;
};

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kReset: return "reset";
  }
  return "?";
}

int EchoClientStats::count(Outcome o) const {
  int n = 0;
  for (const auto& r : results) n += r.outcome == o ? 1 : 0;
  return n;
}

int EchoClientStats::count_between(Outcome o, Time from, Time to) const {
  int n = 0;
  for (const auto& r : results) n += (r.outcome == o && r.sent >= from && r.sent < to) ? 1 : 0;
  return n;
}

void start_echo_server(Env& env, EchoServerConfig cfg, std::shared_ptr<EchoServerStats> stats) {
  ++stats->boots;
  auto count = std::make_shared<std::int64_t>(load_count(env));
  env.set_inbox(Inbox{
      [&env, cfg, stats, count](const NodeId& from, std::string frame) {
        std::istringstream in(frame);
        std::string tag;
        std::uint64_t id = 0;
        in >> tag >> id;
        if (tag != "req") return;
        ++stats->requests;
        stats->order.push_back(id);
        ++*count;
        env.storage().put("count", std::to_string(*count));
        if (cfg.sync_each_write) env.storage().sync();
        std::string reply = "rep " + std::to_string(id) + " " + std::to_string(*count);
        if (cfg.ops_per_request <= 0) {
          env.send(from, std::move(reply));
          return;
        }
        env.spawn("work", [&env, from, reply, ops = cfg.ops_per_request]() mutable {
          env.compute(ops);
          env.send(from, std::move(reply));
        });
      },
      [](const NodeId&) {},
  });
}

void start_echo_client(Env& env, EchoClientConfig cfg, std::shared_ptr<EchoClientStats> stats) {
  auto st = std::make_shared<ClientState>();
  env.set_inbox(Inbox{
      [st, stats](const NodeId&, std::string frame) {
        std::istringstream in(frame);
        std::string tag;
        std::uint64_t id = 0;
        std::int64_t count = -1;
        in >> tag >> id >> count;
        if (tag != "rep" || id != st->waiting_for || st->current == nullptr) {
          ++stats->stray_replies;
          return;
        }
        st->current->outcome = Outcome::kOk;
        st->current->count = count;
        st->waiting_for = 0;
        st->signal->notify();
      },
      [st, server = cfg.server](const NodeId& peer) {
        if (peer != server || st->current == nullptr || st->waiting_for == 0) return;
        st->current->outcome = Outcome::kReset;
        st->waiting_for = 0;
        st->signal->notify();
      },
  });
  env.spawn("client", [&env, cfg, stats, st] {
    const std::string payload(cfg.payload_bytes, 'x');
    for (int i = 1; i <= cfg.requests; ++i) {
      stats->results.push_back(EchoResult{static_cast<std::uint64_t>(i), Outcome::kTimeout, env.now(), 0, -1});
      st->current = &stats->results.back();
      st->waiting_for = static_cast<std::uint64_t>(i);
      st->signal = env.make_signal();
      env.send(cfg.server, "req " + std::to_string(i) + " " + payload);
      st->signal->wait_until(env.now() + cfg.timeout);
      st->current->ended = env.now();
      st->current = nullptr;
      st->waiting_for = 0;
      env.sleep_for(cfg.interval);
    }
    stats->done = true;
  });
}

}  // namespace amino::simtest
