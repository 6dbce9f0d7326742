// Trace labels of frames (sim/call_labels.h): method names of calls, their replies, services.
#include "sim/call_labels.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "amino.pb.h"
#include "runtime/wire.h"
#include "sim/trace.h"

namespace amino::sim {
namespace {

std::string request(std::uint64_t call_id, const std::string& service, const std::string& method = "") {
  pb::Frame f;
  f.set_call_id(call_id);
  f.set_service(service);
  if (!method.empty()) {
    pb::InvokeRequest req;
    req.set_method(method);
    req.set_oid(3);
    f.set_body(wire::serialize(req));
  }
  return wire::serialize(f);
}

std::string reply(std::uint64_t call_id) {
  pb::Frame f;
  f.set_call_id(call_id);
  f.set_is_reply(true);
  return wire::serialize(f);
}

TEST(CallLabels, InvocationsCarryTheirMethodAndRepliesTheirRequests) {
  CallLabels l;
  EXPECT_EQ(l.label("client", "server", request(1, "ks.invoke", "read")), "ks.invoke read");
  EXPECT_EQ(l.label("client", "server", request(2, "ks.invoke", "write")), "ks.invoke write");
  EXPECT_EQ(l.label("client", "oms", request(1, "oms.acquire")), "oms.acquire");
  // Replies are matched by (caller, callee, call id): the same call id towards the OMS is another call.
  EXPECT_EQ(l.label("server", "client", reply(2)), "reply ks.invoke write");
  EXPECT_EQ(l.label("oms", "client", reply(1)), "reply oms.acquire");
  EXPECT_EQ(l.label("server", "client", reply(1)), "reply ks.invoke read");
  EXPECT_EQ(l.label("server", "client", reply(1)), "");  // a duplicated reply
  EXPECT_EQ(l.label("a", "b", request(0, "oms.heartbeat")), "oms.heartbeat");  // a cast
  EXPECT_EQ(l.label("b", "a", reply(0)), "");
}

TEST(CallLabels, ForeignBytesAndHostileNamesStayPrintable) {
  CallLabels l;
  EXPECT_EQ(l.label("a", "b", "req 1"), "");
  EXPECT_EQ(l.label("a", "b", std::string("\xff\xff\xff", 3)), "");
  const std::string label = l.label("a", "b", request(1, "ks.invoke", "r\x01\xc3\xa9" + std::string(100, 'x')));
  EXPECT_EQ(label.rfind("ks.invoke r???x", 0), 0u) << label;
  EXPECT_LE(label.size(), 10u + 64u + 3u);
  for (char c : label) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
}

TEST(CallLabels, AreShownButNotHashed) {
  // A label is a function of the frame, whose digest is hashed; runs that keep no events (no labels)
  // must hash like runs that do.
  Trace labelled, plain, hash_only(false);
  const TraceEvent send{1, "n", "send", "m", 7, 10, 99, ""};
  const TraceEvent recv{2, "m", "recv", "n", 7, 10, 0, ""};
  for (Trace* t : {&labelled, &plain, &hash_only}) {
    t->record(send);
    t->record(recv);
  }
  labelled.label_message(7, "ks.invoke read");
  hash_only.label_message(7, "ks.invoke read");
  EXPECT_EQ(labelled.hash(), plain.hash());
  EXPECT_EQ(labelled.hash(), hash_only.hash());
  std::istringstream lines(labelled.to_jsonl());
  std::string line;
  int labelled_lines = 0;
  while (std::getline(lines, line)) labelled_lines += nlohmann::json::parse(line).value("call", "") == "ks.invoke read";
  EXPECT_EQ(labelled_lines, 2);  // the send and the recv of message 7
  const std::string chrome = labelled.to_chrome_json({"m", "n"});
  EXPECT_NE(chrome.find("send to m: ks.invoke read"), std::string::npos);
  EXPECT_NE(chrome.find("recv from n: ks.invoke read"), std::string::npos);
  EXPECT_EQ(plain.to_jsonl().find("call"), std::string::npos);
}

}  // namespace
}  // namespace amino::sim
