// Hostile clients against a real amino-kernel-server process (issue 9, "Bounded resources"): length
// prefixes announcing 16 MiB and then stalling, idle connections that never authenticate, more
// connections than the cap, and an authenticated peer that floods requests and never reads the
// replies. The server's memory (VmRSS) must stay bounded and it must keep serving.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "runtime/protocol.h"
#include "tests/multiprocess/deployment.h"
#include "tests/sockets/raw_peer.h"

namespace amino::testing {
namespace {

using sockets::testing::forged_hello;
using sockets::testing::RawPeer;
using sockets::testing::rpc_frame;

const std::string kKey = "test-cluster-key-0123456789abcdef";
constexpr std::uint32_t k16MiB = 16 * 1024 * 1024;
// Generous: the old code reserved (and touched) 16 MiB per stalled connection, 300 of which are
// ~4.7 GiB; bounded buffers keep it to a few MiB.
constexpr long kRssGrowthLimitKib = 64 * 1024;

std::string huge_header() {
  const auto h = sockets::encode_frame_header(k16MiB);
  return std::string(h.begin(), h.end());
}

std::size_t count_closed(std::vector<std::unique_ptr<RawPeer>>& peers) {
  std::size_t n = 0;
  for (auto& p : peers) n += p->poll_closed() ? 1 : 0;
  return n;
}

std::size_t count_lines(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The kernel server still does its job: a new object is placed on it and answers.
void expect_still_serving(Deployment& d) {
  std::int64_t visits = 0;
  ASSERT_TRUE(d.run([&] {
    Stub counter = d.client().create("class: VisitCounter\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
    visits = counter.call<std::int64_t>("visit");
  }));
  EXPECT_EQ(visits, 1);
}

// WithKey: the 16 MiB header is the first thing sent (refused at the 1 KiB pre-handshake limit).
// Keyless: the attacker completes the keyless handshake first, so the header is read under the full
// 16 MiB limit and only the buffer-grows-with-bytes rule bounds it.
class StalledHugeFrames : public ::testing::TestWithParam<bool> {};

TEST_P(StalledHugeFrames, DoNotGrowTheServersMemory) {
  const bool keyed = GetParam();
  DeploymentOptions o;
  if (keyed) o.key = kKey;
  o.ks_flags = {"--max-connections", "2000", "--handshake-timeout-ms", "60000"};
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const int pid = d.ks(1).pid();
  const long before = rss_kib(pid);
  ASSERT_GT(before, 0);

  std::vector<std::unique_ptr<RawPeer>> attackers;
  for (int i = 0; i < 300; ++i) {
    attackers.push_back(std::make_unique<RawPeer>(d.loop().io(), d.ks_addr(1)));
    RawPeer& a = *attackers.back();
    if (!keyed) {
      ASSERT_TRUE(a.handshake("127.0.0.1:" + std::to_string(10000 + i), d.ks_addr(1), ""));
    }
    a.write(huge_header() + std::string(1000, 'x'));  // ... and the other 16 MiB never come
  }
  if (keyed) {
    // Refused at once: over the handshake frame limit.
    EXPECT_TRUE(d.wait_until([&] { return count_closed(attackers) == attackers.size(); }, 20 * kSecond));
  } else {
    d.loop().run_for(500 * kMillisecond);  // let the server read what was sent
    EXPECT_EQ(count_closed(attackers), 0u);  // within limits: they stay, stalled
  }
  const long after = rss_kib(pid);
  std::printf("kernel server VmRSS with 300 stalled 16 MiB frames (%s): %ld KiB before, %ld KiB after\n",
              keyed ? "before the handshake" : "after a keyless handshake", before, after);
  EXPECT_LT(after - before, kRssGrowthLimitKib);
  expect_still_serving(d);
}

INSTANTIATE_TEST_SUITE_P(Handshake, StalledHugeFrames, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "BeforeTheKeyedHandshake" : "AfterAKeylessHandshake");
                         });

TEST(HostileClients, IdleConnectionsAreClosedAtTheHandshakeDeadline) {
  DeploymentOptions o;
  o.key = kKey;
  o.ks_flags = {"--handshake-timeout-ms", "300"};
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  std::vector<std::unique_ptr<RawPeer>> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<RawPeer>(d.loop().io(), d.ks_addr(1)));
  // Half of them start a Hello and stop in the middle of it.
  for (int i = 0; i < 50; ++i) idle[static_cast<std::size_t>(i)]->write(std::string("\x00\x00\x00\x40partial", 11));
  EXPECT_TRUE(d.wait_until([&] { return count_closed(idle) == idle.size(); }, 20 * kSecond))
      << count_closed(idle) << " of " << idle.size() << " closed";
  expect_still_serving(d);
}

TEST(HostileClients, TheConnectionCapHoldsAndRejectionsAreLoggedAtALimitedRate) {
  DeploymentOptions o;
  o.key = kKey;
  o.merge_stderr = true;
  o.ks_flags = {"--max-connections", "20", "--handshake-timeout-ms", "60000", "--log-level", "warn"};
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 220; ++i) peers.push_back(std::make_unique<RawPeer>(d.loop().io(), d.ks_addr(1)));
  EXPECT_TRUE(d.wait_until([&] { return count_closed(peers) >= 200; }, 20 * kSecond));
  d.loop().run_for(300 * kMillisecond);
  EXPECT_EQ(count_closed(peers), 200u);  // exactly the connections beyond the cap
  const std::string log = d.ks(1).drain();
  const std::size_t lines = count_lines(log, "refused a connection from");
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LT(lines, 100u) << "200 refusals should not write 200 lines";
  // Once the hostile connections go, legitimate clients get in again.
  peers.clear();
  d.loop().run_for(300 * kMillisecond);
  expect_still_serving(d);
}

TEST(HostileClients, APeerThatNeverReadsIsDisconnectedAtTheSendQueueBound) {
  DeploymentOptions o;
  o.key = kKey;
  o.merge_stderr = true;
  o.ks_flags = {"--max-frame-bytes", "262144", "--max-send-queue-bytes", "1048576", "--log-level", "warn"};
  Deployment d(o);
  ASSERT_TRUE(d.ok());
  const int pid = d.ks(1).pid();
  const long before = rss_kib(pid);
  // An authenticated peer (it holds the key) that asks and asks and never reads an answer. Each
  // request names a 60 KB unknown service, which the reply quotes back: 60 KB per reply.
  RawPeer glutton(d.loop().io(), d.ks_addr(1));
  glutton.socket().set_option(boost::asio::socket_base::receive_buffer_size(4096));
  ASSERT_TRUE(glutton.handshake("127.0.0.1:9", d.ks_addr(1), kKey));
  const std::string request = rpc_frame(std::string(60 * 1024, 's'), "", 1);
  int sent = 0;
  for (; sent < 2000 && glutton.write_frame(request); ++sent) {
  }
  EXPECT_FALSE(d.ks(1).wait_for_line("send queue would exceed 1048576 bytes", 20000).empty());
  EXPECT_LT(sent, 2000) << "the server should have closed the connection";
  const long after = rss_kib(pid);
  std::printf("kernel server VmRSS with a peer that never reads: %ld KiB before, %ld KiB after (%d requests)\n", before,
              after, sent);
  EXPECT_LT(after - before, kRssGrowthLimitKib);
  expect_still_serving(d);
}

}  // namespace
}  // namespace amino::testing
