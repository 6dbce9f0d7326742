#include "sim/sim_world.h"

#include <cmath>
#include <stdexcept>

#include "runtime/fiber/asan.h"
#include "runtime/probe_json.h"
#include "testbed/partitions.h"
#include "sim/actor_guard.h"
#include "sim/platform_build.h"

namespace amino::sim {

namespace sg = simgrid::s4u;

namespace {

bool g_world_created = false;

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

void throw_if_invalid(const std::vector<std::string>& errors, const std::string& what) {
  if (errors.empty()) return;
  std::string msg = "invalid " + what + ":";
  for (const auto& e : errors) msg += "\n  - " + e;
  throw std::invalid_argument(msg);
}

std::string netfault_detail(const testbed::FaultEvent& e) {
  std::string d = testbed::fault_event_name(e.kind);
  if (e.delay != 0) d += " " + std::to_string(e.delay) + "ns";
  if (e.on_receive) d += " at-receiver";
  return d;
}

}  // namespace

std::string RunReport::to_string() const {
  std::string s = "t=" + std::to_string(to_seconds(now)) + "s sent=" + std::to_string(frames_sent) +
                  " delivered=" + std::to_string(frames_delivered) + " lost=" + std::to_string(frames_lost);
  if (deadlock) {
    s += " DEADLOCK:";
    for (const auto& b : blocked) s += " " + b;
  }
  for (const auto& e : errors) s += "\n  error: " + e;
  return s;
}

SimWorld::SimWorld(SimOptions options)
    : options_(std::move(options)), rng_(options_.seed), fault_state_(std::make_shared<testbed::FaultState>()),
      trace_(options_.keep_trace_events) {
  options_.platform.check();
  if (g_world_created) {
    throw std::logic_error(
        "only one SimWorld per process: SimGrid's Engine cannot be reset. Run each simulation in a fresh "
        "process (one ctest test per process, or sim/isolate.h run_isolated)");
  }
  g_world_created = true;
  create_engine();
  build_platform(options_.platform);
  create_nodes();
  controller_wake_ = sg::Semaphore::create(0);
  sg::Actor::create("controller", sg::Host::by_name("__controller"), [this] {
    guarded([this](const std::string& e) { record_error(e); }, "controller", [this] { controller_loop(); });
  });
}

namespace {

// What finished worlds leak on purpose (~SimWorld), kept reachable from a never-destroyed object so
// that LeakSanitizer (scripts/sanitize.sh) tells it from real leaks.
struct KeptWorldState {
  std::vector<std::unique_ptr<SimEnv>> envs;
  std::vector<std::unique_ptr<testbed::FaultyEnv>> faulty_envs;
  std::vector<sg::SemaphorePtr> semaphores;
};
KeptWorldState& kept_world_state() {
  static auto* kept = new KeptWorldState();
  return *kept;
}

}  // namespace

// SimGrid refuses to destroy a mutex, semaphore or condition variable that an actor still waits on,
// and the actors of a finished run are never unwound. So the world's SimGrid-facing state is leaked
// on purpose, like the Engine itself: a process hosts one run and ends soon after.
SimWorld::~SimWorld() {
  KeptWorldState& kept = kept_world_state();
  for (auto& [name, n] : nodes_) {
    kept.envs.push_back(std::move(n.sim));
    kept.faulty_envs.push_back(std::move(n.faulty));
  }
  kept.semaphores.push_back(std::move(controller_wake_));
}

void SimWorld::create_engine() {
  static std::vector<std::string> args;  // SimGrid keeps pointers into argv
  args = {"amino-sim", "--log=xbt_cfg.thres:warning", "--log=ker_engine.thres:error"};
#if AMINO_ASAN
  // Under AddressSanitizer, actors run as threads: SimGrid's own (raw) context switches are not
  // annotated for ASan in Debian's build, and an exception unwinding an actor's stack would leave
  // false stack-overflow reports behind (scripts/sanitize.sh). Same schedule, same trace hashes.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  for (const auto& a : options_.simgrid_args) {
    if (a == "--help" || a == "--version") throw std::invalid_argument("SimGrid flag " + a + " would exit the process");
    args.push_back(a);
  }
  static std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  static int argc = static_cast<int>(argv.size());
  new sg::Engine(&argc, argv.data());
  sg::Engine::set_config("network/model:" + options_.platform.network_model);
  sg::Engine::set_config("contexts/stack-size:" + std::to_string(options_.stack_kib));
}

