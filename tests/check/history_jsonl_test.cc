// Histories as JSON Lines: round trips, Jepsen's optional fields, and a clear error naming the line
// for every malformed or hostile input.
#include "testbed/check/history_jsonl.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testbed/check/linearizability.h"

namespace amino::check {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_jsonl(text);
  } catch (const HistoryError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(HistoryJsonl, ReadsJepsenEventsAndPairsThem) {
  const History h = parse_jsonl(
      R"({"process": 0, "type": "invoke", "f": "write", "key": "x", "value": 5, "time": 100}
{"process": 1, "type": "invoke", "f": "read", "key": "x", "time": 150}

{"process": 0, "type": "ok", "f": "write", "key": "x", "value": 5, "time": 200, "node": "n1"}
{"process": 1, "type": "ok", "f": "read", "key": "x", "value": 5, "time": 300}
{"process": 2, "type": "invoke", "f": "cas", "value": [5, 6], "time": 400}
)");
  ASSERT_EQ(h.operations().size(), 3u);
  const Operation& w = h.operations()[0];
  EXPECT_EQ(w.id, 0);
  EXPECT_EQ(w.completion, 2);
  EXPECT_EQ(w.key, "\"x\"");
  EXPECT_EQ(w.call, 100);
  EXPECT_EQ(w.ret, 200);
  EXPECT_EQ(h.operations()[1].output, Json(5));
  EXPECT_EQ(h.operations()[2].outcome, Outcome::kInfo);  // never completed
  EXPECT_EQ(h.operations()[2].ret, kNever);
  EXPECT_EQ(h.events()[2].extra, Json({{"node", "n1"}}));
  EXPECT_EQ(check_linearizable(h, *make_model("register")).verdict, Verdict::kLinearizable);
}

TEST(HistoryJsonl, LineOrderIsTimeWhenNoEventHasOne) {
  const History h = parse_jsonl(R"({"process": 0, "type": "invoke", "f": "read"}
{"process": 0, "type": "ok", "f": "read", "value": null}
)");
  EXPECT_EQ(h.operations()[0].call, 0);
  EXPECT_EQ(h.operations()[0].ret, 1);
  EXPECT_EQ(h.operations()[0].key, "");  // the implicit key
}

TEST(HistoryJsonl, RoundTrips) {
  const std::string text =
      "{\"process\":3,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":5,\"time\":1200000}\n"
      "{\"process\":3,\"type\":\"info\",\"f\":\"write\",\"key\":\"x\",\"value\":5,\"time\":1300000,\"error\":\"TIMEOUT\"}\n";
  std::ostringstream out;
  write_jsonl(parse_jsonl(text), out);
  EXPECT_EQ(out.str(), text);
}

TEST(HistoryJsonl, MalformedInputNamesTheLine) {
  EXPECT_NE(error_of("{\"process\": 0, \"type\": \"invoke\", \"f\": \"read\"}\n{oops").find("line 2: malformed JSON"),
            std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("line 1: an event must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"process": "a", "type": "invoke", "f": "read"})").find("\"process\" must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"process": 1, "type": "call", "f": "read"})").find("got \"call\""), std::string::npos);
  EXPECT_NE(error_of(R"({"process": 1, "type": "invoke", "f": ""})").find("\"f\""), std::string::npos);
  EXPECT_NE(error_of(R"({"process": 1, "type": "invoke", "f": "read", "time": 1.5})").find("\"time\""), std::string::npos);
  EXPECT_NE(error_of(R"({"process": 1, "type": "invoke", "f": "read", "time": -4})").find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"process": 18446744073709551615, "type": "invoke", "f": "read"})").find("out of range"),
            std::string::npos);
}

TEST(HistoryJsonl, BadPairingNamesTheLine) {
  EXPECT_NE(error_of(R"({"process": 1, "type": "ok", "f": "read"})").find("line 1: ok of process 1 completes no operation"),
            std::string::npos);
  EXPECT_NE(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\"}\n\n"
                     "{\"process\": 1, \"type\": \"invoke\", \"f\": \"write\"}")
                .find("line 3: process 1 invokes write while its invoke of line 1 has not completed"),
            std::string::npos);
  EXPECT_NE(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\"}\n"
                     "{\"process\": 1, \"type\": \"ok\", \"f\": \"write\"}")
                .find("differs from its invoke"),
            std::string::npos);
  EXPECT_NE(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 5}\n"
                     "{\"process\": 1, \"type\": \"ok\", \"f\": \"read\"}")
                .find("line 2: no \"time\""),
            std::string::npos);
  EXPECT_NE(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 5}\n"
                     "{\"process\": 1, \"type\": \"ok\", \"f\": \"read\", \"time\": 4}")
                .find("before its invoke"),
            std::string::npos);
}

TEST(HistoryJsonl, HostileInputHitsALimitNotTheMemory) {
  EXPECT_NE(error_of(std::string(2000, '[') + std::string(2000, ']')).find("kMaxValueDepth"), std::string::npos);
  const std::string long_line = "{\"process\": 1, \"type\": \"invoke\", \"f\": \"" + std::string(kMaxHistoryLineBytes, 'a') + "\"}";
  EXPECT_NE(error_of(long_line).find("kMaxHistoryLineBytes"), std::string::npos);
}

}  // namespace
}  // namespace amino::check
