// A lying peer against a real amino-kernel-server's live-migration endpoints (ks.stage,
// ks.install_staged, ks.stage_abort): a node holding the cluster key (so past the handshake, which
// hostile_clients_test and auth_test cover) that sends malformed, out-of-order, oversized or
// corrupt staging messages. Each gets a typed error and a log line; none crashes the server, makes
// it allocate what a message merely announces, or installs anything; the server keeps serving.
#include <gtest/gtest.h>

#include <string>

#include "runtime/protocol.h"
#include "runtime/snapshot_delta.h"
#include "tests/multiprocess/deployment.h"

namespace amino::testing {
namespace {

const std::string kKey = "test-cluster-key-0123456789abcdef";
constexpr Duration kTimeout = 5 * kSecond;

class LyingPeer : public ::testing::Test {
 protected:
  LyingPeer() : d_(options()) {}

  static DeploymentOptions options() {
    DeploymentOptions o;
    o.key = kKey;
    o.merge_stderr = true;
    o.ks_flags = {"--log-level", "warn"};
    return o;
  }

  // One message from the test's (keyed) client kernel to ks1, answered in an execution context.
  Reply send(const char* service, const Value& body) {
    Reply r = Reply::error(Code::kInternal, "the call did not run");
    EXPECT_TRUE(d_.run([&] { r = d_.client().rpc().call_value(d_.ks_addr(1), service, body, kTimeout); }));
    return r;
  }

  static Value chunk(const std::string& mid, std::int64_t round, std::int64_t offset, std::int64_t total,
                     const std::string& data, std::int64_t oid = 77) {
    return ValueMap{{"mid", mid}, {"oid", oid}, {"round", round}, {"offset", offset}, {"total", total},
                    {"data", Bytes{data}}};
  }

