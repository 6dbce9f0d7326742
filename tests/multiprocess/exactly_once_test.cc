// Exactly-once across client processes (issue 9, reproduction 1): a 3-replica ConsensusRSM counter
// and many short-lived clients. Every client endpoint has its own 128-bit session, so no client's
// call is taken for another's retry: replies are distinct and the counter equals the number of
// acknowledged writes. Before sessions, amino-ctl processes shared a fixed seed (so call ids) and,
// when an ephemeral port came round, an address (so caller ids): Raft's duplicate suppression
// replayed an old reply and skipped the write.
#include <gtest/gtest.h>

#include <set>

#include "dms/all.h"
#include "runtime/kernel.h"
#include "runtime/sockets/sockets_env.h"
#include "scenarios/registry.h"
#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

const char* kRsmSpec = "name: rsm\nclass: VisitCounter\ndmList:\n  - name: ConsensusRSM\n    config: {replicas: 3}\n";

DeploymentOptions three_servers() {
  DeploymentOptions o;
  o.kernel_servers = 3;
  return o;
}

TEST(ExactlyOnce, SeparateClientProcessesEachWriteOnce) {
  Deployment d(three_servers());
  ASSERT_TRUE(d.ok());
  const CtlResult created = d.ctl({"create", d.dir().write("rsm.yaml", kRsmSpec)});
  ASSERT_EQ(created.exit_code, 0) << created.out;

  constexpr int kClients = 40;
  std::set<std::int64_t> replies;
  int acknowledged = 0;
  for (int i = 0; i < kClients; ++i) {
    const CtlResult r = d.ctl({"call", "rsm", "visit"});
    if (r.exit_code != 0) continue;  // not acknowledged: may or may not have taken effect
    ++acknowledged;
    EXPECT_TRUE(replies.insert(std::stoll(r.out)).second) << "client " << i << " got a repeated reply " << r.out;
  }
  ASSERT_GT(acknowledged, kClients / 2) << "most calls should succeed on a healthy deployment";
  const CtlResult total = d.ctl({"call", "rsm", "visits"});
  ASSERT_EQ(total.exit_code, 0);
  // No fault was injected, so every unacknowledged call failed before being applied (or there were none).
  EXPECT_EQ(std::stoll(total.out), acknowledged);
}

// The deterministic form of the same bug: clients that come back on the same address with the same
// seed (what an ephemeral port coming round did by chance) are still different sessions.
TEST(ExactlyOnce, ClientsReusingOneAddressAndSeedAreDistinctSessions) {
  Deployment d(three_servers());
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.ctl({"create", d.dir().write("rsm.yaml", kRsmSpec)}).exit_code, 0);
  ClassRegistry classes;
  scenarios::register_all(classes);
  const std::uint16_t port = free_port();
  std::set<std::int64_t> replies;
  std::set<SessionId> sessions;
  constexpr int kClients = 15;
  for (int i = 0; i < kClients; ++i) {
    sockets::SocketsLoop loop;
    sockets::SocketsEnvOptions eo;
    eo.port = port;  // the same NodeId every time
    eo.seed = 1;     // and the same seeded call ids
    eo.min_log_level = LogLevel::kError;
    sockets::SocketsEnv env(loop, eo);
    sessions.insert(env.session());
    KernelOptions ko;
    ko.oms = d.oms_addr();
    ko.client_only = true;
    Kernel client(env, classes, dms::builtin(), ko);
    client.start();
    Reply r;
    bool done = false;
    env.spawn("client", [&] {
      r = client.acquire("rsm").invoke("visit", {}, 10 * kSecond);
      done = true;
    });
    ASSERT_TRUE(loop.run_until([&] { return done; }, 20 * kSecond));
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_TRUE(replies.insert(r.value.as_int()).second) << "client " << i << " was answered with an old reply";
  }
  EXPECT_EQ(sessions.size(), static_cast<std::size_t>(kClients));
  const CtlResult total = d.ctl({"call", "rsm", "visits"});
  ASSERT_EQ(total.exit_code, 0);
  EXPECT_EQ(std::stoll(total.out), kClients);
}

}  // namespace
}  // namespace amino::testing