void SimWorld::create_nodes() {
  Rng root(options_.seed);
  for (const auto& name : nodes()) {  // sorted: the fork order is part of the seed's meaning
    Node n;
    n.sim = std::make_unique<SimEnv>(*this, name, sg::Host::by_name(name), root.fork());
    n.faulty = std::make_unique<testbed::FaultyEnv>(*n.sim, fault_state_, root.fork());
    n.faulty->set_observer([this, name](const testbed::FaultEvent& e) {
      record({true_now(), name, "netfault", e.from == name ? e.to : e.from, 0, 0, 0, netfault_detail(e)});
    });
    nodes_.emplace(name, std::move(n));
  }
  rng_ = root.fork();
  for (auto& [name, n] : nodes_) n.sim->start();
}

std::vector<NodeId> SimWorld::nodes() const {
  std::vector<NodeId> out;
  for (const auto& h : options_.platform.hosts) out.push_back(h.name);
  std::sort(out.begin(), out.end());
  return out;
}

bool SimWorld::up(const NodeId& id) { return node(id).sim->up(); }

SimWorld::Node& SimWorld::node(const NodeId& id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) throw std::invalid_argument("unknown node '" + id + "'");
  return it->second;
}

Env& SimWorld::env(const NodeId& id) { return *node(id).faulty; }
SimEnv& SimWorld::sim_env(const NodeId& id) { return *node(id).sim; }
testbed::FaultyEnv& SimWorld::faulty_env(const NodeId& id) { return *node(id).faulty; }

void SimWorld::set_boot(const NodeId& id, BootFn boot) {
  Node& n = node(id);
  n.sim->set_boot([env = n.faulty.get(), boot = std::move(boot)] { boot(*env); });
}

Time SimWorld::true_now() { return static_cast<Time>(std::llround(sg::Engine::get_clock() * 1e9)); }
Time SimWorld::now() const { return true_now(); }

RunReport SimWorld::run_until(Time t) {
  if (t < now()) throw std::invalid_argument("run_until: time is in the past");
  sg::Engine::get_instance()->run_until(to_seconds(t));
  report_.now = now();
  check_deadlock();
  return report_;
}

void SimWorld::check_deadlock() {
  bool contexts = false, all_forever = true, timers = false;
  std::uint64_t in_flight = 0;
  std::vector<std::string> blocked;
  for (const auto& [name, n] : nodes_) {
    const Incarnation* inc = n.sim->incarnation();
    if (inc == nullptr) continue;
    contexts = contexts || inc->live_contexts > 0;
    all_forever = all_forever && inc->forever_waiters.size() == static_cast<std::size_t>(inc->live_contexts);
    timers = timers || !inc->timers.empty() || inc->paused;
    in_flight += inc->in_flight;
    for (const auto& [id, ctx] : inc->forever_waiters) blocked.push_back(name + ":" + ctx);
  }
  const bool deadlock = contexts && all_forever && !timers && in_flight == 0 && pending_.empty();
  if (deadlock && !report_.deadlock) record({now(), "*", "deadlock", "", 0, 0, 0, std::to_string(blocked.size())});
  report_.deadlock = deadlock;
  report_.blocked = deadlock ? blocked : std::vector<std::string>{};
}

void SimWorld::transmit(SimEnv& from, const NodeId& to, std::string frame) {
  const std::uint64_t id = ++next_message_;
  ++report_.frames_sent;
  record({true_now(), from.self(), "send", to, id, frame.size(), frame_digest(frame), ""});
  // Only kept events are exported: long runs that keep just the hash skip parsing frames for labels.
  if (trace_.keeps_events()) trace_.label_message(id, call_labels_.label(from.self(), to, frame));
  auto it = nodes_.find(to);
  if (it == nodes_.end() || !it->second.sim->up()) {
    // A powered-off host answers nothing: the frame vanishes (the sender's deadline will tell).
    ++report_.frames_lost;
    record({true_now(), from.self(), "lost", to, id, 0, 0, it == nodes_.end() ? "unknown node" : "node down"});
    return;
  }
  SimEnv& dst = *it->second.sim;
  sg::Mailbox* mb = dst.mailbox_from(from.self());
  const std::uint64_t size = frame.size() + options_.frame_overhead_bytes;
  const Duration hold = transport_.active() ? transport_.extra_delay(from.self(), to, static_cast<std::int64_t>(size), true_now()) : 0;
  auto* e = new Envelope{from.self(), std::move(frame), id, dst.incarnation(), hold};
  ++e->to->in_flight;
  mb->put_init(e, size)->detach([this](void* p) {
    // Only frames that never reached a receiver come here (host or link failure mid-flight).
    auto* env = static_cast<Envelope*>(p);
    --env->to->in_flight;
    count_lost();
    delete env;
  });
}

