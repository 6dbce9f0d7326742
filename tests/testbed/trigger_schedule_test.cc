// Triggers ("on_probe": faults timed to a probe) as data: JSON round trip inside a schedule,
// validation, which probes count, and how "$node" resolves.
#include <gtest/gtest.h>

#include "testbed/fault_schedule.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"

namespace amino::testbed {
namespace {

PlatformSpec five() { return presets::cloud_cluster(5, "n"); }

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

// Crash the node that becomes leader (the second leader after 1 s), restart it 5 ms later.
ProbeTrigger crash_new_leader() {
  ProbeTrigger t;
  t.probe = "raft.leader";
  t.nth = 2;
  t.group = "g7";
  t.from = kSecond;
  t.until = 9 * kSecond;
  t.faults = {{0, CrashFault{kProbeNode, false}}, {5 * kMillisecond, RestartFault{kProbeNode}}};
  return t;
}

TEST(ProbeTriggers, RoundTripThroughTheScheduleJson) {
  FaultSchedule s;
  s.faults = {{2 * kSecond, HealFault{}}};
  ProbeTrigger isolate;
  isolate.probe = "raft.commit";
  isolate.node = "n1";
  isolate.faults = {{0, PartitionFault{{{kProbeNode}, {"n0", "n1", "n2", "n3", "n4"}}, BlockMode::kReset}},
                    {300 * kMillisecond, HealFault{}}};
  s.triggers = {crash_new_leader(), isolate};
  const nlohmann::json j = schedule_to_json(s);
  ASSERT_EQ(j["faults"].size(), 3u);
  EXPECT_EQ(j["faults"][1]["type"], "on_probe");
  EXPECT_EQ(j["faults"][1]["probe"], "raft.leader");
  EXPECT_EQ(j["faults"][1]["nth"], 2);
  EXPECT_EQ(j["faults"][1]["at_ns"], kSecond);
  EXPECT_EQ(j["faults"][1]["faults"][1]["after_ns"], 5 * kMillisecond);
  EXPECT_EQ(j["faults"][1]["faults"][1]["node"], "$node");
  const FaultSchedule back = schedule_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(back.faults.size(), 1u);
  ASSERT_EQ(back.triggers.size(), 2u);
  EXPECT_EQ(back.triggers[0].group, std::optional<std::string>("g7"));
  EXPECT_EQ(back.triggers[0].until, std::optional<Time>(9 * kSecond));
  EXPECT_EQ(back.triggers[1].node, std::optional<NodeId>("n1"));
  EXPECT_EQ(schedule_to_json(back), j);
  EXPECT_TRUE(validate(back, five()).empty()) << validate(back, five()).front();
  EXPECT_NE(describe(back.triggers[0]).find("on_probe {"), std::string::npos);
}

TEST(ProbeTriggers, BadTriggersAreClearErrors) {
  for (const char* text : {
           R"({"faults": [{"type": "on_probe", "faults": []}]})",                              // no probe
           R"({"faults": [{"type": "on_probe", "probe": "raft.leader"}]})",                    // no faults
           R"({"faults": [{"type": "on_probe", "probe": "raft.leader", "faults": {}}]})",      // not a list
           R"({"faults": [{"type": "on_probe", "probe": 5, "faults": []}]})",
           R"({"faults": [{"type": "on_probe", "probe": "x", "nth": 1e300, "faults": []}]})",
           R"({"faults": [{"type": "on_probe", "probe": "x", "faults": [{"type": "meteor"}]}]})",
           R"({"faults": [{"type": "on_probe", "probe": "x", "faults": [{"type": "on_probe", "probe": "y", "faults": []}]}]})",
           R"({"faults": [{"type": "on_probe", "probe": "x", "faults": [{"type": "heal", "after_ns": "later"}]}]})",
       }) {
    EXPECT_THROW(schedule_from_json(nlohmann::json::parse(text)), std::invalid_argument) << text;
  }
  EXPECT_THROW(fault_from_json(nlohmann::json::parse(R"({"type": "on_probe", "probe": "x", "faults": []})")),
               std::invalid_argument);

  ProbeTrigger t = crash_new_leader();
  t.nth = 0;
  t.node = "nobody";
  t.until = 0;
  t.faults.push_back({kMillisecond, RestartFault{kProbeNode}});  // a second restart: $node is up again
  t.faults.push_back({-1, CrashFault{"n9", false}});
  t.faults.push_back({0, PartitionFault{{{kProbeNode}}, BlockMode::kDrop}});
  const auto errors = validate(t, five());
  EXPECT_TRUE(mentions(errors, "nth must be in [1,")) << errors.size();
  EXPECT_TRUE(mentions(errors, "unknown node 'nobody'"));
  EXPECT_TRUE(mentions(errors, "until_ns is before at_ns"));
  EXPECT_TRUE(mentions(errors, "restart of node '$node' which is up"));
  EXPECT_TRUE(mentions(errors, "negative delay"));
  EXPECT_TRUE(mentions(errors, "unknown node 'n9'"));
  EXPECT_TRUE(mentions(errors, "needs at least two groups"));
  FaultSchedule s;
  s.triggers = {t};
  EXPECT_EQ(validate(s, five()).size(), errors.size());
}

TEST(ProbeTriggers, CountOnlyMatchingProbesInTheirWindow) {
  const ProbeTrigger t = crash_new_leader();
  ProbeRecord p{2 * kSecond, "n3", "raft.leader", {{"group", std::string("g7")}, {"term", std::int64_t{4}}}};
  EXPECT_TRUE(trigger_counts(t, p));
  ProbeRecord early = p, late = p, other_kind = p, other_group = p;
  early.time = kSecond - 1;
  late.time = 9 * kSecond;  // until is exclusive
  other_kind.kind = "raft.vote";
  other_group.fields[0].value = std::string("g8");
  for (const auto& q : {early, late, other_kind, other_group}) EXPECT_FALSE(trigger_counts(t, q));
  ProbeTrigger on_node = t;
  on_node.node = "n2";
  EXPECT_FALSE(trigger_counts(on_node, p));
  p.node = "n2";
  EXPECT_TRUE(trigger_counts(on_node, p));
}

TEST(ProbeTriggers, TheProbesNodeReplacesNodeAndLeavesTheOtherGroups) {
  EXPECT_EQ(std::get<CrashFault>(resolve_probe_node(CrashFault{kProbeNode, true}, "n2")).node, "n2");
  EXPECT_TRUE(std::get<CrashFault>(resolve_probe_node(CrashFault{kProbeNode, true}, "n2")).wipe_storage);
  EXPECT_EQ(std::get<CrashFault>(resolve_probe_node(CrashFault{"n1", false}, "n2")).node, "n1");
  const auto p = std::get<PartitionFault>(
      resolve_probe_node(PartitionFault{{{kProbeNode}, {"n0", "n1", "n2", "n3"}}, BlockMode::kDrop}, "n2"));
  EXPECT_EQ(p.groups, (std::vector<std::vector<NodeId>>{{"n2"}, {"n0", "n1", "n3"}}));
  const auto w = std::get<OneWayPartitionFault>(
      resolve_probe_node(OneWayPartitionFault{{"n0", "n1"}, {kProbeNode}, BlockMode::kDrop}, "n1"));
  EXPECT_EQ(w.from, std::vector<NodeId>{"n0"});
  EXPECT_EQ(w.to, std::vector<NodeId>{"n1"});
  // Without "$node" a partition stays as written.
  const auto plain = std::get<PartitionFault>(resolve_probe_node(PartitionFault{{{"n0"}, {"n1", "n2"}}}, "n2"));
  EXPECT_EQ(plain.groups, (std::vector<std::vector<NodeId>>{{"n0"}, {"n1", "n2"}}));
  EXPECT_EQ(std::get<LinkChangeFault>(resolve_probe_node(LinkChangeFault{"$node/uplink", kSecond, {}}, "n4")).link,
            "n4/uplink");
  const auto m = std::get<MessageFaultsFault>(resolve_probe_node(MessageFaultsFault{kProbeNode, "*", {}}, "n3"));
  EXPECT_EQ(m.from, "n3");
  EXPECT_TRUE(validate(resolve_probe_node(PartitionFault{{{kProbeNode}, {"n0", "n1", "n2", "n3", "n4"}}}, "n0"), five())
                  .empty());
}

TEST(ProbeTriggers, TheSocketsBackendRefusesThem) {
  FaultSchedule s;
  s.triggers = {crash_new_leader()};
  EXPECT_TRUE(mentions(validate_for_sockets(s, five()), "only the simulator records"));
}

}  // namespace
}  // namespace amino::testbed
