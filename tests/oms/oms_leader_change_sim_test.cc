// A replicated OMS (replicated_oms/) whose leader crashes at the worst moment for the work the OMS
// does besides answering (issue 12 section 1: group DM callbacks run at the leader and are neither
// lost nor run twice across a leader change). On SimGrid, three OMS replicas, three kernel servers
// and a client; the crash is timed by a probe a DM reports or by the request it interrupts:
// - a DM group component's memory (LoadBalancedMasterSlave's view), also when the leader crashes
//   in the middle of the component's failover (runtime/oms_resume.cc, GroupDM::on_leader_change);
// - a node death whose onFailure deliveries were under way (the rest delivered by the new leader);
// - a create retried across the failover (one microservice, the first answer: oms_requests.h);
// - a stop-and-copy migration under way (rolled back: the object serves again).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "dms/all.h"
#include "testbed/sim_cluster.h"
#include "tests/kernel/test_apps.h"

namespace amino::testing {
namespace {

const std::vector<NodeId> kOmsReplicas = {"oms1", "oms2", "oms3"};

// Completed onFailure upcalls of the SlowFailure DM, by replica (one process, one simulation).
std::map<std::string, int>& failures_handled() {
  static std::map<std::string, int> m;
  return m;
}

// DefaultDM whose group takes 300 ms to handle a failure, and reports each start as a probe.
class SlowFailureGroup : public GroupDM {
 public:
  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    ctx.env().probe("test.on_failure", {{"rid", dead.rid}});
    ctx.env().sleep_for(300 * kMillisecond);
    ++failures_handled()[dead.rid];
  }
};

class OmsLeaderChange : public ::testing::Test {
 protected:
  void boot(std::uint64_t seed) {
    classes_.add<Counter>("Counter");
    dms::register_all(dms_);
    DmDescriptor slow = *dms_.find("DefaultDM");
    slow.name = "SlowFailure";
    slow.make_group = [] { return std::make_unique<SlowFailureGroup>(); };
    dms_.add(slow);
    testbed::PlatformSpec p;
    for (const auto& r : kOmsReplicas) p.hosts.push_back(testbed::HostSpec{r, 1e9, "control", {}});
    for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-1", {}});
    p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
    sim::SimOptions so;
    so.seed = seed;
    so.platform = p;
    so.log_level = std::getenv("AMINO_OMS_TEST_LOG") ? LogLevel::kInfo : LogLevel::kError;
    world_ = std::make_unique<sim::SimWorld>(so);
    testbed::SimClusterOptions co;
    co.oms_replicas = kOmsReplicas;
    co.kernel.call_timeout = 5 * kSecond;
    co.kernel.heartbeat_period = 200 * kMillisecond;
    co.kernel.oms_attempt_timeout = 500 * kMillisecond;
    co.oms.heartbeat_timeout = 1 * kSecond;
    co.client_only = {"client"};
    cluster_ = std::make_unique<testbed::SimCluster>(*world_, classes_, dms_, co);
    ASSERT_TRUE(cluster_->wait_registered(20 * kSecond));
    ASSERT_FALSE(wait_leader().empty());
  }

  // Runs `fn` on `node` (bounded); its reply, SystemErrors included.
  Reply on_node(const NodeId& node, const std::function<Reply(Kernel&)>& fn, Duration limit = 60 * kSecond) {
    auto r = std::make_shared<Reply>(Reply::error(Code::kInternal, "did not run"));
    cluster_->run_on(node, [this, r, fn, node] {
      try {
        *r = fn(cluster_->kernel(node));
      } catch (const SystemError& e) {
        *r = Reply::error(e.code(), e.what());
      }
    }, limit);
    return *r;
  }
  Reply on_client(const std::function<Reply(Kernel&)>& fn, Duration limit = 60 * kSecond) {
    return on_node("client", fn, limit);
  }

  Reply create(const std::string& name, const std::string& extra = "") {
    return on_client([&](Kernel& k) {
      return Reply::ok(k.create("class: Counter\nname: " + name + "\nargs: [0]\n" + extra).id());
    });
  }

  // Adds 1 from `node`, retried (bounded). From a node that never called the object: a new client
  // chain, which asks the group for a replica (a kernel keeps the chains it made).
  Reply add_fresh(const std::string& name, int tries = 20, const NodeId& node = "client") {
    return on_node(node, [&](Kernel& k) {
      Reply r = Reply::error(Code::kInternal, "no try");
      for (int i = 0; i < tries; ++i) {
        try {
          r = k.acquire(name).invoke("add", {Value(1)}, 2 * kSecond);
        } catch (const SystemError& e) {
          r = Reply::error(e.code(), e.what());
        }
        if (r.ok()) break;
        k.env().sleep_for(500 * kMillisecond);
      }
      return r;
    }, 120 * kSecond);
  }

