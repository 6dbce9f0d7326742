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

// The audit log is part of the OMS's replicated state (a new leader's log goes on from the old
// one's): it round-trips through export/import in order, and an import keeps it bounded.
TEST(OmsControl, TheAuditLogTravelsWithTheStateInOrderAndBounded) {
  InProcCluster c;
  ASSERT_TRUE(c.run("client", [&] {
    c.client().create("name: hits\nclass: Counter\nargs: [0]\n");
    c.client().attach("hits");
  }));
  const std::vector<std::string> before = c.oms().events();
  ASSERT_GE(before.size(), 3u);
  Value state = c.oms().export_state();
  ASSERT_EQ(state.at("events").as_map().size(), before.size());
  c.oms().import_state(state);
  EXPECT_EQ(c.oms().events(), before);

  // More lines than the log keeps, numbered past 9 (text order must still be number order).
  ValueMap many;
  const std::size_t n = OmsCore::kMaxEvents + 5;
  for (std::size_t i = 1; i <= n; ++i) {
    many.emplace(std::string(20 - std::to_string(i).size(), '0') + std::to_string(i), "line " + std::to_string(i));
  }
  state["events"] = many;
  c.oms().import_state(state);
  ASSERT_EQ(c.oms().events().size(), OmsCore::kMaxEvents);
  EXPECT_EQ(c.oms().events().front(), "line 6");
  EXPECT_EQ(c.oms().events().back(), "line " + std::to_string(n));
  // The numbering goes on: the next export names the same lines with the same numbers.
  const Value again = c.oms().export_state();
  EXPECT_EQ(again.at("events").as_map().begin()->first, std::string(19, '0') + "6");
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
