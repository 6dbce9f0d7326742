// The cluster key between real processes on loopback (issue 9, "Authentication"). Each reproduction
// of the issue runs twice: with a key, where it must be refused, and without one, as a control that
// shows the attack is real (loopback without a key trusts every local process, as documented), so
// these tests cannot pass by the attack simply not working.
//   - a forged registration (raw TCP client) makes the OMS list a fake kernel server;
//   - a Hello claiming the OMS's id at a kernel server steals its heartbeats: declared dead;
//   - a forged heartbeat makes the OMS fail a kernel server's replicas ("restarted and lost");
//   - a raw oms.delete from any local process deletes an object.
// Plus: a real kernel server with the wrong key cannot register; amino-ctl works with the key (flag
// or environment) and fails clearly without it or with another; bad security flags exit with 2.
#include <gtest/gtest.h>

#include <algorithm>

#include "amino.pb.h"
#include "runtime/protocol.h"
#include "runtime/sockets/connection.h"
#include "runtime/wire.h"
#include "tests/multiprocess/deployment.h"
#include "tests/sockets/raw_peer.h"

namespace amino::testing {
namespace {

using sockets::testing::forged_hello;
using sockets::testing::RawPeer;
using sockets::testing::rpc_frame;

const std::string kKey = "test-cluster-key-0123456789abcdef";
const std::string kWrongKey = "some-other-key-fedcba9876543210";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// An intruder's opening: a Hello claiming `claimed_id` (keyed like the deployment, since a keyless
// Hello to a keyed node is refused even faster) and, when keyed, a made-up proof, as it has no key.
void intrude(RawPeer& intruder, const NodeId& claimed_id, bool keyed) {
  intruder.write_frame(forged_hello(claimed_id, keyed));
  if (keyed) {
    pb::Hello proof;
    proof.set_step(pb::Hello::kProof);
    proof.set_protocol_version(sockets::kProtocolVersion);
    proof.set_proof(std::string(sockets::kMacBytes, '\x42'));
    intruder.write_frame(proof.SerializeAsString());
  }
}

// A kernel server's node report, as its registration or heartbeat carries it.
Value node_report(const NodeId& id, const std::string& name, std::int64_t incarnation) {
  NodeInfo n;
  n.id = id;
  n.region = "default-region";
  n.labels["name"] = name;
  Value v = node_info_to_value(n);
  v["incarnation"] = incarnation;
  v["oids"] = ValueList{};
  return v;
}

const char* kCounterOnKs1 = R"(
class: VisitCounter
nodeSelector: [{key: name, operator: =, values: [ks1]}]
)";

class ClusterKeyAttacks : public ::testing::TestWithParam<bool> {
 protected:
  bool keyed() const { return GetParam(); }
  DeploymentOptions options() const {
    DeploymentOptions o;
    if (keyed()) o.key = kKey;
    return o;
  }
  // Waits until the keyed deployment has closed the intruder's connection (it has been refused).
  void expect_refused(Deployment& d, RawPeer& intruder) {
    if (!keyed()) return;
    EXPECT_TRUE(d.wait_until([&] { return intruder.poll_closed(); }, 10 * kSecond))
        << "the keyed node kept an unauthenticated connection open";
  }
};

TEST_P(ClusterKeyAttacks, AForgedRegistrationDoesNotAddAKernelServer) {
  Deployment d(options());
  ASSERT_TRUE(d.ok());
  RawPeer fake(d.loop().io(), d.oms_addr());
  const NodeId fake_id = "127.0.0.1:1";
  intrude(fake, fake_id, keyed());
  fake.write_frame(rpc_frame(svc::kRegister, wire::encode_value(node_report(fake_id, "fake", 1)), 1));
  expect_refused(d, fake);
  if (!keyed()) {
    EXPECT_TRUE(d.wait_until([&] { return contains(d.live_nodes(), fake_id); }, 10 * kSecond))
        << "control: without a key the forged registration should have worked";
    return;
  }
  d.loop().run_for(1 * kSecond);  // a few heartbeat periods: nothing may appear later either
  EXPECT_EQ(d.live_nodes(), std::vector<NodeId>{d.ks_addr(1)});
  EXPECT_FALSE(d.has_event(fake_id));
}

TEST_P(ClusterKeyAttacks, AHelloClaimingTheOmsIdDoesNotStealAKernelServersHeartbeats) {
  Deployment d(options());
  ASSERT_TRUE(d.ok());
  RawPeer impostor(d.loop().io(), d.ks_addr(1));
  intrude(impostor, d.oms_addr(), keyed());
  expect_refused(d, impostor);
  const std::string dead = "kernel server " + d.ks_addr(1) + " missed its heartbeats";
  if (!keyed()) {
    EXPECT_TRUE(d.wait_until([&] { return d.has_event(dead); }, 10 * kSecond))
        << "control: without a key the impostor should have diverted the heartbeats";
    return;
  }
  // Twice the OMS's heartbeat timeout (1.5 s): the control shows the bug within this window.
  d.loop().run_for(3 * kSecond);
  EXPECT_FALSE(d.has_event(dead));
  EXPECT_TRUE(contains(d.live_nodes(), d.ks_addr(1)));
}

TEST_P(ClusterKeyAttacks, AForgedHeartbeatDoesNotFailAKernelServersReplicas) {
  Deployment d(options());
  ASSERT_TRUE(d.ok());
  Stub counter;
  std::int64_t visits = 0;
  ASSERT_TRUE(d.run([&] {
    counter = d.client().create(kCounterOnKs1);
    visits = counter.call<std::int64_t>("visit");
  }));
  ASSERT_EQ(visits, 1);
  RawPeer forger(d.loop().io(), d.oms_addr());
  intrude(forger, d.ks_addr(1), keyed());
  // A heartbeat of a "new incarnation" of ks1 hosting nothing.
  forger.write_frame(rpc_frame(svc::kHeartbeat,
                               wire::encode_value(ValueMap{{"node", node_report(d.ks_addr(1), "ks1", 987654321)}}), 0));
  expect_refused(d, forger);
  const std::string lost = "kernel server " + d.ks_addr(1) + " restarted and lost";
  if (!keyed()) {
    EXPECT_TRUE(d.wait_until([&] { return d.has_event(lost); }, 10 * kSecond))
        << "control: without a key the forged heartbeat should have failed the replica";
    return;
  }
  d.loop().run_for(1 * kSecond);
  EXPECT_FALSE(d.has_event(lost));
  ASSERT_TRUE(d.run([&] { visits = counter.call<std::int64_t>("visit"); }));
  EXPECT_EQ(visits, 2);
}

TEST_P(ClusterKeyAttacks, ARawDeleteDoesNotDeleteAnObject) {
  Deployment d(options());
  ASSERT_TRUE(d.ok());
  Stub counter;
  ASSERT_TRUE(d.run([&] {
    counter = d.client().create(kCounterOnKs1);
    counter.call<std::int64_t>("visit");
  }));
  RawPeer deleter(d.loop().io(), d.oms_addr());
  intrude(deleter, "127.0.0.1:1", keyed());
  deleter.write_frame(rpc_frame(svc::kDelete, wire::encode_value(ValueMap{{"id", counter.id()}}), 1));
  expect_refused(d, deleter);
  Reply after;
  if (!keyed()) {
    EXPECT_TRUE(d.wait_until(
        [&] {
          d.run([&] { after = counter.invoke("visit", {}, 2 * kSecond); });
          return !after.ok();
        },
        10 * kSecond))
        << "control: without a key the raw delete should have removed the object";
    return;
  }
  d.loop().run_for(500 * kMillisecond);
  ASSERT_TRUE(d.run([&] { after = counter.invoke("visit", {}, 5 * kSecond); }));
  ASSERT_TRUE(after.ok()) << after.status.to_string();
  EXPECT_EQ(after.value.as_int(), 2);
}

INSTANTIATE_TEST_SUITE_P(Deployments, ClusterKeyAttacks, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "WithKey" : "KeylessControl");
                         });