  void idle(Duration d) {
    cluster_->run_on("client", [&] { cluster_->kernel("client").env().sleep_for(d); }, d + kSecond);
  }

  NodeId wait_leader(Duration limit = 20 * kSecond) {
    const Time end = cluster_->now() + limit;
    while (cluster_->now() < end && cluster_->oms_leader().empty()) idle(50 * kMillisecond);
    return cluster_->oms_leader();
  }

  // A leader other than `old`, serving (bounded).
  NodeId wait_new_leader(const NodeId& old, Duration limit = 20 * kSecond) {
    const Time end = cluster_->now() + limit;
    while (cluster_->now() < end && (cluster_->oms_leader().empty() || cluster_->oms_leader() == old)) {
      idle(50 * kMillisecond);
    }
    return cluster_->oms_leader() == old ? NodeId() : cluster_->oms_leader();
  }

  // Where a microservice's first object is (its lowest live object id).
  NodeId first_object_node(const std::string& ms) {
    const auto oids = cluster_->oms().stacks_of(ms);
    return oids.empty() ? NodeId() : cluster_->oms().location(*std::min_element(oids.begin(), oids.end()));
  }

  // The committed state's microservices that are not destroyed.
  int live_microservices() {
    const auto* rep = cluster_->oms_replica(cluster_->oms_leader());
    const Value* ms = rep == nullptr ? nullptr : rep->committed_state().find("ms");
    int n = 0;
    if (ms != nullptr) {
      for (const auto& [id, rec] : ms->as_map()) n += rec.at("destroyed").as_bool() ? 0 : 1;
    }
    return n;
  }

  // Crashes the node reporting the `nth` probe `probe` (from now on), `after` it.
  void crash_on_probe(const std::string& probe, std::int64_t nth = 1, Duration after = 0) {
    testbed::ProbeTrigger t;
    t.probe = probe;
    t.nth = nth;
    t.from = cluster_->now();
    t.faults.push_back(testbed::ScheduledFault{after, testbed::CrashFault{testbed::kProbeNode}});
    world_->arm(t);
  }

  std::string events() {
    std::string out;
    for (const auto& e : cluster_->oms().events()) out += e + "\n";
    return out;
  }

