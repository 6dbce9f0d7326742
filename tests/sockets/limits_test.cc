// Bounded resources against hostile peers on loopback: a handshake deadline for connections that
// never authenticate (both directions), a cap on inbound connections, bounded send queues (also while
// a connection is still handshaking), and a rate limit on the log lines a flood causes.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <vector>

#include "runtime/sockets/log_rate_limiter.h"
#include "tests/sockets/raw_peer.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

using boost::asio::ip::tcp;

SocketsEnvOptions quiet() {
  SocketsEnvOptions o;
  o.min_log_level = LogLevel::kError;
  return o;
}

std::size_t count_closed(std::vector<std::unique_ptr<RawPeer>>& peers) {
  std::size_t n = 0;
  for (auto& p : peers) n += p->poll_closed() ? 1 : 0;
  return n;
}

TEST(SocketsLimits, ConnectionsThatNeverAuthenticateAreClosedAtTheHandshakeDeadline) {
  SocketsLoop loop;
  SocketsEnvOptions o = quiet();
  o.handshake_timeout = 200 * kMillisecond;
  SocketsEnv server(loop, o);
  std::vector<std::unique_ptr<RawPeer>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<RawPeer>(loop.io(), server.self()));
  // One more that starts a handshake and stalls half-way through a frame.
  idle.push_back(std::make_unique<RawPeer>(loop.io(), server.self()));
  idle.back()->write(length_prefixed(forged_hello("127.0.0.1:9", false)).substr(0, 7));
  ASSERT_TRUE(loop.run_until([&] { return count_closed(idle) == idle.size(); }, kPatience));
  ASSERT_TRUE(loop.run_until([&] { return server.open_connections() == 0; }, kPatience));
}

TEST(SocketsLimits, AnOutboundConnectionToAServerThatNeverAnswersTimesOutAndReportsPeerDown) {
  SocketsLoop loop;
  // Accepts TCP connections and says nothing.
  tcp::acceptor mute(loop.io(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket accepted(loop.io());
  mute.async_accept(accepted, [](const boost::system::error_code&) {});
  SocketsEnvOptions o = quiet();
  o.handshake_timeout = 200 * kMillisecond;
  SocketsEnv sender(loop, o);
  RecordingInbox inbox(sender);
  const NodeId mute_node = "127.0.0.1:" + std::to_string(mute.local_endpoint().port());
  sender.send(mute_node, "anyone?");
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down(mute_node); }, kPatience));
  EXPECT_EQ(sender.open_connections(), 0u);
}

TEST(SocketsLimits, InboundConnectionsBeyondTheCapAreClosedOnArrival) {
  SocketsLoop loop;
  SocketsEnvOptions o = quiet();
  o.max_connections = 5;
  o.handshake_timeout = 60 * kSecond;  // only the cap may close anything here
  SocketsEnv server(loop, o);
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 12; ++i) {
    peers.push_back(std::make_unique<RawPeer>(loop.io(), server.self()));
    loop.run_for(kMillisecond);  // accepted in order
  }
  ASSERT_TRUE(loop.run_until([&] { return count_closed(peers) == 7; }, kPatience));
  EXPECT_EQ(server.open_inbound_connections(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(peers[i]->poll_closed()) << "peer " << i;
  // Once some leave, newcomers (a legitimate node) get in again.
  peers.clear();
  ASSERT_TRUE(loop.run_until([&] { return server.open_inbound_connections() == 0; }, kPatience));
  SocketsEnv node(loop, quiet());
  RecordingInbox server_inbox(server);
  node.send(server.self(), "room for me?");
  ASSERT_TRUE(loop.run_until([&] { return server_inbox.messages.size() == 1; }, kPatience));
}

TEST(SocketsLimits, APeerThatNeverReadsCannotGrowTheSendQueueBeyondItsBound) {
  SocketsLoop loop;
  SocketsEnvOptions o = quiet();
  o.max_frame_bytes = 64 * 1024;
  o.max_send_queue_bytes = 1024 * 1024;
  SocketsEnv server(loop, o);
  RecordingInbox inbox(server);
  RawPeer deaf(loop.io(), server.self());
  // Kept small so that the kernel's socket buffers absorb little of the flood.
  deaf.socket().set_option(boost::asio::socket_base::receive_buffer_size(4096));
  const NodeId deaf_id = "127.0.0.1:9";
  ASSERT_TRUE(deaf.handshake(deaf_id, server.self(), "", [&] { loop.run_for(kMillisecond); }));
  ASSERT_TRUE(loop.run_until([&] { return server.open_inbound_connections() == 1 && inbox.messages.empty(); }, kPatience));

  std::size_t most_queued = 0;
  int sent = 0;
  for (; sent < 1000 && !inbox.saw_peer_down(deaf_id); ++sent) {
    server.send(deaf_id, std::string(60 * 1024, 'x'));
    most_queued = std::max(most_queued, server.queued_bytes());
    loop.io().poll();  // lets the writes that can progress progress
  }
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down(deaf_id); }, kPatience)) << sent << " frames sent";
  EXPECT_LE(most_queued, o.max_send_queue_bytes);
  EXPECT_LT(sent, 1000);  // the queue bound, not the end of the loop, ended the flood
  EXPECT_EQ(server.queued_bytes(), 0u);
}

TEST(SocketsLimits, FramesForAPeerStillHandshakingAreBoundedToo) {
  SocketsLoop loop;
  tcp::acceptor mute(loop.io(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket accepted(loop.io());
  mute.async_accept(accepted, [](const boost::system::error_code&) {});
  SocketsEnvOptions o = quiet();
  o.max_frame_bytes = 1024;
  o.max_send_queue_bytes = 8 * 1024;
  SocketsEnv sender(loop, o);
  RecordingInbox inbox(sender);
  const NodeId mute_node = "127.0.0.1:" + std::to_string(mute.local_endpoint().port());
  std::size_t most_queued = 0;
  for (int i = 0; i < 100; ++i) {
    sender.send(mute_node, std::string(1000, 'h'));
    most_queued = std::max(most_queued, sender.queued_bytes());
  }
  EXPECT_LE(most_queued, o.max_send_queue_bytes);
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down(mute_node); }, kPatience));
}

TEST(LogRateLimiter, AdmitsABurstPerWindowThenCountsWhatItDrops) {
  LogRateLimiter limiter(3, kSecond);
  EXPECT_EQ(limiter.admit(0, "a"), "a");
  EXPECT_EQ(limiter.admit(1, "b"), "b");
  EXPECT_EQ(limiter.admit(2, "c"), "c");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.admit(3 + i, "flood"), "");
  EXPECT_EQ(limiter.suppressed(), 100u);
  const std::string next = limiter.admit(kSecond + 5, "d");
  EXPECT_EQ(next, "d (100 similar lines suppressed before this one)");
  EXPECT_EQ(limiter.suppressed(), 0u);
  EXPECT_EQ(limiter.admit(kSecond + 6, "e"), "e");
}

}  // namespace
}  // namespace amino::sockets::testing
