// The checkpointing DMs with real processes: the kernel server hosting the object is killed with
// SIGKILL (no chance to flush or shut down) and started again on the same address with the same
// --storage-dir; the object answers with its last checkpointed state.
#include <gtest/gtest.h>

#include <memory>

#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

// kill -9 of ks1 and a new amino-kernel-server on its address with its storage directory; waits
// (bounded) until the OMS counts it live again.
std::unique_ptr<ChildProcess> kill_and_restart_ks1(Deployment& d) {
  d.ks(1).kill_hard();
  EXPECT_EQ(d.ks(1).pid(), -1);  // SIGKILL sent and the process reaped
  const std::string& addr = d.ks_addr(1);
  std::vector<std::string> argv = {kBin + "/amino-kernel-server", "--oms", d.oms_addr(), "--label", "name=ks1",
                                   "--heartbeat-ms", "300", "--storage-dir", (d.dir().path() / "ks1").string(),
                                   "--port", addr.substr(addr.rfind(':') + 1)};
  auto ks = std::make_unique<ChildProcess>(argv, ChildOptions{true, {}});
  EXPECT_NE(ks->wait_for_line("amino-kernel-server ", 10000), "") << ks->drain();
  return ks;
}

// The value of read("a") once the object answers again (bounded; the restarted server may need a
// heartbeat or two before the client's calls reach it).
Reply read_when_back(Deployment& d, const Stub& s) {
  Reply r = Reply::error(Code::kInternal, "never answered");
  d.wait_until([&] {
    d.run([&] { r = s.invoke("read", {Value("a")}, 2 * kSecond); });
    return r.ok();
  }, 20 * kSecond);
  return r;
}

Stub create(Deployment& d, const std::string& dm_list) {
  Stub s;
  d.run([&] {
    s = d.client().create("class: CheckpointedCounter\ndmList: " + dm_list +
                          "\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
  });
  return s;
}

Reply add(Deployment& d, const Stub& s, std::int64_t n) {
  Reply r;
  d.run([&] { r = s.invoke("add", {Value("a"), Value(n)}, 5 * kSecond); });
  return r;
}

TEST(CheckpointRestart, ExplicitCheckpointComesBackAfterKill9WithTheSameStorageDir) {
  Deployment d(DeploymentOptions{});
  ASSERT_TRUE(d.ok());
  Stub s = create(d, "[{name: ExplicitCheckpoint}]");
  ASSERT_TRUE(s.valid());
  ASSERT_TRUE(add(d, s, 5).ok());
  Reply cp;
  d.run([&] { cp = s.invoke("checkpoint", {}, 5 * kSecond); });
  ASSERT_TRUE(cp.ok()) << cp.status.to_string();
  ASSERT_TRUE(add(d, s, 3).ok());  // after the checkpoint: lost by the crash, as the application chose
  auto ks = kill_and_restart_ks1(d);
  Reply r = read_when_back(d, s);
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << ks->drain();
  EXPECT_EQ(r.value.as_int(), 5);
  ASSERT_TRUE(add(d, s, 1).ok());  // and it goes on from there
  r = read_when_back(d, s);
  EXPECT_EQ(r.value.as_int(), 6);
}

TEST(CheckpointRestart, DurableSerializableRpcKeepsEveryAcknowledgedCallAcrossKill9) {
  Deployment d(DeploymentOptions{});
  ASSERT_TRUE(d.ok());
  Stub s = create(d, "[{name: DurableSerializableRPC}]");
  ASSERT_TRUE(s.valid());
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(add(d, s, i).ok());
  auto ks = kill_and_restart_ks1(d);
  Reply r = read_when_back(d, s);
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << ks->drain();
  EXPECT_EQ(r.value.as_int(), 55);
}

TEST(CheckpointRestart, PeriodicCheckpointComesBackWithItsLastCheckpointAfterKill9) {
  Deployment d(DeploymentOptions{});
  ASSERT_TRUE(d.ok());
  Stub s = create(d, "[{name: PeriodicCheckpoint, config: {everyCalls: 4}}]");
  ASSERT_TRUE(s.valid());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(add(d, s, 1).ok());
  auto ks = kill_and_restart_ks1(d);
  Reply r = read_when_back(d, s);
  ASSERT_TRUE(r.ok()) << r.status.to_string() << "\n" << ks->drain();
  EXPECT_EQ(r.value.as_int(), 4);  // the checkpoint after the 4th call; the 5th and 6th are lost
}

}  // namespace
}  // namespace amino::testing
