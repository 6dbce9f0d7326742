// Misbehaving and missing peers: the env closes the offending connection, reports what it should,
// never crashes, and keeps serving everyone else.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "amino.pb.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/handshake.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

using boost::asio::ip::tcp;

std::string length_prefixed(const std::string& body) {
  const FrameHeader header = encode_frame_header(static_cast<std::uint32_t>(body.size()));
  return std::string(header.begin(), header.end()) + body;
}

// A raw TCP client on the test's loop that writes `bytes` and then waits for the server to hang up.
class RawClient {
 public:
  RawClient(SocketsLoop& loop, std::uint16_t port) : socket_(loop.io()) {
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  void write_and_await_close(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
    boost::asio::async_read(socket_, boost::asio::buffer(sink_),
                            [this](const boost::system::error_code& ec, std::size_t) { read_error_ = ec; });
  }
  // Set once the server has closed the connection (EOF or reset).
  const std::optional<boost::system::error_code>& read_error() const { return read_error_; }

 private:
  tcp::socket socket_;
  char sink_[1];
  std::optional<boost::system::error_code> read_error_;
};

void expect_still_serving(SocketsLoop& loop, SocketsEnv& server) {
  SocketsEnv other(loop);
  RecordingInbox server_inbox(server);
  other.send(server.self(), "still there?");
  ASSERT_TRUE(loop.run_until([&] { return !server_inbox.messages.empty(); }, kPatience));
  EXPECT_EQ(server_inbox.messages[0].from, other.self());
}

TEST(SocketsFaults, AnOversizedFrameClosesTheConnectionAndTheSenderSeesPeerDown) {
  SocketsLoop loop;
  SocketsEnvOptions strict;
  strict.max_frame_bytes = 1024;
  SocketsEnv receiver(loop, strict);
  SocketsEnv sender(loop);
  RecordingInbox receiver_inbox(receiver);
  RecordingInbox sender_inbox(sender);

  sender.send(receiver.self(), std::string(4096, 'x'));
  ASSERT_TRUE(loop.run_until([&] { return sender_inbox.saw_peer_down(receiver.self()); }, kPatience));
  EXPECT_TRUE(receiver_inbox.messages.empty());
  EXPECT_TRUE(receiver_inbox.saw_peer_down(sender.self()));  // it had already identified the sender

  // A frame within the limit goes through on a fresh connection.
  sender.send(receiver.self(), std::string(1024, 'y'));
  ASSERT_TRUE(loop.run_until([&] { return receiver_inbox.messages.size() == 1; }, kPatience));
  EXPECT_EQ(receiver_inbox.messages[0].frame.size(), 1024u);
}

struct BadOpening {
  const char* name;
  std::string bytes;
};

// Names the case in test output instead of dumping the struct's bytes.
void PrintTo(const BadOpening& opening, std::ostream* out) { *out << opening.name; }

class SocketsBadHello : public ::testing::TestWithParam<BadOpening> {};

TEST_P(SocketsBadHello, IsRejectedWithoutCrashingAndTheEnvKeepsServing) {
  SocketsLoop loop;
  SocketsEnv server(loop);
  RecordingInbox server_inbox(server);
  RawClient intruder(loop, server.port());

  intruder.write_and_await_close(GetParam().bytes);
  ASSERT_TRUE(loop.run_until([&] { return intruder.read_error().has_value(); }, kPatience));
  EXPECT_TRUE(*intruder.read_error() == boost::asio::error::eof ||
              *intruder.read_error() == boost::asio::error::connection_reset)
      << intruder.read_error()->message();
  EXPECT_TRUE(server_inbox.messages.empty());
  EXPECT_TRUE(server_inbox.peers_down.empty());  // an unidentified connection is nobody's peer
  EXPECT_EQ(server.open_connections(), 0u);

  expect_still_serving(loop, server);
}

std::string hello_bytes(const std::string& node_id, std::uint32_t version) {
  pb::Hello hello;
  hello.set_node_id(node_id);
  hello.set_protocol_version(version);
  return hello.SerializeAsString();
}

INSTANTIATE_TEST_SUITE_P(
    Openings, SocketsBadHello,
    ::testing::Values(BadOpening{"GarbageInAFrame", length_prefixed("this is not a hello")},
                      BadOpening{"RawGarbageReadAsAHugeLength", "GARBAGE GARBAGE GARBAGE"},
                      BadOpening{"ProtocolVersion1", length_prefixed(hello_bytes("127.0.0.1:4000", 1))},
                      BadOpening{"NextProtocolVersion", length_prefixed(hello_bytes("127.0.0.1:4000", kProtocolVersion + 1))},
                      BadOpening{"OverTheHandshakeFrameLimit", length_prefixed(std::string(kMaxHandshakeFrameBytes + 1, 'x'))},
                      BadOpening{"UnroutableNodeId", length_prefixed(hello_bytes("nobody", kProtocolVersion))}),
    [](const ::testing::TestParamInfo<BadOpening>& info) { return std::string(info.param.name); });

TEST(SocketsFaults, SendingToAClosedPortReportsPeerDown) {
  SocketsLoop loop;
  std::uint16_t closed_port = 0;
  {
    // Take an ephemeral port from the OS, then give it back: nothing listens there afterwards.
    tcp::acceptor probe(loop.io(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  SocketsEnv sender(loop);
  RecordingInbox inbox(sender);
  const NodeId nobody = "127.0.0.1:" + std::to_string(closed_port);

  sender.send(nobody, "anyone?");
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down(nobody); }, kPatience));
  EXPECT_EQ(sender.open_connections(), 0u);
}

TEST(SocketsFaults, AConnectThatNeverCompletesTimesOutAndReportsPeerDown) {
  SocketsLoop loop;
  // A listener that never accepts, with a backlog of one: after one queued connection the kernel
  // drops further SYNs, so later connects hang until the client gives up.
  tcp::acceptor deaf(loop.io(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  deaf.listen(0);
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 3; ++i) {
    fillers.push_back(std::make_unique<tcp::socket>(loop.io()));
    fillers.back()->async_connect(deaf.local_endpoint(), [](const boost::system::error_code&) {});
  }
  loop.run_for(20 * kMillisecond);
  SocketsEnvOptions impatient;
  impatient.connect_timeout = 200 * kMillisecond;
  SocketsEnv sender(loop, impatient);
  RecordingInbox inbox(sender);
  const NodeId deaf_node = "127.0.0.1:" + std::to_string(deaf.local_endpoint().port());

  sender.send(deaf_node, "hello?");
  // The kernel keeps retrying the SYN for minutes; only the connect timeout can end this in time.
  ASSERT_TRUE(loop.run_until([&] { return inbox.saw_peer_down(deaf_node); }, kPatience));
  EXPECT_EQ(sender.open_connections(), 0u);
}

TEST(SocketsFaults, AThrowingInboxIsLoggedAndLaterFramesStillArrive) {
  SocketsLoop loop;
  SocketsEnv alice(loop);
  SocketsEnv bob(loop);
  std::vector<std::string> seen;
  bob.set_inbox(Inbox{[&](const NodeId&, std::string frame) {
                        seen.push_back(frame);
                        if (frame == "boom") throw std::runtime_error("handler failure");
                      },
                      {}});
  alice.send(bob.self(), "boom");
  alice.send(bob.self(), "after");
  ASSERT_TRUE(loop.run_until([&] { return seen.size() == 2; }, kPatience));
  EXPECT_EQ(seen[1], "after");
}

}  // namespace
}  // namespace amino::sockets::testing
