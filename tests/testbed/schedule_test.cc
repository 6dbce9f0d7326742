#include <gtest/gtest.h>

#include "testbed/fault_schedule.h"
#include "testbed/presets.h"

namespace amino::testbed {
namespace {

PlatformSpec five() {
  PlatformSpec p = presets::cloud_cluster(5, "n");
  return p;
}

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

FaultSchedule every_kind() {
  LinkFaults lf;
  lf.drop = 0.1;
  lf.duplicate = 0.2;
  lf.reorder = 0.3;
  lf.reorder_window = 5 * kMillisecond;
  lf.delay = kMillisecond;
  lf.jitter = 2 * kMillisecond;
  FaultSchedule s;
  s.faults = {
      {1 * kSecond, PartitionFault{{{"n0", "n1"}, {"n2", "n3", "n4"}}, BlockMode::kReset}},
      {2 * kSecond, OneWayPartitionFault{{"n0"}, {"n1"}, BlockMode::kDrop}},
      {3 * kSecond, BridgePartitionFault{{"n0", "n1", "n2", "n3", "n4"}, BlockMode::kDrop}},
      {4 * kSecond, MajoritiesRingFault{{"n0", "n1", "n2", "n3", "n4"}, BlockMode::kDrop}},
      {5 * kSecond, HealFault{}},
      {6 * kSecond, LinkChangeFault{"n0/uplink", 10 * kMillisecond, 1e6}},
      {7 * kSecond, MessageFaultsFault{"*", "n1", lf}},
      {8 * kSecond, ClearMessageFaultsFault{}},
      {9 * kSecond, CrashFault{"n2", true}},
      {10 * kSecond, RestartFault{"n2"}},
      {11 * kSecond, PauseFault{"n3"}},
      {12 * kSecond, ResumeFault{"n3"}},
      {13 * kSecond, ClockFault{"n4", -kSecond, 1e-4}},
      {14 * kSecond, TornWriteFault{"n4"}},
  };
  return s;
}

TEST(FaultSchedule, JsonRoundTripsEveryKind) {
  const FaultSchedule s = every_kind();
  const nlohmann::json j = schedule_to_json(s);
  const FaultSchedule back = schedule_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(back.faults.size(), s.faults.size());
  EXPECT_EQ(schedule_to_json(back), j);
  EXPECT_EQ(j["faults"][0]["type"], "partition");
  EXPECT_EQ(j["faults"][0]["mode"], "reset");
  EXPECT_TRUE(validate(back, five()).empty());
}

TEST(FaultSchedule, UnknownTypeIsAClearError) {
  try {
    fault_from_json(nlohmann::json{{"type", "meteor"}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown fault type 'meteor'"), std::string::npos);
  }
  EXPECT_THROW(fault_from_json(nlohmann::json{{"type", "partition"}, {"mode", "explode"}, {"groups", {{"n0"}}}}),
               std::invalid_argument);
  EXPECT_THROW(fault_from_json(nlohmann::json{{"type", "crash"}}), std::invalid_argument);
}

TEST(FaultSchedule, ValidationFindsBadFaults) {
  LinkFaults bad;
  bad.drop = 2;
  FaultSchedule s;
  s.faults = {
      {kSecond, PartitionFault{{{"n0", "n1"}, {"n1"}}, BlockMode::kDrop}},
      {kSecond, CrashFault{"ghost", false}},
      {kSecond, LinkChangeFault{"n0/uplink", -1, 0.0}},
      {kSecond, LinkChangeFault{"nowhere", std::nullopt, 1e6}},
      {kSecond, MessageFaultsFault{"n0", "*", bad}},
      {kSecond, ClockFault{"n0", 0, -1.0}},
      {-kSecond, HealFault{}},
  };
  const auto errors = validate(s, five());
  EXPECT_TRUE(mentions(errors, "appears twice")) << errors.size();
  EXPECT_TRUE(mentions(errors, "unknown node 'ghost'"));
  EXPECT_TRUE(mentions(errors, "negative latency"));
  EXPECT_TRUE(mentions(errors, "bandwidth must be > 0"));
  EXPECT_TRUE(mentions(errors, "unknown link 'nowhere'"));
  EXPECT_TRUE(mentions(errors, "drop probability"));
  EXPECT_TRUE(mentions(errors, "drift"));
  EXPECT_TRUE(mentions(errors, "negative time"));
}

TEST(FaultSchedule, ValidationChecksNodeLifecycleOrder) {
  FaultSchedule s;
  s.faults = {{2 * kSecond, RestartFault{"n0"}},    // before the crash below: n0 is up
              {3 * kSecond, CrashFault{"n0", false}},
              {4 * kSecond, CrashFault{"n0", false}},  // already down
              {5 * kSecond, ResumeFault{"n1"}},        // never paused
              {6 * kSecond, PauseFault{"n0"}}};        // down
  const auto errors = validate(s, five());
  EXPECT_TRUE(mentions(errors, "restart of node 'n0' which is up"));
  EXPECT_TRUE(mentions(errors, "already crashed"));
  EXPECT_TRUE(mentions(errors, "not paused"));
  EXPECT_TRUE(mentions(errors, "pause of node 'n0'"));
  EXPECT_EQ(errors.size(), 4u);
}

// Found by fuzz/fault_schedule_fuzz: a time past the int64 range was cast to an integer (undefined
// behaviour). Every nanosecond field now rejects such numbers; in-range floats still truncate.
TEST(FaultSchedule, NanosecondFieldsOutOfRangeAreErrors) {
  for (const char* text : {
           R"({"faults": [{"at_ns": 1.9e97, "type": "heal"}]})",
           R"({"faults": [{"at_ns": 18446744073709551615, "type": "heal"}]})",
           R"({"faults": [{"at_ns": "soon", "type": "heal"}]})",
           R"({"faults": [{"type": "link", "link": "n0/uplink", "latency_ns": -1e300}]})",
           R"({"faults": [{"type": "clock", "node": "n1", "offset_ns": 1e19}]})",
           R"({"faults": [{"type": "message_faults", "faults": {"delay_ns": 9.3e18}}]})",
           R"({"faults": [{"type": "message_faults", "faults": {"jitter_ns": 1e40}}]})",
           R"({"faults": [{"type": "message_faults", "faults": {"reorder_window_ns": -9.3e18}}]})",
       }) {
    EXPECT_THROW(schedule_from_json(nlohmann::json::parse(text)), std::invalid_argument) << text;
  }
  const FaultSchedule s = schedule_from_json(nlohmann::json::parse(
      R"({"faults": [{"at_ns": 1500000000.7, "type": "clock", "node": "n1", "offset_ns": -2.0e9}]})"));
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].at, 1'500'000'000);
  EXPECT_EQ(std::get<ClockFault>(s.faults[0].fault).offset, -2'000'000'000);
}

}  // namespace
}  // namespace amino::testbed