void SimWorld::record(TraceEvent e) { trace_.record(std::move(e)); }

void SimWorld::record_error(const std::string& what) {
  report_.errors.push_back(what);
  record({true_now(), "*", "error", "", 0, 0, 0, what});
}

void SimWorld::apply(const testbed::Fault& fault) {
  throw_if_invalid(testbed::validate(fault, options_.platform), std::string(testbed::fault_type(fault)) + " fault");
  apply_now(fault);
}

void SimWorld::schedule(Time at, testbed::Fault fault) {
  if (at < now()) throw std::invalid_argument("fault scheduled in the past: " + testbed::describe(fault));
  throw_if_invalid(testbed::validate(fault, options_.platform), std::string(testbed::fault_type(fault)) + " fault");
  pending_.emplace(at, PendingFault{std::move(fault), false});
  controller_wake_->release();
}

void SimWorld::schedule(const testbed::FaultSchedule& s) {
  throw_if_invalid(testbed::validate(s, options_.platform), "fault schedule");
  for (const auto& sf : s.faults) schedule(sf.at, sf.fault);
  for (const auto& t : s.triggers) arm(t);
}

void SimWorld::arm(testbed::ProbeTrigger trigger) {
  throw_if_invalid(testbed::validate(trigger, options_.platform), "trigger");
  armed_.push_back({std::move(trigger), 0, false});
}

bool SimWorld::record_probe(const NodeId& node, std::string_view kind, ProbeFields fields) {
  probes_.push_back(ProbeRecord{true_now(), node, std::string(kind), std::move(fields)});
  const ProbeRecord& p = probes_.back();
  if (trace_.keeps_events()) {
    trace_.note({p.time, node, "probe", "", 0, 0, 0, p.kind + " " + probe_fields_json(p.fields).dump()});
  }
  bool fired = false;
  for (std::size_t i = 0; i < armed_.size(); ++i) {
    Armed& a = armed_[i];
    if (a.fired || !testbed::trigger_counts(a.trigger, p)) continue;
    if (++a.seen == a.trigger.nth) {
      fire(i, probes_.size() - 1);
      fired = true;
    }
  }
  return fired;
}

// Called from the probing node's code: the faults go through the controller (never applied here,
// where a crash would kill the very actor that runs this), `after` from now, in their order. The
// controller is woken by the caller once the probing task yields (record_probe).
void SimWorld::fire(std::size_t armed, std::size_t probe) {
  Armed& a = armed_[armed];
  a.fired = true;
  const ProbeRecord& p = probes_[probe];
  record({p.time, p.node, "trigger", "", armed, 0, 0, testbed::describe(a.trigger)});
  Firing firing{armed, probe, {}};
  for (const auto& sf : a.trigger.faults) {
    testbed::Fault f = testbed::resolve_probe_node(sf.fault, p.node);
    const auto errors = testbed::validate(f, options_.platform);
    if (!errors.empty()) {
      record_error("trigger " + testbed::describe(a.trigger) + " on " + p.node + ": " + errors.front());
      continue;
    }
    if (const NodeId* n = testbed::lifecycle_node(f)) triggered_nodes_.insert(*n);
    firing.faults.push_back({p.time + sf.at, f});
    pending_.emplace(p.time + sf.at, PendingFault{std::move(f), true});
  }
  firings_.push_back(std::move(firing));
}

