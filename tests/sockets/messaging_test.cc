// Frames between nodes on one loop: delivery, sender identity, connection reuse, addressing.
#include <gtest/gtest.h>

#include "runtime/sockets/framing.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

TEST(SocketsMessaging, SelfIsBoundToLoopbackWithARealPort) {
  SocketsLoop loop;
  SocketsEnv env(loop);
  EXPECT_EQ(env.self(), "127.0.0.1:" + std::to_string(env.port()));
  EXPECT_NE(env.port(), 0);
  const auto address = parse_node_address(env.self());
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "127.0.0.1");
}

TEST(SocketsMessaging, TwoNodesExchangeFramesBothWaysWithTheRightSender) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  SocketsEnv bob(loop);
  RecordingInbox alice_inbox(alice);
  RecordingInbox bob_inbox(bob);

  alice.send(bob.self(), "ping 1");
  alice.send(bob.self(), "ping 2");
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.messages.size() == 2; }, kPatience));
  EXPECT_EQ(bob_inbox.messages[0].from, alice.self());
  EXPECT_EQ(bob_inbox.messages[0].frame, "ping 1");
  EXPECT_EQ(bob_inbox.messages[1].frame, "ping 2");

  bob.send(alice.self(), "pong");
  ASSERT_TRUE(loop.run_until([&] { return alice_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(alice_inbox.messages[0].from, bob.self());
  EXPECT_EQ(alice_inbox.messages[0].frame, "pong");
  EXPECT_TRUE(alice_inbox.peers_down.empty());
  EXPECT_TRUE(bob_inbox.peers_down.empty());
}

TEST(SocketsMessaging, AReplyReusesTheRequestersConnection) {
  SocketsLoop loop;
  SocketsEnv client(loop);
  SocketsEnv server(loop);
  RecordingInbox client_inbox(client);
  server.set_inbox(Inbox{[&](const NodeId& from, std::string frame) { server.send(from, "re: " + frame); }, {}});

  client.send(server.self(), "request");
  ASSERT_TRUE(loop.run_until([&] { return client_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(client_inbox.messages[0].frame, "re: request");
  EXPECT_EQ(client.open_connections(), 1u);
  EXPECT_EQ(server.open_connections(), 1u);
}

TEST(SocketsMessaging, EmptyAndLargeFramesArriveIntact) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  SocketsEnv bob(loop);
  RecordingInbox bob_inbox(bob);
  std::string large(3 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7919 % 251);

  alice.send(bob.self(), "");
  alice.send(bob.self(), large);
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.messages.size() == 2; }, kPatience));
  EXPECT_EQ(bob_inbox.messages[0].frame, "");
  EXPECT_TRUE(bob_inbox.messages[1].frame == large);
}

TEST(SocketsMessaging, ManyQueuedFramesKeepTheirOrder) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  SocketsEnv bob(loop);
  RecordingInbox bob_inbox(bob);
  constexpr int kFrames = 500;  // more than one gathered write holds
  for (int i = 0; i < kFrames; ++i) alice.send(bob.self(), std::to_string(i));
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.messages.size() == kFrames; }, kPatience));
  for (int i = 0; i < kFrames; ++i) ASSERT_EQ(bob_inbox.messages[i].frame, std::to_string(i));
}

TEST(SocketsMessaging, AFrameToSelfIsDeliveredWithoutASocket) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  RecordingInbox inbox(alice);
  alice.send(alice.self(), "note to self");
  EXPECT_TRUE(inbox.messages.empty());  // never delivered inside send()
  ASSERT_TRUE(loop.run_until([&] { return inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(inbox.messages[0].from, alice.self());
  EXPECT_EQ(alice.open_connections(), 0u);
}

TEST(SocketsMessaging, AnUnparsableNodeIdIsReportedDownLater) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  RecordingInbox inbox(alice);
  alice.send("no-port-here", "x");
  EXPECT_TRUE(inbox.peers_down.empty());  // never reported inside send()
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down("no-port-here"); }, kPatience));
}

TEST(SocketsMessaging, AClosedNodeDropsSendsAndItsPeersSeeItGo) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  SocketsEnv bob(loop);
  RecordingInbox alice_inbox(alice);
  RecordingInbox bob_inbox(bob);
  alice.send(bob.self(), "hello");
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.messages.size() == 1; }, kPatience));

  alice.close();
  EXPECT_EQ(alice.open_connections(), 0u);
  ASSERT_TRUE(loop.run_until([&] { return bob_inbox.saw_peer_down(alice.self()); }, kPatience));
  alice.send(bob.self(), "after close");
  loop.run_for(50 * kMillisecond);
  EXPECT_EQ(bob_inbox.messages.size(), 1u);
  EXPECT_TRUE(alice_inbox.peers_down.empty());  // the node that leaves reports nothing to itself
}

}  // namespace
}  // namespace amino::sockets::testing
