// Same (binary, scenario, seed) => same trace hash, in fresh processes; another seed => another
// hash. Each run is forked (SimGrid allows one engine per process), and this test's own process
// never creates a SimWorld.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "sim/isolate.h"
#include "tests/sim/sim_fixture.h"

namespace amino::simtest {
namespace {

using namespace amino::sim;
using namespace amino::testbed;

// A scenario that exercises every random and fault path: loss, duplication, reordering, jitter,
// a crash/restart and a partition, with a server doing CPU work in execution contexts.
std::string scenario(std::uint64_t seed) {
  EchoClientConfig c;
  c.requests = 60;
  c.timeout = 200 * kMillisecond;
  c.interval = 50 * kMillisecond;
  EchoServerConfig sc;
  sc.ops_per_request = 1e7;
  auto s = make_echo(c, sc, cloud_pair(), seed);
  LinkFaults f;
  f.drop = 0.1;
  f.duplicate = 0.1;
  f.reorder = 0.3;
  f.reorder_window = 3 * kMillisecond;
  f.jitter = kMillisecond;
  FaultSchedule sched;
  sched.faults = {{500 * kMillisecond, MessageFaultsFault{"*", "*", f}},
                  {kSecond, CrashFault{"server", false}},
                  {1500 * kMillisecond, RestartFault{"server"}},
                  {2 * kSecond, PartitionFault{{{"client"}, {"server"}}, BlockMode::kReset}},
                  {2200 * kMillisecond, HealFault{}}};
  s.world->schedule(sched);
  const auto report = s.world->run_for(20 * kSecond);
  if (!report.ok()) throw std::runtime_error(report.to_string());
  return s.world->trace().hash_hex() + " " + std::to_string(s.world->trace().size()) + " " +
         std::to_string(s.client->count(Outcome::kOk));
}

std::string isolated(std::uint64_t seed) {
  const IsolatedResult r = run_isolated([seed] { return scenario(seed); });
  EXPECT_TRUE(r.ok) << "exit " << r.exit_code << " signal " << r.signal << ": " << r.output;
  return r.output;
}

TEST(Determinism, SameSeedSameTraceHashAcrossProcesses) {
  const std::string first = isolated(7);
  ASSERT_FALSE(first.empty());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(isolated(7), first);
}

TEST(Determinism, DifferentSeedDifferentTraceHash) {
  std::set<std::string> hashes;
  for (std::uint64_t seed : {1, 2, 3}) hashes.insert(isolated(seed).substr(0, 16));
  EXPECT_EQ(hashes.size(), 3u);
}

TEST(Determinism, ChildFailureIsReportedToTheParent) {
  const IsolatedResult r = run_isolated([]() -> std::string { throw std::runtime_error("scenario broke"); });
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "scenario broke");
}

TEST(Trace, ExportsJsonLinesAndChromeTrace) {
  EchoClientConfig c;
  c.requests = 3;
  auto s = make_echo(c);
  s.world->schedule(150 * kMillisecond, PauseFault{"server"});
  s.world->schedule(160 * kMillisecond, ResumeFault{"server"});
  s.world->run_for(2 * kSecond);
  const Trace& t = s.world->trace();
  ASSERT_GT(t.size(), 10u);
  // JSON lines: one parseable object per event, in time order.
  std::istringstream lines(t.to_jsonl());
  std::string line;
  Time last = 0;
  int n = 0, sends = 0, recvs = 0, faults = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_GE(j["t"].get<Time>(), last);
    last = j["t"].get<Time>();
    sends += j["kind"] == "send";
    recvs += j["kind"] == "recv";
    faults += j["kind"] == "fault";
    ++n;
  }
  EXPECT_EQ(static_cast<std::uint64_t>(n), t.size());
  EXPECT_EQ(sends, 6);
  EXPECT_EQ(recvs, 6);
  EXPECT_EQ(faults, 2);
  // Chrome trace: a named track per node, flow start/finish per message, a pause span.
  const auto chrome = nlohmann::json::parse(s.world->chrome_trace());
  std::set<std::string> tracks;
  int flow_s = 0, flow_f = 0, span_b = 0, span_e = 0;
  for (const auto& e : chrome["traceEvents"]) {
    if (e["ph"] == "M") tracks.insert(e["args"]["name"].get<std::string>());
    flow_s += e["ph"] == "s";
    flow_f += e["ph"] == "f";
    span_b += e["ph"] == "b";
    span_e += e["ph"] == "e";
  }
  EXPECT_EQ(tracks, (std::set<std::string>{"world", "client", "server"}));
  EXPECT_EQ(flow_s, 6);
  EXPECT_EQ(flow_f, 6);
  EXPECT_EQ(span_b, 1);
  EXPECT_EQ(span_e, 1);
}

TEST(Trace, HashCoversEveryField) {
  Trace a, b;
  a.record({1, "n", "send", "m", 1, 10, 99, ""});
  b.record({1, "n", "send", "m", 1, 10, 98, ""});
  EXPECT_NE(a.hash(), b.hash());
  Trace c, d;
  c.record({1, "ab", "x", "", 0, 0, 0, ""});
  d.record({1, "a", "bx", "", 0, 0, 0, ""});  // field boundaries matter
  EXPECT_NE(c.hash(), d.hash());
}

}  // namespace
}  // namespace amino::simtest
