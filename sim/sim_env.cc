#include "sim/sim_env.h"

#include <cmath>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "sim/actor_guard.h"
#include "sim/sim_world.h"

namespace amino::sim {

namespace sg = simgrid::s4u;

namespace {

double seconds(Time t) { return static_cast<double>(t) / kSecond; }

// The node lock is held by whoever runs node code (Incarnation::current names that runner).
// unlocked() releases it around a blocking SimGrid wait and takes it back; after a forceful kill it
// is left alone (it dies with its incarnation).
template <class F> auto unlocked(Incarnation& inc, F&& wait) {
  Runner* me = inc.current;
  inc.current = nullptr;
  inc.lock.unlock();
  try {
    auto r = wait();
    inc.lock.lock();
    inc.current = me;
    return r;
  } catch (const simgrid::ForcefulKillException&) {
    throw;
  } catch (...) {
    inc.lock.lock();
    inc.current = me;
    throw;
  }
}

// Runs node code as `me`, holding the node lock; ordinary exceptions release it, a kill does not.
template <class F> void locked(Incarnation& inc, Runner& me, F&& body) {
  inc.lock.lock();
  inc.current = &me;
  try {
    body();
  } catch (const simgrid::ForcefulKillException&) {
    throw;
  } catch (...) {
    inc.current = nullptr;
    inc.lock.unlock();
    throw;
  }
  inc.current = nullptr;
  inc.lock.unlock();
}

// Blocks on `sem` until released or until true time `due` (kForever: no deadline). True if released.
bool acquire_until(const sg::SemaphorePtr& sem, Time due) {
  if (due >= kForever) {
    sem->acquire();
    return true;
  }
  return !sem->acquire_timeout(std::max(0.0, seconds(due) - sg::Engine::get_clock()));  // true = timed out
}

// What a deadlock report calls the waiting context: the task its runner runs, else the actor.
std::string current_context_name(const Incarnation& inc) {
  if (inc.current != nullptr && inc.current->task != nullptr) return *inc.current->task;
  return sg::this_actor::get_name();
}

// Idle runners kept per incarnation beyond which a runner with nothing to do exits.
constexpr int kMaxIdleWorkers = 8;

// A Signal is a semaphore released once per waiter when notified; notified_ answers later waits.
class SimSignal : public Signal {
 public:
  SimSignal(SimEnv& env, Incarnation* inc, std::uint64_t* next_waiter)
      : env_(env), inc_(inc), next_waiter_(next_waiter), sem_(sg::Semaphore::create(0)) {}

  void notify() override {
    if (notified_) return;
    notified_ = true;
    for (int i = 0; i < waiters_; ++i) inc_->lock.release_after_unlock(sem_);
  }
  bool notified() const override { return notified_; }

  bool wait_until(Time deadline) override {
    if (notified_) return true;
    const bool forever = deadline >= kForever;
    const Time due = forever ? kForever : env_.true_time_of(deadline);
    if (!forever && due <= SimWorld::true_now()) return false;
    const std::uint64_t me = ++*next_waiter_;
    if (forever) inc_->forever_waiters[me] = current_context_name(*inc_);
    env_.release_channel(inc_);
    ++waiters_;  // before unlocking: a notify while the lock changes hands must release us
    unlocked(*inc_, [&] { return acquire_until(sem_, due); });
    --waiters_;
    inc_->forever_waiters.erase(me);
    return notified_;
  }

