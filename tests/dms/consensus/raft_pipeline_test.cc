// Pipelined replication in RaftNode (Options::max_inflight): the window's bound, the fall-back to
// one message at a time after a rejection, and safety with appends lost, duplicated, reordered, or
// still in flight when the leadership changes. The nodes run on the in-process backend; between them
// a scripted network (this file) carries each Raft message and its reply, so a test can hold, drop,
// duplicate or delay one particular AppendEntries and count how many are in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dms/raft/raft_node.h"
#include "runtime/inproc/inproc_world.h"

namespace amino::testing {
namespace {

using dms::raft::CallMeta;
using dms::raft::Options;
using dms::raft::RaftNode;

constexpr Duration kHop = kMillisecond;  // one-way latency of the scripted network

class Net;

// One replica: a RaftNode, the Host it runs against, and the "object" (the commands applied in order).
class Replica : public dms::raft::Host {
 public:
  Replica(Net& net, Env& env, std::string rid) : net_(net), env_(env), rid_(std::move(rid)) {}

  ReplicaRef self() const override { return ReplicaRef{rid_, "g", env_.self(), 1, ""}; }
  Reply send(const ReplicaRef& to, const Value& msg, Duration timeout) override;
  Reply apply(Invocation& inv) override {
    applied.push_back(inv.args.at(0).as_string());
    return Reply::ok(static_cast<std::int64_t>(applied.size()));
  }
  Value snapshot_object() override {
    ValueList l;
    for (const auto& a : applied) l.push_back(a);
    return l;
  }
  void restore_object(const Value& state) override {
    applied.clear();
    for (const auto& v : state.as_list()) applied.push_back(v.as_string());
  }
  std::vector<ReplicaRef> live_members() override;
  void tell_group(const Value&) override {}

  Net& net_;
  Env& env_;
  std::string rid_;
  std::shared_ptr<RaftNode> node;
  std::vector<std::string> applied;
};

// What the network does with one request: deliver it after `delay` (once, or twice), or lose it.
struct Fate {
  bool drop = false;
  bool duplicate = false;
  Duration delay = kHop;
};

struct Packet {
  std::string from, to;
  Value msg;
  std::shared_ptr<Signal> done;
  std::optional<Reply> reply;
  bool append() const { return msg.at("t").as_string() == "ae"; }
  std::int64_t prev() const { return msg.at("prev").as_int(); }
  std::int64_t entries() const { return static_cast<std::int64_t>(msg.at("entries").as_list().size()); }
};

class Net {
 public:
  Net(inproc::InProcWorld& world, std::vector<std::string> rids, Options opts) : world_(world) {
    for (const auto& rid : rids) {
      Env& env = world.add_node(rid);
      replicas[rid] = std::make_unique<Replica>(*this, env, rid);
      Replica& r = *replicas[rid];
      r.node = std::make_shared<RaftNode>(env, r, opts, "raft/" + rid + "/");
    }
    for (auto& [rid, r] : replicas) {
      Replica* rp = r.get();
      world.run_task(rid, [rp] { rp->node->start(nullptr); });
    }
  }

  ~Net() {
    for (auto& [rid, r] : replicas) r->node->stop();
  }

  // Bootstraps the first replica and waits until every replica is a voter (the leader grows the
  // configuration one learner at a time) and has applied the same log.
  bool form_group() {
    Replica& first = *replicas.begin()->second;
    bool ok = false;
    world_.run_task(first.env_.self(), [&] { ok = first.node->bootstrap().ok(); });
    if (!ok) return false;
    std::vector<ReplicaRef> refs = members();
    world_.run_task(first.env_.self(), [&] { first.node->members_changed(refs); });
    return world_.run_until([&] { return voters_everywhere() == replicas.size(); }, world_.now() + 20 * kSecond);
  }

  std::size_t voters_everywhere() const {
    std::size_t min_voters = replicas.size();
    for (const auto& [rid, r] : replicas) {
      min_voters = std::min(min_voters, r->node->status().at("config").as_list().size());
    }
    return min_voters;
  }

  std::vector<ReplicaRef> members() const {
    std::vector<ReplicaRef> out;
    for (const auto& [rid, r] : replicas) out.push_back(r->self());
    return out;
  }

  Replica* leader() {
    for (auto& [rid, r] : replicas) {
      if (!world_.crashed(rid) && r->node->is_leader()) return r.get();
    }
    return nullptr;
  }