// amino-ctl as a child process; its exit code and everything it printed (stdout and stderr).
struct CtlResult {
  int code;
  std::string output;
};
CtlResult ctl(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {kBin + "/amino-ctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p(argv, ChildOptions{true, env});
  const int code = p.wait_exit(20000);
  return {code, p.drain()};
}

TEST(ClusterKey, AKernelServerWithTheWrongKeyCannotRegisterOrHostObjects) {
  DeploymentOptions o;
  o.key = kKey;
  o.merge_stderr = true;
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const std::string wrong_key_file = d.dir().write("wrong.key", kWrongKey);
  ChildProcess fake({kBin + "/amino-kernel-server", "--oms", d.oms_addr(), "--label", "name=fake", "--heartbeat-ms",
                     "300", "--cluster-key-file", wrong_key_file},
                    ChildOptions{true, {}});
  // The fake says why it cannot get in, and so does the OMS.
  EXPECT_FALSE(fake.wait_for_line("did not prove our cluster key", 10000).empty());
  EXPECT_FALSE(d.oms().wait_for_line("rejected inbound connection", 10000).empty());
  d.loop().run_for(1 * kSecond);
  EXPECT_EQ(d.live_nodes(), std::vector<NodeId>{d.ks_addr(1)});
  const CtlResult nodes = ctl({"--oms", d.oms_addr(), "--cluster-key-file", d.key_file(), "nodes"});
  EXPECT_EQ(nodes.code, 0) << nodes.output;
  EXPECT_EQ(nodes.output.find("name=fake"), std::string::npos) << nodes.output;
  EXPECT_NE(nodes.output.find(d.ks_addr(1)), std::string::npos) << nodes.output;
  // Objects can never be placed on it: a selector naming it matches no kernel server.
  bool refused = false;
  ASSERT_TRUE(d.run([&] {
    try {
      d.client().create("class: VisitCounter\nnodeSelector: [{key: name, operator: =, values: [fake]}]\n");
    } catch (const std::exception&) {
      refused = true;
    }
  }));
  EXPECT_TRUE(refused);
}

TEST(ClusterKey, AKeyedDeploymentWorksEndToEndThroughAminoCtl) {
  DeploymentOptions o;
  o.key = kKey;
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const std::string spec = d.dir().write("counter.yaml", kCounterOnKs1);
  const CtlResult created = ctl({"--oms", d.oms_addr(), "--cluster-key-file", d.key_file(), "create", spec});
  ASSERT_EQ(created.code, 0) << created.output;
  const std::string id = created.output.substr(0, created.output.find('\n'));
  const CtlResult first = ctl({"--oms", d.oms_addr(), "--cluster-key-file", d.key_file(), "call", id, "visit"});
  EXPECT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(first.output, "1\n");
  // The environment variable works too.
  const CtlResult second = ctl({"--oms", d.oms_addr(), "call", id, "visit"}, {"AMINO_CLUSTER_KEY_FILE=" + d.key_file()});
  EXPECT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(second.output, "2\n");
  const CtlResult nodes = ctl({"--oms", d.oms_addr(), "--cluster-key-file", d.key_file(), "nodes"});
  EXPECT_EQ(nodes.code, 0);
  EXPECT_NE(nodes.output.find(d.ks_addr(1)), std::string::npos) << nodes.output;
}

TEST(ClusterKey, NodesListeningOnEveryAddressAdvertiseTheOneGiven) {
  // --listen 0.0.0.0 alone would make the nodes' ids 0.0.0.0:<port>, an address no other machine
  // can dial; --advertise names the one peers reach.
  DeploymentOptions o;
  o.key = kKey;
  o.oms_flags = {"--listen", "0.0.0.0", "--advertise", "127.0.0.1"};
  o.ks_flags = {"--listen", "0.0.0.0", "--advertise", "127.0.0.1"};
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.oms_addr().rfind("127.0.0.1:", 0), 0u) << d.oms_addr();
  EXPECT_EQ(d.ks_addr(1).rfind("127.0.0.1:", 0), 0u) << d.ks_addr(1);
  const std::string spec = d.dir().write("counter.yaml", kCounterOnKs1);
  const auto created = d.ctl({"create", spec});  // Deployment::ctl adds --oms and the key
  ASSERT_EQ(created.exit_code, 0) << created.out;
  const std::string id = created.out.substr(0, created.out.find('\n'));
  const auto call = d.ctl({"call", id, "visit"});
  EXPECT_EQ(call.exit_code, 0) << call.out;
  EXPECT_EQ(call.out, "1\n");
  const auto nodes = d.ctl({"nodes"});
  EXPECT_EQ(nodes.exit_code, 0);
  EXPECT_NE(nodes.out.find(d.ks_addr(1)), std::string::npos) << nodes.out;
  EXPECT_EQ(nodes.out.find("0.0.0.0"), std::string::npos) << nodes.out;
}