  // The server is alive and still does its job: an object placed on it answers.
  void expect_still_serving() {
    std::int64_t visits = 0;
    ASSERT_TRUE(d_.run([&] {
      Stub counter =
          d_.client().create("class: VisitCounter\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
      visits = counter.call<std::int64_t>("visit");
    }));
    EXPECT_EQ(visits, 1);
  }

  Deployment d_;
};

TEST_F(LyingPeer, MalformedStageMessagesGetBadArgumentsAndALogLine) {
  ASSERT_TRUE(d_.ok());
  EXPECT_EQ(send(svc::kStage, ValueMap{{"mid", "m1"}}).status.code, Code::kBadArguments);  // fields missing
  Value not_bytes = chunk("m1", 0, 0, 100, "");
  not_bytes["data"] = Value("text, not bytes");
  EXPECT_EQ(send(svc::kStage, not_bytes).status.code, Code::kBadArguments);
  EXPECT_EQ(send(svc::kStage, Value(ValueList{Value(1), Value(2)})).status.code, Code::kBadArguments);  // not a map
  EXPECT_EQ(send(svc::kStage, chunk("m1", 0, 500, 100, "x")).status.code, Code::kBadArguments);  // offset past total
  EXPECT_EQ(send(svc::kStage, chunk("m1", -1, 0, 100, "x")).status.code, Code::kBadArguments);  // negative round
  EXPECT_EQ(send(svc::kStage, chunk("m1", 3, 0, 100, "x")).status.code, Code::kBadArguments);   // unknown, not round 0
  EXPECT_FALSE(d_.ks(1).wait_for_line("bad ks.stage from", 5000).empty());
  EXPECT_FALSE(d_.ks(1).wait_for_line("refused", 5000).empty());
  expect_still_serving();
}

TEST_F(LyingPeer, AnnouncedSizesBeyondTheStagingLimitAreRefusedBeforeAnyByteIsTaken) {
  ASSERT_TRUE(d_.ok());
  // 1 TiB announced, 10 bytes sent: refused on the announcement (the server reserves nothing).
  Reply r = send(svc::kStage, chunk("huge", 0, 0, std::int64_t{1} << 40, std::string(10, 'x')));
  EXPECT_EQ(r.status.code, Code::kOverloaded) << r.status.to_string();
  // The refusal discarded the migration: its next chunk is for an unknown migration.
  EXPECT_EQ(send(svc::kStage, chunk("huge", 0, 10, std::int64_t{1} << 40, "y")).status.code, Code::kBadArguments);
  expect_still_serving();
}

TEST_F(LyingPeer, OutOfOrderChunksAndAnotherSendersObjectAreRefused) {
  ASSERT_TRUE(d_.ok());
  const std::string total(200, 'z');
  ASSERT_TRUE(send(svc::kStage, chunk("m2", 0, 0, 200, total.substr(0, 50))).ok());
  EXPECT_EQ(send(svc::kStage, chunk("m2", 0, 120, 200, "x")).status.code, Code::kBadArguments);  // a gap
  // The bad chunk discarded m2: starting it again works, then a chunk naming another object fails.
  ASSERT_TRUE(send(svc::kStage, chunk("m2", 0, 0, 200, total.substr(0, 50))).ok());
  EXPECT_EQ(send(svc::kStage, chunk("m2", 0, 50, 200, "x", /*oid=*/78)).status.code, Code::kBadArguments);
  expect_still_serving();
}

TEST_F(LyingPeer, ACorruptDeltaIsABadFrameAndNothingIsInstalled) {
  ASSERT_TRUE(d_.ok());
  // A complete round-0 delta whose bytes are garbage (a header's worth and more, no valid magic).
  const std::string garbage(delta::kHeaderBytes + 64, '\x5a');
  Reply r = send(svc::kStage, chunk("m3", 0, 0, static_cast<std::int64_t>(garbage.size()), garbage));
  EXPECT_EQ(r.status.code, Code::kBadFrame) << r.status.to_string();
  // Installing the discarded migration is refused, typed.
  Reply install = send(svc::kInstallStaged, ValueMap{{"mid", "m3"}, {"stack", ValueMap{{"oid", 77}}}});
  EXPECT_FALSE(install.ok());
  EXPECT_NE(install.status.code, Code::kInternal) << install.status.to_string();
  expect_still_serving();
}

TEST_F(LyingPeer, InstallingOrAbortingWhatWasNeverStagedIsRefused) {
  ASSERT_TRUE(d_.ok());
  Reply bad_stack = send(svc::kInstallStaged, ValueMap{{"mid", "nope"}, {"stack", Value("not a stack")}});
  EXPECT_FALSE(bad_stack.ok());
  EXPECT_NE(bad_stack.status.code, Code::kInternal) << bad_stack.status.to_string();
  Reply no_mid = send(svc::kInstallStaged, ValueMap{{"stack", ValueMap{}}});
  EXPECT_EQ(no_mid.status.code, Code::kBadArguments) << no_mid.status.to_string();
  Reply abort_garbage = send(svc::kStageAbort, Value(std::int64_t{42}));
  EXPECT_NE(abort_garbage.status.code, Code::kInternal) << abort_garbage.status.to_string();
  expect_still_serving();
}

TEST_F(LyingPeer, MoreConcurrentMigrationsThanTheLimitAreOverloaded) {
  ASSERT_TRUE(d_.ok());
  // Each migration is opened and left half sent; the staging table holds a bounded number.
  int accepted = 0;
  Reply last = Reply::ok({});
  for (int i = 0; i < 20 && last.ok(); ++i) {
    last = send(svc::kStage, chunk("open-" + std::to_string(i), 0, 0, 100, "x", 1000 + i));
    if (last.ok()) ++accepted;
  }
  EXPECT_EQ(last.status.code, Code::kOverloaded) << last.status.to_string();
  EXPECT_GE(accepted, 1);
  EXPECT_LT(accepted, 20);
  expect_still_serving();
}

}  // namespace
}  // namespace amino::testing