  Reply send(const std::string& from, const ReplicaRef& to, const Value& msg, Duration timeout) {
    Env& env = replicas.at(from)->env_;
    auto p = std::make_shared<Packet>();
    p->from = from;
    p->to = to.rid;
    p->msg = msg;
    p->done = env.make_signal();
    const Fate fate = decide ? decide(*p) : Fate{};
    if (p->append()) {
      auto& n = outstanding[{from, to.rid}];
      ++n;
      max_outstanding[{from, to.rid}] = std::max(max_outstanding[{from, to.rid}], n);
      if (on_append_sent) on_append_sent(*p, n);
    }
    if (!fate.drop) {
      deliver(p, fate.delay);
      if (fate.duplicate) deliver(p, fate.delay + kHop);
    }
    p->done->wait_until(env.now() + timeout);
    if (p->append()) --outstanding[{from, to.rid}];
    if (!p->reply) return Reply::error(Code::kTimeout, "lost");
    if (p->append() && on_append_answered) on_append_answered(*p);
    return *p->reply;
  }

  std::function<Fate(const Packet&)> decide;
  // Called as an append leaves with the number of appends now in flight on its link (itself included).
  std::function<void(const Packet&, int)> on_append_sent;
  std::function<void(const Packet&)> on_append_answered;
  std::map<std::pair<std::string, std::string>, int> outstanding, max_outstanding;
  std::map<std::string, std::unique_ptr<Replica>> replicas;

 private:
  void deliver(const std::shared_ptr<Packet>& p, Duration delay) {
    world_.at(world_.now() + delay, [this, p] {
      if (world_.crashed(p->to)) return;  // a crashed sender's messages still arrive: they were sent
      Replica& r = *replicas.at(p->to);
      r.env_.spawn("deliver", [this, p, &r] {
        ReplicaRef from = replicas.at(p->from)->self();
        Reply reply = r.node->handle(from, p->msg);
        world_.at(world_.now() + kHop, [p, reply] {
          if (p->reply) return;  // the answer to a duplicate: the sender has one already
          p->reply = reply;
          p->done->notify();
        });
      });
    });
  }

  inproc::InProcWorld& world_;
};

Reply Replica::send(const ReplicaRef& to, const Value& msg, Duration timeout) { return net_.send(rid_, to, msg, timeout); }
std::vector<ReplicaRef> Replica::live_members() { return net_.members(); }

Options pipelined(std::int64_t inflight, std::int64_t batch) {
  Options o;
  o.max_inflight = inflight;
  o.max_batch = batch;
  return o;
}

// Submits `n` calls at once on the current leader; returns how many were answered OK.
int submit_burst(inproc::InProcWorld& world, Net& net, int n, const std::string& tag, Duration deadline = 5 * kSecond) {
  Replica* leader = net.leader();
  if (leader == nullptr) return -1;
  int ok = 0, done = 0;
  for (int i = 0; i < n; ++i) {
    leader->env_.spawn("client", [&, i, leader] {
      Invocation inv;
      inv.method = "op";
      inv.args = {Value(tag + std::to_string(i))};
      CallMeta meta;  // empty session: no duplicate suppression needed here
      if (leader->node->submit(inv, meta, leader->env_.now() + deadline).ok()) ++ok;
      ++done;
    });
  }
  world.run_until([&] { return done == n; }, world.now() + deadline + kSecond);
  return ok;
}

// Every pair of replicas applied the same commands in the same order (one may be behind).
void expect_prefix_agreement(Net& net) {
  for (const auto& [a, ra] : net.replicas) {
    for (const auto& [b, rb] : net.replicas) {
      const auto& x = ra->applied;
      const auto& y = rb->applied;
      const std::size_t n = std::min(x.size(), y.size());
      EXPECT_TRUE(std::equal(x.begin(), x.begin() + static_cast<long>(n), y.begin())) << a << " and " << b << " diverged";
    }
  }
}

bool all_applied(inproc::InProcWorld& world, Net& net, std::size_t n) {
  return world.run_until([&] {
    for (const auto& [rid, r] : net.replicas) {
      if (r->applied.size() < n) return false;
    }
    return true;
  }, world.now() + 10 * kSecond);
}

std::size_t count(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), x));
}

