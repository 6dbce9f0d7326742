#include "runtime/inproc/inproc_world.h"

#include <cstdio>
#include <stdexcept>

#include "runtime/inproc/inproc_env.h"

namespace amino::inproc {

InProcWorld::InProcWorld(WorldOptions options)
    : options_(options), rng_(options.seed), fibers_(256 * 1024, [](const std::string& what) {
        std::fprintf(stderr, "inproc: exception escaped an execution context: %s\n", what.c_str());
      }) {}

InProcWorld::~InProcWorld() = default;

Env& InProcWorld::add_node(const NodeId& id) {
  if (nodes_.count(id) != 0) throw std::invalid_argument("node " + id + " exists already");
  auto env = std::make_unique<InProcEnv>(*this, id, rng_.fork());
  Env& ref = *env;
  nodes_.emplace(id, std::move(env));
  return ref;
}

Env& InProcWorld::node(const NodeId& id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) throw std::invalid_argument("unknown node " + id);
  return *it->second;
}

std::uint64_t InProcWorld::schedule(Time at, InProcEnv* node, std::function<void()> fn) {
  const std::uint64_t seq = next_seq_++;
  queue_.push(Event{at, seq, node, std::move(fn)});
  return seq;
}

bool InProcWorld::step() {
  if (queue_.empty()) return false;
  Event e = queue_.top();
  queue_.pop();
  if (cancelled_.erase(e.seq) != 0) return true;
  now_ = std::max(now_, e.at);
  if (e.node != nullptr && e.node->crashed) return true;
  ++events_run_;
  try {
    e.fn();
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "inproc: event on %s threw: %s\n", e.node ? e.node->self().c_str() : "-", ex.what());
  }
  return true;
}

void InProcWorld::run_until(Time t) {
  while (!queue_.empty() && queue_.top().at <= t) step();
  now_ = std::max(now_, t);
}

bool InProcWorld::run_until(const std::function<bool()>& pred, Time limit) {
  while (!pred()) {
    if (queue_.empty() || queue_.top().at > limit) {
      now_ = std::max(now_, limit);
      return pred();
    }
    step();
  }
  return true;
}

bool InProcWorld::run_task(const NodeId& node, std::function<void()> fn, Duration limit) {
  auto done = std::make_shared<bool>(false);
  this->node(node).spawn("task", [fn = std::move(fn), done] {
    fn();
    *done = true;
  });
  return run_until([done] { return *done; }, now_ + limit);
}

void InProcWorld::deliver(InProcEnv& from, const NodeId& to, std::string frame) {
  auto it = nodes_.find(to);
  if (it == nodes_.end() || from.crashed || is_cut(from.self(), to)) return;  // silently lost
  InProcEnv* dst = it->second.get();
  const NodeId sender = from.self();
  schedule(now_ + options_.latency, dst, [this, dst, sender, frame = std::move(frame)]() mutable {
    if (is_cut(sender, dst->self()) || !dst->inbox().on_message) return;
    ++messages_delivered_;
    dst->inbox().on_message(sender, std::move(frame));
  });
}

void InProcWorld::crash(const NodeId& id) {
  auto& env = static_cast<InProcEnv&>(node(id));
  env.crashed = true;
  (void)env.memory_storage().crash(/*wipe_synced=*/false);
}

Env& InProcWorld::restart(const NodeId& id, bool keep_storage) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) throw std::invalid_argument("unknown node " + id);
  if (!it->second->crashed) throw std::logic_error("restart of " + id + " which has not crashed");
  auto fresh = std::make_unique<InProcEnv>(*this, id, rng_.fork());
  if (keep_storage) fresh->memory_storage() = it->second->memory_storage();
  retired_.push_back(std::move(it->second));
  it->second = std::move(fresh);
  return *it->second;
}

bool InProcWorld::crashed(const NodeId& id) const {
  auto it = nodes_.find(id);
  return it != nodes_.end() && it->second->crashed;
}

void InProcWorld::cut(const NodeId& a, const NodeId& b) {
  cuts_.insert({a, b});
  cuts_.insert({b, a});
}

void InProcWorld::heal(const NodeId& a, const NodeId& b) {
  cuts_.erase({a, b});
  cuts_.erase({b, a});
}

bool InProcWorld::is_cut(const NodeId& a, const NodeId& b) const { return cuts_.count({a, b}) != 0; }

}  // namespace amino::inproc
