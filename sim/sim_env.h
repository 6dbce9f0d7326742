// SimEnv: the SimGrid backend of the seam for one node (one SimGrid host).
//
// Execution model. SimGrid runs one actor at a time, but any simcall (send, notify, lock ...) may let
// another actor run before the caller resumes. The seam promises that all code of one node runs on
// one logical thread, so each node incarnation has a lock (a NodeLock, free when uncontended): every
// actor that runs node code — per-sender receive actors, the timer actor, execution contexts — holds
// it, and releases it only inside the seam's blocking calls (Signal::wait_until, sleep_for, compute). Different nodes
// run independently, as on real machines.
//
// Messages. send() is fire-and-forget: a detached SimGrid comm carries the frame (its size charged to
// the network model) into a mailbox per (sender, receiver, incarnation). Each mailbox has a permanent
// receiver (SimGrid's eager, TCP-like mode: the transfer starts at once), so frames of one sender
// arrive in order while frames from different senders never wait for each other. The actor that
// receives a request runs the task it spawns itself, handing its mailbox to another actor only if
// that task blocks (runner_loop).
//
// Incarnations. A crash turns the host off (SimGrid kills every actor of the node) and ends the
// incarnation; a restart turns it on and starts a fresh one, then runs the node's boot function.
// Frames addressed to an ended incarnation are never delivered. Dead incarnations are kept (not
// freed) until the world ends, because killed actors may still unwind through their objects.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "runtime/env.h"
#include "sim/node_lock.h"
#include "sim/sim_storage.h"

namespace amino::sim {

class SimWorld;

struct TimerEntry {
  Task fn;
  bool traced = true;  // timers are trace events; post()ed tasks are not
};

// One actor of a node incarnation, as node code sees it (kept on the actor's own stack). Receive
// actors, pooled workers and the timer actor are all runners; a runner that receives a request runs
// the task it spawns itself (see SimEnv::runner_loop).
struct Runner {
  simgrid::s4u::Mailbox* channel = nullptr;  // the sender's mailbox it receives from, if any
  const std::string* task = nullptr;         // name of the spawned task it runs, if any
  bool may_claim = false;  // delivering a frame outside any task: the first task it spawns is its own
  bool claimed = false;    // it spawned that task, which no other runner was woken for
};

// One life of a node, between boot and crash.
struct Incarnation {
  std::uint64_t number = 0;
  NodeLock lock;                          // the node's logical thread
  Runner* current = nullptr;              // the runner holding `lock` (valid only while held)
  simgrid::s4u::SemaphorePtr timer_wake;  // released to wake the timer actor early
  bool timer_wake_pending = false;        // released and not yet consumed
  std::map<std::pair<Time, TimerId>, TimerEntry> timers;  // by true-time deadline, then id
  std::map<TimerId, Time> deadline_of;
  // When the timer actor's current wait ends: kForever (no timers), a deadline, or -1 while it runs
  // (it re-reads `timers` before waiting again). A new timer wakes it only if due before this: most
  // timers (call deadlines) are cancelled long before they fall due, and waking the actor for each
  // cost a context switch per RPC.
  Time timer_sleeps_until = -1;
  std::map<NodeId, simgrid::s4u::Mailbox*> mailbox_from;  // senders that have a mailbox (and a receiver) here
  Inbox inbox;
  int live_contexts = 0;                                  // spawned tasks not yet finished
  std::map<std::uint64_t, std::string> forever_waiters;  // contexts waiting with no deadline
  // Execution contexts run on a pool of runner actors (creating an actor per task cost most of
  // a simulated RPC): spawn() queues the task and, unless the spawning receiver runs it itself,
  // wakes an idle runner or starts a new one.
  std::deque<std::pair<std::string, Task>> ready;  // spawned tasks no runner has taken yet
  std::deque<simgrid::s4u::Mailbox*> orphans;        // mailboxes whose receiver blocked in a task
  simgrid::s4u::SemaphorePtr work_ready;            // idle runners wait here
  int idle_workers = 0;                             // waiting on work_ready and not yet woken
  std::uint64_t in_flight = 0;                           // frames travelling to this incarnation
  simgrid::s4u::SemaphorePtr resume;                      // set while paused
  bool paused = false;
};

// A frame in a SimGrid comm.
struct Envelope {
  NodeId from;
  std::string frame;
  std::uint64_t id = 0;
  Incarnation* to = nullptr;
  // Extra delay before delivery, beyond the network's latency and bandwidth: TCP set-up and slow
  // start, radio promotion (testbed/transport_model.h). Held by the pair's receiver actor, so the
  // frames of one pair stay in order, as on one TCP connection.
  Duration hold = 0;
};

class SimEnv : public Env {
 public:
  SimEnv(SimWorld& world, NodeId id, simgrid::s4u::Host* host, Rng rng);

