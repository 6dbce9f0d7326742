// The cluster key on real loopback TCP: keyed nodes talk, nodes with another key or none do not
// (either direction), nothing a peer sends before authenticating reaches the inbox, a forged Hello
// cannot take over another node's route, and a node without a key refuses a non-loopback address.
#include <gtest/gtest.h>

#include "runtime/sockets/cluster_key.h"
#include "tests/sockets/raw_peer.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

const std::string kKey = "0123456789abcdef-cluster-key";
const std::string kOtherKey = "fedcba9876543210-another-key";

SocketsEnvOptions keyed(const std::string& key) {
  SocketsEnvOptions o;
  o.cluster_key = key;
  o.min_log_level = LogLevel::kError;
  return o;
}

TEST(SocketsAuth, NodesWithTheSameKeyExchangeFramesWithTheirAuthenticatedIds) {
  SocketsLoop loop;
  SocketsEnv alice(loop, keyed(kKey)), bob(loop, keyed(kKey));
  RecordingInbox alice_inbox(alice), bob_inbox(bob);
  alice.send(bob.self(), "ping");
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(bob_inbox.messages[0].from, alice.self());
  bob.send(alice.self(), "pong");  // over the inbound connection alice opened
  ASSERT_TRUE(loop.run_until([&] { return alice_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(alice_inbox.messages[0].from, bob.self());
  EXPECT_EQ(alice.open_connections(), 1u);
  EXPECT_TRUE(alice_inbox.peers_down.empty());
  EXPECT_TRUE(bob_inbox.peers_down.empty());
}

struct Mismatch {
  const char* name;
  std::string sender_key, receiver_key;
};
void PrintTo(const Mismatch& m, std::ostream* out) { *out << m.name; }

class SocketsKeyMismatch : public ::testing::TestWithParam<Mismatch> {};

TEST_P(SocketsKeyMismatch, NothingIsDeliveredAndTheSenderSeesPeerDown) {
  SocketsLoop loop;
  SocketsEnv sender(loop, keyed(GetParam().sender_key)), receiver(loop, keyed(GetParam().receiver_key));
  RecordingInbox sender_inbox(sender), receiver_inbox(receiver);
  sender.send(receiver.self(), "let me in");
  ASSERT_TRUE(loop.run_until([&] { return sender_inbox.saw_peer_down(receiver.self()); }, kPatience));
  // The receiver closes its side too; nothing got through and nobody was identified there.
  ASSERT_TRUE(loop.run_until([&] { return receiver.open_connections() == 0; }, kPatience));
  EXPECT_TRUE(receiver_inbox.messages.empty());
  EXPECT_TRUE(receiver_inbox.peers_down.empty());
  EXPECT_EQ(sender.queued_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Keys, SocketsKeyMismatch,
                         ::testing::Values(Mismatch{"DifferentKeys", kKey, kOtherKey},
                                           Mismatch{"KeylessToKeyed", "", kKey},
                                           Mismatch{"KeyedToKeyless", kKey, ""}),
                         [](const ::testing::TestParamInfo<Mismatch>& info) { return std::string(info.param.name); });

TEST(SocketsAuth, FramesBeforeTheProofNeverReachTheInbox) {
  SocketsLoop loop;
  SocketsEnv server(loop, keyed(kKey));
  RecordingInbox inbox(server);
  RawPeer intruder(loop.io(), server.self());
  // A well-formed keyed Hello, then an RPC frame instead of a proof, then a forged "proof".
  intruder.write_frame(forged_hello("127.0.0.1:9", true));
  intruder.write_frame(rpc_frame("oms.delete", "", 1));
  intruder.write_frame(std::string(kMacBytes, 'p'));
  ASSERT_TRUE(loop.run_until([&] { return intruder.poll_closed(); }, kPatience));
  ASSERT_TRUE(loop.run_until([&] { return server.open_connections() == 0; }, kPatience));
  EXPECT_TRUE(inbox.messages.empty());
  EXPECT_TRUE(inbox.peers_down.empty());
}

TEST(SocketsAuth, AForgedHelloCannotTakeOverALegitimatePeersRoute) {
  // The route a node uses to reach a peer is only ever an authenticated connection: an intruder
  // claiming the peer's id (as a fake OMS did to a kernel server's heartbeats) gets nothing.
  SocketsLoop loop;
  SocketsEnvOptions impatient = keyed(kKey);
  impatient.handshake_timeout = 300 * kMillisecond;  // the impostor never sends its proof
  SocketsEnv server(loop, impatient), peer(loop, keyed(kKey));
  RecordingInbox server_inbox(server), peer_inbox(peer);
  peer.send(server.self(), "hello from the real peer");
  ASSERT_TRUE(loop.run_until([&] { return server_inbox.messages.size() == 1; }, kPatience));

  RawPeer impostor(loop.io(), server.self());
  impostor.write_frame(forged_hello(peer.self(), true));
  // Whatever the impostor does next, the server's frames for the peer go to the real peer.
  loop.run_for(50 * kMillisecond);
  server.send(peer.self(), "for the real peer only");
  ASSERT_TRUE(loop.run_until([&] { return peer_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(peer_inbox.messages[0].frame, "for the real peer only");
  // The impostor got the handshake reply and nothing else.
  int frames = 0;
  loop.run_until(
      [&] {
        while (impostor.next_frame()) ++frames;
        return impostor.closed();
      },
      kPatience);
  EXPECT_EQ(frames, 1);
}

TEST(SocketsAuth, ARawPeerHoldingTheKeyIsAccepted) {
  // The raw peer used by the hostile-client tests speaks the real handshake: with the key it gets in.
  SocketsLoop loop;
  SocketsEnv server(loop, keyed(kKey));
  RecordingInbox inbox(server);
  RawPeer peer(loop.io(), server.self());
  ASSERT_TRUE(peer.handshake("127.0.0.1:9", server.self(), kKey, [&] { loop.run_for(kMillisecond); }));
  peer.write_frame("authenticated frame");
  ASSERT_TRUE(loop.run_until([&] { return inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(inbox.messages[0].from, "127.0.0.1:9");
}

TEST(SocketsAuth, ANonLoopbackAddressNeedsAKey) {
  SocketsLoop loop;
  for (const char* host : {"0.0.0.0", "::"}) {
    SocketsEnvOptions o;
    o.listen_host = host;
    try {
      SocketsEnv env(loop, o);
      ADD_FAILURE() << "listened on " << host << " without a key";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("without a cluster key"), std::string::npos) << e.what();
    }
  }
  // Loopback without a key, IPv4 or IPv6, is fine.
  SocketsEnvOptions v6;
  v6.listen_host = "::1";
  EXPECT_NO_THROW(SocketsEnv(loop, v6));
  EXPECT_NO_THROW(SocketsEnv(loop, SocketsEnvOptions{}));
}

TEST(SocketsAuth, BadOptionsAreRefusedWithTheirName) {
  SocketsLoop loop;
  auto refused = [&](SocketsEnvOptions o, const char* words) {
    try {
      SocketsEnv env(loop, o);
      ADD_FAILURE() << "accepted options meant to be refused (" << words << ")";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  SocketsEnvOptions o;
  o.cluster_key = "short";
  refused(o, "at least 16");
  o = {};
  o.max_connections = 0;
  refused(o, "connection limit");
  o = {};
  o.handshake_timeout = 0;
  refused(o, "handshake timeout");
  o = {};
  o.max_send_queue_bytes = o.max_frame_bytes;
  refused(o, "send queue limit");
}

}  // namespace
}  // namespace amino::sockets::testing