TEST(ClusterKey, AClientThatExitsIsInfoNotAWarning) {
  // amino-ctl closes its connection in order when it exits: every command used to log
  // "WARN ... read failed: End of file" on the OMS, as if something had gone wrong.
  DeploymentOptions o;
  o.key = kKey;
  o.merge_stderr = true;
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const auto nodes = d.ctl({"nodes"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.out;
  const std::string line = d.oms().wait_for_line("closed: " + std::string(sockets::Connection::kPeerClosed), 10000);
  ASSERT_FALSE(line.empty());
  EXPECT_NE(line.find(" INFO "), std::string::npos) << line;
  EXPECT_EQ(d.oms().drain().find("End of file"), std::string::npos);
}

TEST(ClusterKey, AminoCtlWithoutTheKeyOrWithAnotherFailsAndSaysWhy) {
  DeploymentOptions o;
  o.key = kKey;
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const CtlResult none = ctl({"--oms", d.oms_addr(), "nodes"});
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.output.find("requires a cluster key, this node has none"), std::string::npos) << none.output;
  const std::string wrong = d.dir().write("wrong.key", kWrongKey);
  const CtlResult other = ctl({"--oms", d.oms_addr(), "--cluster-key-file", wrong, "nodes"});
  EXPECT_NE(other.code, 0);
  EXPECT_NE(other.output.find("did not prove our cluster key"), std::string::npos) << other.output;
  // The flag wins over the environment.
  const CtlResult flag_wins =
      ctl({"--oms", d.oms_addr(), "--cluster-key-file", d.key_file(), "nodes"}, {"AMINO_CLUSTER_KEY_FILE=" + wrong});
  EXPECT_EQ(flag_wins.code, 0) << flag_wins.output;
}

TEST(ClusterKey, ProgramsRefuseUnsafeOrBadSecurityFlagsWithExitCode2) {
  ScratchDir dir;
  const std::string short_key = dir.write("short.key", "too short\n");
  struct Case {
    std::vector<std::string> argv;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{kBin + "/amino-oms", "--listen", "0.0.0.0", "--port", "0"}, "without a cluster key"},
      {{kBin + "/amino-kernel-server", "--oms", "127.0.0.1:1", "--listen", "0.0.0.0"}, "without a cluster key"},
      {{kBin + "/amino-oms", "--port", "0", "--cluster-key-file", short_key}, "at least 16"},
      {{kBin + "/amino-oms", "--port", "0", "--cluster-key-file", dir.path().string() + "/missing"}, "cannot read"},
      {{kBin + "/amino-oms", "--port", "0", "--max-connections", "0"}, "--max-connections must be in 1 .."},
      {{kBin + "/amino-kernel-server", "--oms", "127.0.0.1:1", "--handshake-timeout-ms", "-5"},
       "--handshake-timeout-ms must be in 1 .."},
      {{kBin + "/amino-oms", "--port", "0", "--max-frame-bytes", "1000", "--max-send-queue-bytes", "1000"},
       "send queue limit"},
      {{kBin + "/amino-ctl", "--cluster-key-file", short_key, "nodes"}, "at least 16"},
      {{kBin + "/amino-oms", "--port", "0", "--advertise", "0.0.0.0"}, "--advertise must be"},
      {{kBin + "/amino-kernel-server", "--oms", "127.0.0.1:1", "--advertise", "a host"}, "--advertise must be"},
  };
  for (const auto& c : cases) {
    ChildProcess p(c.argv, ChildOptions{true, {}});
    EXPECT_EQ(p.wait_exit(10000), 2) << c.argv[0] << " ... " << c.says;
    const std::string out = p.drain();
    EXPECT_NE(out.find(c.says), std::string::npos) << out;
  }
  // A key file others can read is accepted with a warning.
  const std::string open_key = dir.write("open.key", kKey, 0644);
  ChildProcess oms({kBin + "/amino-oms", "--port", "0", "--cluster-key-file", open_key}, ChildOptions{true, {}});
  EXPECT_FALSE(oms.wait_for_line("chmod 600", 10000).empty());
  EXPECT_FALSE(oms.wait_for_line("listening on", 10000).empty());
}

}  // namespace
}  // namespace amino::testing