TEST(RaftPipeline, KeepsUpToTheWindowInFlightAndOneWithoutPipelining) {
  for (const std::int64_t window : {1, 4}) {
    inproc::InProcWorld world;
    Net net(world, {"a", "b", "c"}, pipelined(window, 1));
    ASSERT_TRUE(net.form_group());
    net.max_outstanding.clear();
    EXPECT_EQ(submit_burst(world, net, 20, "x"), 20);
    ASSERT_TRUE(all_applied(world, net, 20));
    expect_prefix_agreement(net);
    const std::string leader = net.leader()->rid_;
    for (const auto& [link, n] : net.max_outstanding) {
      if (link.first != leader) continue;
      EXPECT_EQ(n, window) << "window " << window << ", " << link.first << " -> " << link.second;
    }
  }
}

TEST(RaftPipeline, BatchesWaitingEntriesWhenTheWindowIsFull) {
  inproc::InProcWorld world;
  Net net(world, {"a", "b", "c"}, pipelined(2, 64));
  ASSERT_TRUE(net.form_group());
  std::int64_t most = 0;
  net.on_append_sent = [&](const Packet& p, int) { most = std::max(most, p.entries()); };
  EXPECT_EQ(submit_burst(world, net, 40, "x"), 40);
  ASSERT_TRUE(all_applied(world, net, 40));
  EXPECT_GT(most, 1) << "entries submitted while the window was full should leave together";
  expect_prefix_agreement(net);
}

// An append lost on its way to one follower: the later ones in the window find a gap and are
// rejected; the leader then sends one message at a time (each with no other append in flight on
// that link) until the follower accepts, and then pipelines again.
TEST(RaftPipeline, AFollowerRejectingMidWindowIsProbedOneMessageAtATime) {
  inproc::InProcWorld world;
  Net net(world, {"a", "b", "c"}, pipelined(4, 1));
  ASSERT_TRUE(net.form_group());
  const std::string leader = net.leader()->rid_;
  const std::string victim = leader == "b" ? "c" : "b";
  int appends_to_victim = 0;
  bool dropped = false;
  net.decide = [&](const Packet& p) {
    Fate f;
    if (p.append() && p.from == leader && p.to == victim && p.entries() > 0 && ++appends_to_victim == 2) {
      f.drop = dropped = true;
    }
    return f;
  };
  bool rejected = false, probing = false, recovered = false;
  int probes = 0, crowded_probes = 0, walk_backs = 0, rejections = 0;
  std::int64_t highest_prev = 0;
  net.on_append_answered = [&](const Packet& p) {
    if (p.from != leader || p.to != victim) return;
    if (!p.reply->value.at("ok").as_bool()) {
      rejected = true;
      ++rejections;
    }
    if (p.reply->value.at("ok").as_bool() && probing) {
      probing = false;
      recovered = true;
    }
  };
  net.on_append_sent = [&](const Packet& p, int in_flight) {
    if (p.from != leader || p.to != victim) return;
    if (rejected && p.prev() < highest_prev) {  // walked back: the first probe
      probing = true;
      rejected = false;
      ++walk_backs;
    }
    highest_prev = std::max(highest_prev, p.prev());
    if (probing) {
      ++probes;
      if (in_flight > 1) ++crowded_probes;
    }
  };
  EXPECT_EQ(submit_burst(world, net, 12, "x"), 12);
  ASSERT_TRUE(all_applied(world, net, 12));
  EXPECT_TRUE(dropped);
  EXPECT_GE(rejections, 2) << "the appends after the lost one should have been rejected";
  EXPECT_EQ(walk_backs, 1);
  EXPECT_GT(probes, 0);
  EXPECT_EQ(crowded_probes, 0) << "while probing, an append leaves only when none is in flight";
  EXPECT_TRUE(recovered);
  expect_prefix_agreement(net);
  // Pipelining resumes after the recovery.
  net.max_outstanding.clear();
  EXPECT_EQ(submit_burst(world, net, 12, "y"), 12);
  EXPECT_EQ(net.max_outstanding[std::make_pair(leader, victim)], 4);
}