  ClassRegistry classes_;
  DmRegistry dms_;
  std::unique_ptr<sim::SimWorld> world_;
  std::unique_ptr<testbed::SimCluster> cluster_;
};

const std::string kMasterSlave = "dmList: [{name: LoadBalancedMasterSlave, config: {replicas: 3, ackTimeoutMs: 200}}]\n";

// The group component's memory (the master of a LoadBalancedMasterSlave group) is in the
// replicated state: after a plain leader crash a new client still finds the master.
TEST_F(OmsLeaderChange, GroupComponentMemorySurvivesLeaderCrash) {
  boot(21);
  const NodeId leader = cluster_->oms_leader();
  ASSERT_TRUE(create("m", kMasterSlave).ok());
  ASSERT_TRUE(add_fresh("m").ok());
  world_->apply(testbed::CrashFault{leader});
  ASSERT_FALSE(wait_new_leader(leader).empty());
  const Reply r = add_fresh("m", 20, "ks1");
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << events();
  EXPECT_EQ(r.value.as_int(), 2);
}

// The master's kernel server dies; the OMS leader's MasterSlave component promotes a slave and the
// leader crashes the moment the promotion is answered, before it could commit the new master. The
// next leader finds a failover without a recorded outcome and finishes it (a higher epoch): the
// object takes writes again and kept the acknowledged one.
TEST_F(OmsLeaderChange, LeaderCrashInTheMiddleOfAGroupFailover) {
  boot(22);
  ASSERT_TRUE(create("m", kMasterSlave).ok());
  const Reply first = add_fresh("m");
  ASSERT_TRUE(first.ok()) << first.status.to_string();
  idle(2 * kSecond);  // the view is complete (two slaves)
  Reply ms = on_client([](Kernel& k) { return Reply::ok(k.acquire("m").id()); });
  ASSERT_TRUE(ms.ok());
  const NodeId master_node = first_object_node(ms.value.as_string());
  ASSERT_FALSE(master_node.empty());
  const NodeId leader = cluster_->oms_leader();
  crash_on_probe("master_slave.failover");
  world_->apply(testbed::CrashFault{master_node});
  ASSERT_FALSE(wait_new_leader(leader).empty()) << events();
  EXPECT_FALSE(world_->firings().empty()) << "the failover never happened at the old leader";
  const Reply r = add_fresh("m", 40);
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << events();
  EXPECT_EQ(r.value.as_int(), 2);
}

// Two objects on ks1, which dies. The leader delivers onFailure for the first (300 ms), commits,
// begins the second and crashes 100 ms into it. The new leader delivers the second; the first,
// finished and committed, is not delivered again.
TEST_F(OmsLeaderChange, NodeDeathWhoseDeliveryWasUnderWayIsFinished) {
  boot(23);
  failures_handled().clear();
  const std::string slow = "dmList: [{name: SlowFailure}]\n";
  std::vector<std::string> ids;
  for (const char* n : {"a", "b"}) {
    const Reply c = create(n, slow);
    ASSERT_TRUE(c.ok()) << c.status.to_string();
    ids.push_back(c.value.as_string());
    const Reply moved = on_client([&](Kernel& k) {
      return k.oms_call(svc::kMigrate, ValueMap{{"id", c.value.as_string()}, {"node", "ks1"}});
    });
    ASSERT_TRUE(moved.ok()) << moved.status.to_string();
  }
  std::vector<std::string> rids;
  for (const auto& id : ids) {
    ASSERT_EQ(first_object_node(id), "ks1");
    rids.push_back(cluster_->oms().replicas(cluster_->oms().root_group(id)).at(0).rid);
  }
  const NodeId leader = cluster_->oms_leader();
  crash_on_probe("test.on_failure", 2, 100 * kMillisecond);
  world_->apply(testbed::CrashFault{"ks1"});
  ASSERT_FALSE(wait_new_leader(leader).empty());
  ASSERT_EQ(world_->firings().size(), 1u) << "the leader never began the second delivery";
  idle(3 * kSecond);
  for (const auto& rid : rids) {
    EXPECT_EQ(failures_handled()[rid], 1) << "onFailure of " << rid << " completed "
                                          << failures_handled()[rid] << " time(s)\n" << events();
  }
}

// The leader runs a create and commits it, but its reply never reaches the client (cut one way),
// and the leader crashes; the client asks again at the new leader and gets the first answer: one
// microservice, named as asked, which answers.
TEST_F(OmsLeaderChange, CreateRetriedAcrossFailoverRunsOnce) {
  boot(24);
  ASSERT_TRUE(create("before").ok());
  const NodeId leader = cluster_->oms_leader();
  world_->apply(testbed::OneWayPartitionFault{{leader}, {"client"}});
  world_->schedule(cluster_->now() + 300 * kMillisecond, testbed::CrashFault{leader});
  const Reply c = create("x");
  world_->apply(testbed::HealFault{});
  ASSERT_TRUE(c.ok()) << c.status.to_string() << "\n" << events();
  ASSERT_NE(cluster_->oms_leader(), leader);
  EXPECT_EQ(live_microservices(), 2) << events();  // "before" and one "x"
  const Reply same = on_client([](Kernel& k) { return Reply::ok(k.acquire("x").id()); });
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same.value.as_string(), c.value.as_string());
  EXPECT_TRUE(add_fresh("x").ok());
}

// A stop-and-copy migration waits at the source for a long call to drain (the source refuses new
// calls meanwhile); the leader crashes then. The new leader rolls the migration back: the source
// serves again (without it the source would stay quiesced for good).
TEST_F(OmsLeaderChange, MigrationUnderWayAtLeaderCrashIsRolledBack) {
  boot(25);
  const Reply c = create("m");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(add_fresh("m").ok());
  const NodeId src = first_object_node(c.value.as_string());
  const NodeId dst = src == "ks1" ? "ks2" : "ks1";
  const NodeId leader = cluster_->oms_leader();
  cluster_->run_on("client", [&] {
    Kernel& k = cluster_->kernel("client");
    k.env().spawn("long-call", [&k] {
      try {
        (void)k.acquire("m").invoke("nap", {Value(1500)}, 10 * kSecond);
      } catch (const SystemError&) {
      }
    });
    k.env().sleep_for(100 * kMillisecond);
    // Straight to the leader, not retried: a retry would start a new migration at the next leader.
    k.env().spawn("migrate", [&k, leader, id = c.value.as_string(), dst] {
      (void)k.rpc().call_value(leader, svc::kMigrate, ValueMap{{"id", id}, {"node", dst}}, 10 * kSecond);
    });
    k.env().sleep_for(400 * kMillisecond);
  }, 2 * kSecond);
  world_->apply(testbed::CrashFault{leader});
  ASSERT_FALSE(wait_new_leader(leader).empty());
  const Reply r = add_fresh("m", 10);
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << events();
  EXPECT_EQ(r.value.as_int(), 2);
  EXPECT_EQ(first_object_node(c.value.as_string()), src);
}

}  // namespace
}  // namespace amino::testing