// Why a crash/restart/pause/resume does not fit its node's state now ("" when it does).
std::string SimWorld::lifecycle_misfit(const testbed::Fault& f) {
  const NodeId* n = testbed::lifecycle_node(f);
  if (n == nullptr) return "";
  const SimEnv& env = *node(*n).sim;
  if (std::holds_alternative<testbed::CrashFault>(f) && !env.up()) return "already down";
  if (std::holds_alternative<testbed::RestartFault>(f) && env.up()) return "up";
  if (std::holds_alternative<testbed::PauseFault>(f) && (!env.up() || env.paused())) return "down or paused";
  if (std::holds_alternative<testbed::ResumeFault>(f) && !env.paused()) return "not paused";
  return "";
}

void SimWorld::controller_loop() {
  Time woke_for = -1;
  for (;;) {
    if (pending_.empty()) {
      controller_wake_->acquire();
      continue;
    }
    const Time at = pending_.begin()->first;
    if (at > true_now() && at > woke_for) {
      const double wait = std::max(0.0, to_seconds(at) - sg::Engine::get_clock());
      if (controller_wake_->acquire_timeout(wait)) woke_for = at;  // true: timed out
      continue;
    }
    PendingFault pf = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    const testbed::Fault& f = pf.fault;
    const NodeId* n = testbed::lifecycle_node(f);
    if (n != nullptr && (pf.triggered || triggered_nodes_.count(*n) != 0)) {
      if (std::string why = lifecycle_misfit(f); !why.empty()) {
        record({now(), *n, "fault_skipped", "", 0, 0, 0, testbed::describe(f) + ": node " + why});
        continue;
      }
    }
    try {
      apply_now(f);
    } catch (const std::exception& e) {
      record_error("fault " + testbed::describe(f) + ": " + e.what());
    }
  }
}

void SimWorld::open_partition(const testbed::Fault& f) {
  open_partitions_.push_back(testbed::describe(f));
  record({now(), "*", "fault_begin", "", 0, 0, 0, open_partitions_.back()});
}

void SimWorld::close_partitions() {
  for (const auto& p : open_partitions_) record({now(), "*", "fault_end", "", 0, 0, 0, p});
  open_partitions_.clear();
}

void SimWorld::apply_now(const testbed::Fault& fault) {
  record({now(), "*", "fault", "", 0, 0, 0, testbed::describe(fault)});
  if (std::holds_alternative<testbed::HealFault>(fault)) close_partitions();
  if (testbed::apply_message_fault(fault, *fault_state_, nodes(), [](const NodeId& n) { return n; })) {
    if (!std::holds_alternative<testbed::HealFault>(fault) &&
        !std::holds_alternative<testbed::MessageFaultsFault>(fault) &&
        !std::holds_alternative<testbed::ClearMessageFaultsFault>(fault)) {
      open_partition(fault);
    }
    return;
  }
  std::visit(
      Overloaded{
          [&](const testbed::LinkChangeFault& l) {
            sg::Link* link = sg::Link::by_name(l.link);
            if (l.latency) link->set_latency(to_seconds(*l.latency));
            if (l.bandwidth) link->set_bandwidth(*l.bandwidth);
          },
          [&](const testbed::CrashFault& c) {
            const std::string lost = node(c.node).sim->crash(c.wipe_storage);
            transport_.forget(c.node);  // its TCP connections die with it
            record({now(), c.node, "fault_begin", "", 0, 0, 0, "down"});
            record({now(), c.node, "storage", "", 0, 0, 0, lost});
          },
          [&](const testbed::RestartFault& r) {
            node(r.node).sim->restart();
            record({now(), r.node, "fault_end", "", 0, 0, 0, "down"});
          },
          [&](const testbed::PauseFault& p) {
            node(p.node).sim->pause();
            record({now(), p.node, "fault_begin", "", 0, 0, 0, "paused"});
          },
          [&](const testbed::ResumeFault& r) {
            node(r.node).sim->resume();
            record({now(), r.node, "fault_end", "", 0, 0, 0, "paused"});
          },
          [&](const testbed::ClockFault& c) { node(c.node).sim->set_clock(c.offset, c.drift); },
          [&](const testbed::TornWriteFault& t) { node(t.node).sim->sim_storage().arm_torn_write(); },
          [&](const auto&) {},  // message-layer faults: applied above
      },
      fault);
}

}  // namespace amino::sim
