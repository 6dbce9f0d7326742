// Application classes and helpers for the DM library tests (on top of tests/kernel's cluster).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {

// A tally whose increment blocks mid-method (CPU work yields the node), so concurrent calls can
// interleave inside it; it records the most calls it ever saw inside slow_add at once.
class SlowTally : public MicroService {
 public:
  std::int64_t slow_add(std::int64_t d, double ops) {
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    const std::int64_t before = value_;
    runtime().compute(ops);
    value_ = before + d;
    --inside_;
    return value_;
  }
  std::int64_t get() const { return value_; }
  std::int64_t max_overlap() const { return max_inside_; }
  static void describe(ClassBuilder<SlowTally>& c) {
    c.writes("slow_add", &SlowTally::slow_add)
        .reads("get", &SlowTally::get)
        .reads("max_overlap", &SlowTally::max_overlap)
        .field("value", &SlowTally::value_)
        .field("max_inside", &SlowTally::max_inside_);
  }

 private:
  std::int64_t value_ = 0;
  std::int64_t inside_ = 0;  // transient: calls in flight are drained before any move
  std::int64_t max_inside_ = 0;
};

// A work pad for the mobility DMs. The in-process world gives every node the same CPU speed, so
// the pad models a slow phone itself: work on the node "client" costs kDeviceSlowdown times more.
class Workpad : public MicroService {
 public:
  static constexpr double kDeviceSlowdown = 20;
  // Mutating: CPU work, then counts itself; returns where it ran.
  std::string crunch(double ops) {
    runtime().compute(runtime().node() == "client" ? ops * kDeviceSlowdown : ops);
    ++total_;
    return runtime().node();
  }
  // Read-only CPU work; returns where it ran.
  std::string peek(double ops) {
    runtime().compute(runtime().node() == "client" ? ops * kDeviceSlowdown : ops);
    return runtime().node();
  }
  std::int64_t add(std::int64_t d) { return total_ += d; }
  std::int64_t total() const { return total_; }
  std::string where() const { return runtime().node(); }
  // Declared for the DMs that intercept them; the bodies must never run under those DMs.
  void migrateTo(const std::string&) { throw std::logic_error("migrateTo reached the object"); }
  void setOffloaded(const std::string&, bool) { throw std::logic_error("setOffloaded reached the object"); }
  void pull() { throw std::logic_error("pull reached the object"); }
  void push() { throw std::logic_error("push reached the object"); }
  static void describe(ClassBuilder<Workpad>& c) {
    c.writes("crunch", &Workpad::crunch)
        .reads("peek", &Workpad::peek)
        .writes("add", &Workpad::add)
        .reads("total", &Workpad::total)
        .reads("where", &Workpad::where)
        .writes("migrateTo", &Workpad::migrateTo)
        .writes("setOffloaded", &Workpad::setOffloaded)
        .writes("pull", &Workpad::pull)
        .writes("push", &Workpad::push)
        .field("total", &Workpad::total_);
  }

 private:
  std::int64_t total_ = 0;
};

// The cluster of tests/kernel plus the classes above; `cloud` extra kernel servers labelled
// tier=cloud (cloud1, cloud2, ... in region "cloud").
class LibCluster : public InProcCluster {
 public:
  explicit LibCluster(int cloud = 0, ClusterOptions o = {}) : InProcCluster(std::move(o)) {
    classes().add<SlowTally>("SlowTally");
    classes().add<Workpad>("Workpad");
    for (int i = 1; i <= cloud; ++i) add_kernel("cloud" + std::to_string(i), "cloud", {{"tier", "cloud"}});
    const std::size_t want = 4 + static_cast<std::size_t>(cloud);
    world().run_until([this, want] { return oms().nodes().size() == want; }, world().now() + 5 * kSecond);
  }

  // Creates a microservice from `node` (run in a context there); throws on failure.
  Stub create(const std::string& spec, const NodeId& node = "client") {
    Stub s;
    std::string error;
    const bool done = run(node, [&] {
      try {
        s = kernel(node).create(spec);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    if (!done || !error.empty()) throw std::runtime_error("create failed: " + error);
    return s;
  }

  // A reference to `id` held by another node.
  Stub acquire_on(const NodeId& node, const std::string& id) {
    Stub s;
    run(node, [&] { s = kernel(node).acquire(id); });
    return s;
  }

  // One call from `node`, run to completion.
  Reply call(const NodeId& node, const Stub& s, const std::string& method, ValueList args = {},
             Duration timeout = 0) {
    Reply r = Reply::error(Code::kInternal, "did not finish");
    run(node, [&] { r = s.invoke(method, std::move(args), timeout); });
    return r;
  }

  // The node hosting the first physical replica of `s`.
  NodeId host(const Stub& s) {
    const auto stacks = oms().stacks_of(s.id());
    return stacks.empty() ? NodeId{} : host_of(stacks.front());
  }

  // Per-caller metrics of the first physical replica of `s`.
  Metrics metrics(const Stub& s) {
    const auto stacks = oms().stacks_of(s.id());
    const NodeId h = host(s);
    if (h.empty()) return {};
    return kernel(h).object(stacks.front())->metrics();
  }

  Status migrate(const Stub& s, const NodeId& to) {
    Status st{Code::kInternal, "did not finish", {}};
    run("oms", [&] { st = oms().migrate(s.id(), to); });
    return st;
  }

  // Runs the world for `d`, sampling the host of `s` every `step`; returns every change as "node".
  std::vector<NodeId> watch_moves(const Stub& s, Duration d, Duration step = 100 * kMillisecond) {
    std::vector<NodeId> moves;
    NodeId at = host(s);
    for (Duration t = 0; t < d; t += step) {
      world().run_for(step);
      const NodeId now = host(s);
      if (!now.empty() && now != at) moves.push_back(now);
      if (!now.empty()) at = now;
    }
    return moves;
  }

  // Starts a background caller on `node` that invokes `method` every `every` until simulated time
  // `until`; it counts its successful calls in *ok (which must outlive the world's run).
  void start_caller(const NodeId& node, const Stub& s, const std::string& method, ValueList args, Duration every,
                    Time until, int* ok) {
    world().node(node).spawn("caller", [this, node, s, method, args, every, until, ok] {
      Env& env = world().node(node);
      while (env.now() < until) {
        if (s.invoke(method, args).ok()) ++*ok;
        env.sleep_for(every);
      }
    });
  }
};

}  // namespace amino::testing
