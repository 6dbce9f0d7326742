// The history recorder: lanes as processes, the invoke/completion pairing and the status table.
#include "pybind/history.h"

#include <gtest/gtest.h>

namespace amino::pyrun {
namespace {

using nlohmann::json;

HistoryRecorder::Op call(HistoryRecorder& h, std::size_t workload, Time t, json args = json::array({1})) {
  return h.invoke(workload, "c" + std::to_string(workload), "n", "obj", "write", std::move(args), t);
}

TEST(History, InvokeAndOkCarryArgumentsReplyAndTimes) {
  HistoryRecorder h(1);
  auto op = call(h, 0, 10, json::array({"x", 5}));
  h.returned(op, Status{}, json(7), 25);
  const json& e = h.events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], (json{{"process", 0}, {"type", "invoke"}, {"f", "write"}, {"value", json::array({"x", 5})},
                        {"time", 10}, {"object", "obj"}, {"client", "c0"}, {"node", "n"}}));
  EXPECT_EQ(e[1]["type"], "ok");
  EXPECT_EQ(e[1]["value"], 7);
  EXPECT_EQ(e[1]["time"], 25);
  EXPECT_EQ(e[1]["process"], 0);
  EXPECT_FALSE(e[1].contains("error"));
  EXPECT_FALSE(e[0].contains("key"));  // workload generators add keys; the runner has none
}

TEST(History, ConcurrentCallsOfOneWorkloadTakeTheirOwnLanes) {
  HistoryRecorder h(3);  // workloads 0..2: lane L of workload w is process w + 3L
  auto a = call(h, 1, 0);
  auto b = call(h, 1, 1);
  auto c = call(h, 1, 2);
  auto other = call(h, 2, 2);
  EXPECT_EQ(h.events()[0]["process"], 1);
  EXPECT_EQ(h.events()[1]["process"], 4);
  EXPECT_EQ(h.events()[2]["process"], 7);
  EXPECT_EQ(h.events()[3]["process"], 2);
  h.returned(b, Status{}, nullptr, 3);  // frees lane 1: the next call takes it, not lane 3
  auto d = call(h, 1, 4);
  EXPECT_EQ(h.events()[4]["process"], 4);
  EXPECT_EQ(h.events()[5]["process"], 4);
  EXPECT_EQ(h.events()[5]["type"], "invoke");
  h.returned(a, Status{}, nullptr, 5);
  h.returned(c, Status{}, nullptr, 5);
  h.returned(d, Status{}, nullptr, 5);
  h.returned(other, Status{}, nullptr, 5);
  // A process never has two operations outstanding.
  std::map<int, int> open;
  for (const auto& e : h.events()) {
    int& n = open[e["process"].get<int>()];
    n += e["type"] == "invoke" ? 1 : -1;
    EXPECT_TRUE(n == 0 || n == 1) << e.dump();
  }
}

TEST(History, TimeoutIsInfoWithTheArgumentsAndTheError) {
  HistoryRecorder h(1);
  auto op = call(h, 0, 0, json::array({42}));
  h.returned(op, Status{Code::kTimeout, "ks.invoke to b got no reply in 1000 ms", {}}, nullptr, 1000);
  const json done = h.events()[1];
  EXPECT_EQ(done["type"], "info");
  EXPECT_EQ(done["value"], json::array({42}));
  EXPECT_EQ(done["error"], "TIMEOUT: ks.invoke to b got no reply in 1000 ms");
}

TEST(History, ApplicationExceptionIsOkWithoutValue) {
  HistoryRecorder h(1);
  auto op = call(h, 0, 0);
  h.returned(op, Status{Code::kAppError, "board full", "std::runtime_error"}, json("ignored"), 1);
  const json done = h.events()[1];
  EXPECT_EQ(done["type"], "ok");
  EXPECT_TRUE(done["value"].is_null());
  EXPECT_EQ(done["error"], "APP_ERROR std::runtime_error: board full");
}

TEST(History, ACallThatNeverReachedTheObjectFails) {
  HistoryRecorder h(1);
  auto op = call(h, 0, 0, json::array({3}));
  h.not_issued(op, Status{Code::kNoSuchMicroService, "no microservice named x", {}}, 2);
  EXPECT_EQ(h.events()[1]["type"], "fail");
  EXPECT_EQ(h.events()[1]["value"], json::array({3}));
  // The same code from a call that was issued may follow a run of the method: info.
  auto again = call(h, 0, 3);
  h.returned(again, Status{Code::kNoSuchMicroService, "no group g", {}}, nullptr, 4);
  EXPECT_EQ(h.events()[3]["type"], "info");
}

TEST(History, StatusTable) {
  EXPECT_EQ(completion_of(Code::kOk), check::EventType::kOk);
  EXPECT_EQ(completion_of(Code::kAppError), check::EventType::kOk);
  // Every other code, including those raised before a method body runs, may follow an attempt
  // that ran (retries, or a system error escaping a body): unknown effect.
  for (int c = static_cast<int>(Code::kTimeout); c <= static_cast<int>(Code::kSessionExpired); ++c) {
    EXPECT_EQ(completion_of(static_cast<Code>(c)), check::EventType::kInfo) << code_name(static_cast<Code>(c));
  }
  EXPECT_STREQ(check::to_string(check::EventType::kFail), "fail");
}

}  // namespace
}  // namespace amino::pyrun
