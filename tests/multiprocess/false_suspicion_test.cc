// A false failure suspicion on real processes (issue 9, part 2): a kernel server is stopped with
// SIGSTOP until the OMS declares it dead, then continued. Its objects must answer again (the OMS
// reconciles it with each group) and no acknowledged write is lost. Every wait is bounded and
// event-driven; nothing asserts a duration.
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

bool wait_for_event(Deployment& d, const std::string& needle) {
  for (int i = 0; i < 150; ++i) {
    const CtlResult r = d.ctl({"events"});
    if (r.exit_code == 0 && r.out.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Calls until one succeeds (bounded); the reply, or "" if none did.
std::string call_until_ok(Deployment& d, const std::vector<std::string>& call) {
  for (int i = 0; i < 60; ++i) {
    const CtlResult r = d.ctl(call);
    if (r.exit_code == 0) return r.out;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return "";
}

TEST(FalseSuspicionProcesses, StoppedKernelServerAnswersAgainAfterSigcont) {
  DeploymentOptions o;  // the OMS declares a server dead after 1.5 s of silence; heartbeats every 0.3 s
  o.kernel_servers = 2;
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const std::string on_ks1 = "nodeSelector: [{key: name, operator: =, values: [ks1]}]\n";
  ASSERT_EQ(d.ctl({"create", d.dir().write("plain.yaml", "name: plain\nclass: VisitCounter\n" + on_ks1)}).exit_code, 0);
  ASSERT_EQ(d.ctl({"create", d.dir().write("rsm.yaml", "name: rsm\nclass: VisitCounter\ndmList:\n"
                                                       "  - name: ConsensusRSM\n    config: {replicas: 2}\n")})
                .exit_code,
            0);
  ASSERT_EQ(call_until_ok(d, {"call", "plain", "visit"}), "1\n");
  int acked = 0;
  for (int i = 0; i < 3; ++i) acked += call_until_ok(d, {"call", "rsm", "visit"}).empty() ? 0 : 1;

  ASSERT_EQ(::kill(d.ks(1).pid(), SIGSTOP), 0);
  const bool declared = wait_for_event(d, "missed its heartbeats: declared dead");
  ASSERT_EQ(::kill(d.ks(1).pid(), SIGCONT), 0);
  ASSERT_TRUE(declared) << d.ctl({"events"}).out;
  ASSERT_TRUE(wait_for_event(d, "is back")) << d.ctl({"events"}).out;

  EXPECT_EQ(call_until_ok(d, {"call", "plain", "visit"}), "2\n") << d.ctl({"events"}).out;
  const std::string events = d.ctl({"events"}).out;
  EXPECT_TRUE(events.find("re-admitted by group") != std::string::npos ||
              events.find("suspicion withdrawn") != std::string::npos)
      << events;
  for (int i = 0; i < 3; ++i) acked += call_until_ok(d, {"call", "rsm", "visit"}).empty() ? 0 : 1;
  EXPECT_EQ(call_until_ok(d, {"call", "rsm", "visits"}), std::to_string(acked) + "\n") << d.ctl({"events"}).out;
}

}  // namespace
}  // namespace amino::testing
