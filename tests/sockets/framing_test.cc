// Length prefix and NodeId parsing (the handshake has its own tests).
#include <gtest/gtest.h>

#include "runtime/sockets/framing.h"

namespace amino::sockets {
namespace {

TEST(SocketsFraming, LengthPrefixIsBigEndianAndRoundTrips) {
  const FrameHeader header = encode_frame_header(0x01020304);
  EXPECT_EQ(header, (FrameHeader{1, 2, 3, 4}));
  for (std::uint32_t n : {0u, 1u, 255u, 256u, 16u * 1024 * 1024, UINT32_MAX}) {
    EXPECT_EQ(decode_frame_header(encode_frame_header(n)), n);
  }
}

TEST(SocketsFraming, NodeIdsParseIntoHostAndPort) {
  const auto v4 = parse_node_address("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, "8080");
  const auto v6 = parse_node_address("[::1]:7");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(parse_node_address("example.org:65535")->host, "example.org");
  for (const char* bad : {"", "host", "host:", ":80", "host:0", "host:65536", "host:8o", "[]:80"}) {
    EXPECT_EQ(parse_node_address(bad), std::nullopt) << bad;
  }
}

TEST(SocketsFraming, FormatAndParseAgree) {
  EXPECT_EQ(format_node_id("127.0.0.1", 5), "127.0.0.1:5");
  EXPECT_EQ(format_node_id("::1", 5), "[::1]:5");
  EXPECT_EQ(parse_node_address(format_node_id("::1", 5))->host, "::1");
}

}  // namespace
}  // namespace amino::sockets
