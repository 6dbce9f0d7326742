// The raw Asio echo used as the benchmark floor must echo faithfully, or the ratio means nothing.
#include <gtest/gtest.h>

#include "bench/asio_echo_baseline.h"

namespace amino::bench {
namespace {

TEST(AsioEchoBaseline, EchoesFramesOfAnySize) {
  AsioEchoServer server;
  AsioEchoClient client(server.port());
  EXPECT_EQ(client.roundtrip("ping"), "ping");
  EXPECT_EQ(client.roundtrip(""), "");
  const std::string large(1 << 20, 'z');
  EXPECT_EQ(client.roundtrip(large), large);
}

TEST(AsioEchoBaseline, ServesSeveralClients) {
  AsioEchoServer server;
  AsioEchoClient first(server.port());
  AsioEchoClient second(server.port());
  EXPECT_EQ(first.roundtrip("one"), "one");
  EXPECT_EQ(second.roundtrip("two"), "two");
  EXPECT_EQ(first.roundtrip("three"), "three");
}

}  // namespace
}  // namespace amino::bench