 private:
  SimEnv& env_;
  Incarnation* inc_;
  std::uint64_t* next_waiter_;
  sg::SemaphorePtr sem_;
  int waiters_ = 0;
  bool notified_ = false;
};

}  // namespace

SimEnv::SimEnv(SimWorld& world, NodeId id, sg::Host* host, Rng rng)
    : world_(world), id_(std::move(id)), host_(host), rng_(std::move(rng)), session_(draw_session_id(rng_)) {}

Time SimEnv::now() const {
  const Time t = SimWorld::true_now();
  return base_local_ + static_cast<Time>(std::llround(static_cast<double>(t - base_true_) * rate_));
}

Time SimEnv::true_time_of(Time local) const {
  return base_true_ + static_cast<Time>(std::ceil(static_cast<double>(local - base_local_) / rate_));
}

bool SimEnv::stale_caller() const {
  // An actor of an ended incarnation still unwinding (killed by a crash) must not act any more.
  if (inc_ == nullptr) return true;
  if (sg::Actor::is_maestro()) return false;
  const auto* tag = sg::Actor::self()->get_data<Incarnation>();
  return tag != nullptr && tag != inc_;
}

void SimEnv::send(const NodeId& to, std::string frame) {
  if (stale_caller()) return;
  world_.transmit(*this, to, std::move(frame));
}

void SimEnv::set_inbox(Inbox inbox) {
  if (inc_ != nullptr) inc_->inbox = std::move(inbox);
}

TimerId SimEnv::add_timer(Duration after, Task fn, bool traced) {
  if (stale_caller()) return 0;
  const Duration real_after = static_cast<Duration>(std::ceil(static_cast<double>(std::max<Duration>(after, 0)) / rate_));
  const Time due = SimWorld::true_now() + real_after;
  const TimerId id = ++next_timer_;
  inc_->timers.emplace(std::make_pair(due, id), TimerEntry{std::move(fn), traced});
  inc_->deadline_of[id] = due;
  if (due < inc_->timer_sleeps_until && !inc_->timer_wake_pending) {
    inc_->timer_wake_pending = true;
    inc_->lock.release_after_unlock(inc_->timer_wake);
  }
  return id;
}

TimerId SimEnv::arm_timer(Duration after, Task fn) { return add_timer(after, std::move(fn), true); }

void SimEnv::post(Task fn) { add_timer(0, std::move(fn), false); }

void SimEnv::cancel_timer(TimerId id) {
  if (inc_ == nullptr) return;
  auto it = inc_->deadline_of.find(id);
  if (it == inc_->deadline_of.end()) return;
  inc_->timers.erase({it->second, id});
  inc_->deadline_of.erase(it);
}

void SimEnv::run_node_code(const std::string& what, const Task& fn) {
  guarded([this](const std::string& e) { world_.record_error(e); }, id_ + ":" + what, fn);
}

void SimEnv::timer_loop(Incarnation* inc) {
  Runner me;
  locked(*inc, me, [&] {
    Time woke_for = -1;  // a deadline whose wait timed out: due even if float rounding disagrees
    for (;;) {
      const Time due = inc->timers.empty() ? kForever : inc->timers.begin()->first.first;
      if (due > SimWorld::true_now() && due > woke_for) {
        inc->timer_sleeps_until = due;
        const bool woken = unlocked(*inc, [&] { return acquire_until(inc->timer_wake, due); });
        inc->timer_sleeps_until = -1;
        inc->timer_wake_pending = false;
        if (!woken) woke_for = due;
        continue;
      }
      auto it = inc->timers.begin();
      const TimerId id = it->first.second;
      TimerEntry entry = std::move(it->second);
      inc->timers.erase(it);
      inc->deadline_of.erase(id);
      if (entry.traced) world_.record({SimWorld::true_now(), id_, "timer", "", id, 0, 0, ""});
      run_node_code("timer", entry.fn);
    }
  });
}

// Every actor of a node but the timer and the pauser runs this loop, holding the node lock except
// while it waits. A runner with a channel receives that sender's frames in order and delivers them;
// when a frame spawns a task (a request), the runner runs that task itself right after delivering
// it — no other actor is woken, as one more actor hop per request had cost about a fifth of a
// simulated RPC. Should the task block, the runner first hands its channel to an idle runner
// (release_channel), and becomes a plain worker once the task ends. A runner without a channel
// takes orphaned channels first, then queued tasks (FIFO), else waits idle (or exits, when
// kMaxIdleWorkers already wait).
void SimEnv::runner_loop(Incarnation* inc, Runner& me) {
  locked(*inc, me, [&] {
    for (;;) {
      if (me.channel != nullptr) {
        receive_one(inc, me);
        continue;
      }
      if (!inc->orphans.empty()) {
        me.channel = inc->orphans.front();
        inc->orphans.pop_front();
        continue;
      }
      if (!inc->ready.empty()) {
        run_task(inc, me);
        continue;
      }
      if (inc->idle_workers >= kMaxIdleWorkers) return;
      ++inc->idle_workers;
      unlocked(*inc, [&] { return acquire_until(inc->work_ready, kForever); });
    }
  });
}

void SimEnv::receive_one(Incarnation* inc, Runner& me) {
  sg::Mailbox* mb = me.channel;
  Envelope* raw = nullptr;
  try {
    raw = unlocked(*inc, [&] { return mb->get<Envelope>(); });
  } catch (const simgrid::NetworkFailureException&) {
    return;  // the sender's host or a link died mid-transfer: the frame is lost
  }
  std::unique_ptr<Envelope> e(raw);
  if (e->hold > 0) {
    unlocked(*inc, [&] {
      sg::this_actor::sleep_for(seconds(e->hold));
      return true;
    });
  }
  --inc->in_flight;
  world_.count_delivered();
  if (inc != inc_) return;
  world_.record({SimWorld::true_now(), id_, "recv", e->from, e->id, e->frame.size(), 0, ""});
  if (!inc->inbox.on_message) return;
  me.may_claim = true;
  run_node_code("on_message", [&] { inc->inbox.on_message(e->from, std::move(e->frame)); });
  me.may_claim = false;
  if (me.claimed) {
    me.claimed = false;
    if (!inc->ready.empty()) run_task(inc, me);
  }
}

void SimEnv::run_task(Incarnation* inc, Runner& me) {
  auto [name, fn] = std::move(inc->ready.front());
  inc->ready.pop_front();
  me.task = &name;
  run_node_code(name, fn);
  me.task = nullptr;
  --inc->live_contexts;
}

void SimEnv::release_channel(Incarnation* inc) {
  Runner* r = inc->current;
  if (r == nullptr || r->channel == nullptr || r->task == nullptr) return;
  inc->orphans.push_back(r->channel);
  r->channel = nullptr;
  wake_runner(inc);
}

sg::Mailbox* SimEnv::mailbox_from(const NodeId& from) {
  Incarnation* inc = inc_;
  if (auto it = inc->mailbox_from.find(from); it != inc->mailbox_from.end()) return it->second;
  sg::Mailbox* mb = sg::Mailbox::by_name("m/" + from + "/" + id_ + "/" + std::to_string(inc->number));
  inc->mailbox_from.emplace(from, mb);
  mb->set_receiver(start_runner(inc, mb));
  return mb;
}

void SimEnv::spawn(std::string name, Task fn) {
  if (stale_caller()) return;
  Incarnation* inc = inc_;
  ++inc->live_contexts;
  inc->ready.emplace_back(std::move(name), std::move(fn));
  Runner* cur = inc->current;
  if (cur != nullptr && cur->may_claim && !cur->claimed) {
    cur->claimed = true;  // the delivering runner runs it as soon as the frame's handler returns
    return;
  }
  wake_runner(inc);
}

// One more runner is needed (a queued task, an orphaned channel): an idle one, else a new one.
void SimEnv::wake_runner(Incarnation* inc) {
  if (inc->idle_workers > 0) {
    --inc->idle_workers;  // reserved: the next wake must not count on the same runner
    inc->lock.release_after_unlock(inc->work_ready);
  } else {
    start_runner(inc, nullptr);
  }
}

sg::ActorPtr SimEnv::start_runner(Incarnation* inc, sg::Mailbox* channel) {
  sg::ActorPtr a = sg::Actor::init(channel != nullptr ? "rx" : "context", host_);
  a->set_data(inc);
  a->start([this, inc, channel] {
    guarded([this](const std::string& e) { world_.record_error(e); }, id_ + ":runner", [&] {
      Runner me;
      me.channel = channel;
      runner_loop(inc, me);
    });
  });
  return a;
}

std::shared_ptr<Signal> SimEnv::make_signal() {
  // A signal belongs to its caller's incarnation: an actor of an ended one (killed, still
  // unwinding) waits on its own, where the kill finds it, never on the next incarnation's lock.
  Incarnation* inc = inc_;
  if (stale_caller()) {
    if (!sg::Actor::is_maestro()) {
      if (auto* tag = sg::Actor::self()->get_data<Incarnation>()) inc = tag;
    }
    if (inc == nullptr) throw std::logic_error("a signal on node '" + id_ + "', which is down");
  }
  return std::make_shared<SimSignal>(*this, inc, &next_waiter_);
}

void SimEnv::sleep_for(Duration d) { make_signal()->wait_until(now() + std::max<Duration>(d, 0)); }

void SimEnv::compute(double ops) {
  if (ops <= 0 || inc_ == nullptr) return;
  Incarnation* inc = inc_;
  // Computing is blocking: other code of this node may run meanwhile, sharing the host's CPU.
  release_channel(inc);
  unlocked(*inc, [&] {
    sg::this_actor::execute(ops);
    return true;
  });
}

void SimEnv::log(LogLevel level, std::string_view message) {
  if (level < world_.log_level()) return;
  static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  std::fprintf(stderr, "[%14.9f] %-5s %s: %.*s\n", seconds(SimWorld::true_now()), names[static_cast<int>(level)],
               id_.c_str(), static_cast<int>(message.size()), message.data());
}

void SimEnv::probe(std::string_view kind, ProbeFields fields) {
  if (stale_caller()) return;  // an actor of a crashed incarnation, still unwinding
  // A trigger that fired wakes the controller when this task yields, not now: a simcall here would
  // let a crash land in the middle of the task (between two probes of one commit, say).
  if (world_.record_probe(id_, kind, std::move(fields))) inc_->lock.release_after_unlock(world_.controller_wake());
}

void SimEnv::set_boot(Task boot) {
  boot_ = std::move(boot);
  if (inc_ != nullptr && boot_) spawn("boot", boot_);
}

void SimEnv::begin_incarnation() {
  incarnations_.push_back(std::make_unique<Incarnation>());
  Incarnation* inc = incarnations_.back().get();
  inc->number = incarnations_.size();
  inc->timer_wake = sg::Semaphore::create(0);
  inc->work_ready = sg::Semaphore::create(0);
  inc_ = inc;
  sg::ActorPtr timers = sg::Actor::init("timers", host_);
  timers->set_data(inc);
  timers->start([this, inc] {
    guarded([this](const std::string& e) { world_.record_error(e); }, id_ + ":timers", [&] { timer_loop(inc); });
  });
  if (boot_) spawn("boot", boot_);
}

void SimEnv::start() {
  if (inc_ == nullptr) begin_incarnation();
}

std::string SimEnv::crash(bool wipe_storage) {
  if (inc_ == nullptr) throw std::logic_error("crash of node '" + id_ + "' which is already down");
  // The host goes off first. turn_off is a simcall, handled at the end of the current scheduling
  // round: actors of this node that run earlier in the round (such as the one whose probe fired a
  // triggered crash) still find their incarnation alive and are killed with the others when it is
  // handled. Only then does the incarnation end and the disk lose what was not synced. A node that
  // crashes itself (its own actor asks) never comes back from turn_off: it ends its incarnation first.
  if (!sg::Actor::is_maestro() && sg::Actor::self()->get_host() == host_) {
    inc_ = nullptr;
    std::string lost = storage_.crash(wipe_storage);
    host_->turn_off();  // kills the caller too: does not return
    return lost;
  }
  host_->turn_off();
  inc_ = nullptr;
  return storage_.crash(wipe_storage);
}

void SimEnv::restart() {
  if (inc_ != nullptr) throw std::logic_error("restart of node '" + id_ + "' which is up");
  host_->turn_on();
  begin_incarnation();
}

void SimEnv::pause() {
  if (inc_ == nullptr || inc_->paused) throw std::logic_error("pause of node '" + id_ + "' which is down or paused");
  Incarnation* inc = inc_;
  inc->paused = true;
  inc->resume = sg::Semaphore::create(0);
  // The pauser takes the node lock and sits on it: node code stops at its next scheduling point.
  sg::ActorPtr p = sg::Actor::init("pause", host_);
  p->set_data(inc);
  p->start([this, inc] {
    guarded([this](const std::string& e) { world_.record_error(e); }, id_ + ":pause", [&] {
      inc->lock.lock();
      inc->resume->acquire();
      inc->lock.unlock();
    });
  });
}

void SimEnv::resume() {
  if (inc_ == nullptr || !inc_->paused) throw std::logic_error("resume of node '" + id_ + "' which is not paused");
  inc_->paused = false;
  inc_->resume->release();
}

void SimEnv::set_clock(Duration offset, double drift) {
  if (!(drift > -1.0)) throw std::invalid_argument("clock drift must be > -1");
  const Time t = SimWorld::true_now();
  base_true_ = t;
  base_local_ = t + offset;
  rate_ = 1.0 + drift;
}

}  // namespace amino::sim