  const NodeId& self() const override { return id_; }
  const SessionId& session() const override { return session_; }
  Time now() const override;
  Rng& rng() override { return rng_; }
  void send(const NodeId& to, std::string frame) override;
  void set_inbox(Inbox inbox) override;
  TimerId arm_timer(Duration after, Task fn) override;
  void cancel_timer(TimerId id) override;
  void post(Task fn) override;
  void spawn(std::string name, Task fn) override;
  std::shared_ptr<Signal> make_signal() override;
  void sleep_for(Duration d) override;
  void compute(double ops) override;
  Storage& storage() override { return storage_; }
  void log(LogLevel level, std::string_view message) override;
  // Probes go to the world (trace, probe list, triggered faults).
  bool probing() const override { return true; }
  void probe(std::string_view kind, ProbeFields fields) override;

  // Lifecycle and faults, driven by SimWorld.
  void set_boot(Task boot);
  void start();                          // first boot (before or during the run)
  std::string crash(bool wipe_storage);  // returns what the disk lost
  void restart();
  void pause();
  void resume();
  void set_clock(Duration offset, double drift);

  bool up() const { return inc_ != nullptr; }
  bool paused() const { return inc_ != nullptr && inc_->paused; }
  Incarnation* incarnation() const { return inc_; }
  SimStorage& sim_storage() { return storage_; }
  simgrid::s4u::Host* host() const { return host_; }
  // Hands a received envelope to the node (receive actors call this).
  void deliver(Envelope& e);
  // Receive actor and mailbox for frames from `from` into the current incarnation.
  simgrid::s4u::Mailbox* mailbox_from(const NodeId& from);
  // Converts this node's clock reading to true simulated time.
  Time true_time_of(Time local) const;

 private:
  void begin_incarnation();
  void timer_loop(Incarnation* inc);
  void runner_loop(Incarnation* inc, Runner& me);
  void receive_one(Incarnation* inc, Runner& me);
  void run_task(Incarnation* inc, Runner& me);
  simgrid::s4u::ActorPtr start_runner(Incarnation* inc, simgrid::s4u::Mailbox* channel);
  void wake_runner(Incarnation* inc);
 public:
  // Called by node code about to block (Signal::wait_until, compute): a runner that receives a
  // sender's frames and blocks inside a task hands that mailbox to another runner first.
  void release_channel(Incarnation* inc);

 private:
  TimerId add_timer(Duration after, Task fn, bool traced);
  bool stale_caller() const;
  void run_node_code(const std::string& what, const Task& fn);

  SimWorld& world_;
  NodeId id_;
  simgrid::s4u::Host* host_;
  Rng rng_;
  SessionId session_;
  SimStorage storage_;
  Task boot_;
  Incarnation* inc_ = nullptr;
  std::vector<std::unique_ptr<Incarnation>> incarnations_;  // every life, never freed (see above)
  TimerId next_timer_ = 0;
  std::uint64_t next_waiter_ = 0;
  // Clock model: local = base_local + (true - base_true) * rate.
  Time base_true_ = 0;
  Time base_local_ = 0;
  double rate_ = 1.0;
};

}  // namespace amino::sim
