// The OMS's control plane as an operator and an attacker see it: every mutation is an event naming
// who asked, an oversized create is refused before it can starve heartbeats, and a node report
// speaks only for its sender.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/protocol.h"
#include "runtime/spec.h"
#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

bool has_event(InProcCluster& c, const std::string& needle) {
  const auto& ev = c.oms().events();
  return std::any_of(ev.begin(), ev.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

TEST(OmsControl, EveryMutationIsAnEventNamingWhoAsked) {
  InProcCluster c;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create("name: hits\nclass: Counter\nargs: [0]\n");
    c.client().attach("hits");
    c.client().detach("hits");
    ASSERT_TRUE(c.client().oms_call(svc::kMigrate, ValueMap{{"id", s.id()}, {"node", "ks2"}}).ok());
    ASSERT_TRUE(c.client().oms_call(svc::kDelete, ValueMap{{"id", s.id()}}).ok());
  }));
  for (const char* e : {"registered", "created by client", "attached by client", "detached by client",
                        "migration of ms1 to ks2 requested by client: done", "deleted by client"}) {
    EXPECT_TRUE(has_event(c, e)) << "no event mentions '" << e << "'";
  }
}

TEST(OmsControl, OversizedCreateIsRefusedAndNamesTheLimit) {
  ClusterOptions o;
  o.oms.max_create_bytes = 64 * 1024;
  InProcCluster c(o);
  MicroServiceSpec spec = parse_spec("class: Counter\nargs: [0]\n", c.dms());
  spec.args = {Value(std::string(200 * 1024, 'x'))};  // past the parser's own limits: straight to the OMS
  Code code = Code::kOk;
  std::string what;
  ASSERT_TRUE(c.run("client", [&] {
    try {
      c.client().create(spec);
    } catch (const SystemError& e) {
      code = e.code();
      what = e.what();
    }
  }));
  EXPECT_EQ(code, Code::kBadArguments);
  EXPECT_NE(what.find("exceeds the limit of 65536 bytes"), std::string::npos) << what;
  EXPECT_FALSE(has_event(c, "created by"));
}

TEST(OmsControl, ANodeReportSpeaksOnlyForItsSender) {
  InProcCluster c;
  Stub s;
  ASSERT_TRUE(c.run("client", [&] {
    s = c.client().create("class: Counter\nargs: [0]\nnodeSelector: [{key: node, operator: =, values: [ks1]}]\n");
    ASSERT_EQ(s.call<std::int64_t>("add", 1), 1);
    // The client claims to be ks1, freshly restarted with no objects: before, the OMS believed it
    // and failed ks1's replicas ("restarted and lost 1 replica(s)").
    Value forged = node_info_to_value(NodeInfo{"ks1", "region-1", {}, true});
    forged["incarnation"] = static_cast<std::int64_t>(12345);
    forged["oids"] = ValueList{};
    c.client().rpc().cast_value("oms", svc::kHeartbeat, ValueMap{{"node", forged}});
    c.client().env().sleep_for(2 * kSecond);
    EXPECT_EQ(s.call<std::int64_t>("add", 1), 2);
  }));
  EXPECT_FALSE(has_event(c, "restarted and lost"));
}

}  // namespace
}  // namespace amino::testing