// Appends lost, duplicated and reordered (delays of 1-15 ms against 1 ms hops) on every link, calls
// submitted in bursts throughout: every replica ends with the same log, each acknowledged call in
// it exactly once.
TEST(RaftPipeline, LostDuplicatedAndReorderedAppendsLeaveTheLogsIdentical) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    inproc::InProcWorld world(inproc::WorldOptions{seed});
    Net net(world, {"a", "b", "c"}, pipelined(8, 2));
    ASSERT_TRUE(net.form_group());
    Rng rng(seed);
    bool faults = true;
    int reordered = 0;
    net.decide = [&](const Packet& p) {
      Fate f;
      if (!faults || !p.append()) return f;
      f.drop = rng.chance(0.05);
      f.duplicate = rng.chance(0.1);
      f.delay = rng.uniform_int(1, 15) * kMillisecond;
      if (f.delay > 2 * kMillisecond) ++reordered;
      return f;
    };
    std::vector<std::string> acknowledged;
    for (int round = 0; round < 5; ++round) {
      const std::string tag = "r" + std::to_string(round) + "-";
      Replica* leader = net.leader();
      ASSERT_NE(leader, nullptr) << "seed " << seed;
      int done = 0;
      for (int i = 0; i < 10; ++i) {
        leader->env_.spawn("client", [&, i, leader, tag] {
          Invocation inv;
          inv.method = "op";
          inv.args = {Value(tag + std::to_string(i))};
          if (leader->node->submit(inv, CallMeta{}, leader->env_.now() + 3 * kSecond).ok()) {
            acknowledged.push_back(tag + std::to_string(i));
          }
          ++done;
        });
      }
      world.run_until([&] { return done == 10; }, world.now() + 4 * kSecond);
    }
    faults = false;
    Replica* leader = nullptr;
    world.run_until([&] { return (leader = net.leader()) != nullptr; }, world.now() + 5 * kSecond);
    ASSERT_NE(leader, nullptr);
    EXPECT_EQ(submit_burst(world, net, 1, "final"), 1);  // commits everything before it
    const std::size_t n = net.leader()->applied.size();
    ASSERT_TRUE(all_applied(world, net, n)) << "seed " << seed;
    EXPECT_GT(reordered, 10);
    expect_prefix_agreement(net);
    for (const auto& [rid, r] : net.replicas) {
      EXPECT_EQ(r->applied.size(), n) << rid;
      for (const auto& a : acknowledged) EXPECT_EQ(count(r->applied, a), 1u) << "seed " << seed << ": " << a << " on " << rid;
    }
  }
}

// The leader is cut off with a window of appends held in the network; the others elect a new
// leader, which replaces the old leader's uncommitted entries. Then the held appends (of the old
// term) arrive: refused, and nothing of them is applied anywhere.
TEST(RaftPipeline, AppendsStillInFlightFromADeposedLeaderAreRefused) {
  inproc::InProcWorld world;
  Net net(world, {"a", "b", "c"}, pipelined(4, 1));
  ASSERT_TRUE(net.form_group());
  Replica* old = net.leader();
  ASSERT_NE(old, nullptr);
  const std::string old_rid = old->rid_;
  std::vector<std::shared_ptr<std::function<void()>>> held;
  bool hold = true;
  int held_appends = 0;
  net.decide = [&](const Packet& p) {
    Fate f;
    if (hold && p.from == old_rid && p.append() && p.entries() > 0) {
      f.delay = 2 * kSecond;  // arrives long after the election
      ++held_appends;
    }
    return f;
  };
  // Submit on the old leader: its appends are all held, so none commits.
  int done = 0;
  for (int i = 0; i < 6; ++i) {
    old->env_.spawn("client", [&, i] {
      Invocation inv;
      inv.method = "op";
      inv.args = {Value("old" + std::to_string(i))};
      (void)old->node->submit(inv, CallMeta{}, old->env_.now() + 500 * kMillisecond);
      ++done;
    });
  }
  world.run_for(20 * kMillisecond);
  EXPECT_GE(held_appends, 2) << "several appends should be in flight to each follower";
  world.crash(old_rid);  // the old leader is gone; its held appends are still on their way
  Replica* fresh = nullptr;
  ASSERT_TRUE(world.run_until([&] { return (fresh = net.leader()) != nullptr; }, world.now() + 5 * kSecond));
  EXPECT_NE(fresh->rid_, old_rid);
  EXPECT_EQ(submit_burst(world, net, 3, "new"), 3);
  world.run_for(3 * kSecond);  // the held appends arrive at the survivors now
  for (const auto& [rid, r] : net.replicas) {
    if (rid == old_rid) continue;
    for (int i = 0; i < 6; ++i) EXPECT_EQ(count(r->applied, "old" + std::to_string(i)), 0u) << rid;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(count(r->applied, "new" + std::to_string(i)), 1u) << rid;
  }
  EXPECT_EQ(submit_burst(world, net, 2, "after"), 2);  // and the group still works
  expect_prefix_agreement(net);
}

}  // namespace
}  // namespace amino::testing
