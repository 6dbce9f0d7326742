// FrameReader: reassembly across any split of the byte stream, the size limit checked before any
// allocation, buffers that grow only with the bytes received, and a limit raised between frames.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "runtime/sockets/frame_reader.h"

namespace amino::sockets {
namespace {

std::string framed(const std::string& body) {
  const FrameHeader h = encode_frame_header(static_cast<std::uint32_t>(body.size()));
  return std::string(h.begin(), h.end()) + body;
}

struct Collector {
  std::vector<std::string> frames;
  std::function<bool(std::string)> sink() {
    return [this](std::string f) {
      frames.push_back(std::move(f));
      return true;
    };
  }
};

TEST(FrameReader, WholeFramesInOneFeedComeOutInOrder) {
  FrameReader reader(1024);
  Collector c;
  EXPECT_FALSE(reader.feed(framed("one") + framed("") + framed("three"), c.sink()));
  EXPECT_EQ(c.frames, (std::vector<std::string>{"one", "", "three"}));
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, EverySplitOfTheStreamGivesTheSameFrames) {
  const std::string stream = framed("alpha") + framed(std::string(300, 'b')) + framed("") + framed("gamma");
  for (std::size_t chunk = 1; chunk <= stream.size(); chunk += (chunk < 16 ? 1 : 37)) {
    FrameReader reader(1024);
    Collector c;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      ASSERT_FALSE(reader.feed(std::string_view(stream).substr(at, chunk), c.sink())) << "chunk " << chunk;
    }
    ASSERT_EQ(c.frames.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(c.frames[0], "alpha");
    EXPECT_EQ(c.frames[1], std::string(300, 'b'));
    EXPECT_EQ(c.frames[2], "");
    EXPECT_EQ(c.frames[3], "gamma");
  }
}

TEST(FrameReader, AFrameOfExactlyTheLimitPassesOneByteMoreIsRefused) {
  FrameReader reader(8);
  Collector c;
  EXPECT_FALSE(reader.feed(framed("12345678"), c.sink()));
  ASSERT_EQ(c.frames.size(), 1u);
  const auto error = reader.feed(framed("123456789"), c.sink());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->announced, 9u);
  EXPECT_EQ(error->limit, 8u);
  EXPECT_NE(error->message().find("exceeds the limit of 8"), std::string::npos);
  EXPECT_EQ(c.frames.size(), 1u);
}

TEST(FrameReader, AHugeAnnouncedLengthIsRefusedBeforeAnyAllocation) {
  FrameReader reader(16 * 1024 * 1024);
  Collector c;
  // 4 GiB - 1 announced: over the limit at the header, nothing buffered.
  const auto error = reader.feed(std::string("\xff\xff\xff\xff", 4) + "tail", c.sink());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->announced, 0xffffffffu);
  EXPECT_EQ(reader.buffer_capacity(), std::string().capacity());
  // The error is sticky: the stream cannot be resynchronized, later bytes are not parsed.
  EXPECT_TRUE(reader.feed(framed("ok"), c.sink()));
  EXPECT_TRUE(c.frames.empty());
}

TEST(FrameReader, AStalledMaximalFrameCostsOnlyTheBytesThatArrived) {
  FrameReader reader(16 * 1024 * 1024);
  Collector c;
  const FrameHeader h = encode_frame_header(16 * 1024 * 1024);
  EXPECT_FALSE(reader.feed(std::string(h.begin(), h.end()), c.sink()));
  EXPECT_EQ(reader.buffered_bytes(), kFrameHeaderBytes);
  EXPECT_LT(reader.buffer_capacity(), 64u);  // nothing reserved from the announced length
  EXPECT_FALSE(reader.feed(std::string(1000, 'x'), c.sink()));
  EXPECT_EQ(reader.buffered_bytes(), kFrameHeaderBytes + 1000);
  EXPECT_LE(reader.buffer_capacity(), 2 * 1000u + 64);
  EXPECT_TRUE(c.frames.empty());
}

TEST(FrameReader, TheLimitCanBeRaisedBetweenFramesOfOneFeed) {
  // As after a handshake: the first frame is read under the small limit, the next under the large.
  FrameReader reader(4);
  Collector c;
  const auto error = reader.feed(framed("auth") + framed(std::string(100, 'd')), [&](std::string f) {
    c.frames.push_back(std::move(f));
    reader.set_max_frame_bytes(1000);
    return true;
  });
  EXPECT_FALSE(error);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].size(), 100u);
}

TEST(FrameReader, RandomBytesInRandomChunksStayWithinTheLimit) {
  // A seeded sweep: whatever arrives, the reader holds at most one frame of the limit plus a
  // header, and every frame it hands out is within the limit.
  std::mt19937 rng(4);
  for (int run = 0; run < 200; ++run) {
    FrameReader reader(64);
    std::string stream(static_cast<std::size_t>(rng() % 2000), '\0');
    for (auto& c : stream) c = static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 48);  // mostly small lengths
    std::size_t at = 0;
    while (at < stream.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 100, stream.size() - at);
      const auto error = reader.feed(std::string_view(stream).substr(at, n), [](std::string f) {
        EXPECT_LE(f.size(), 64u);
        return true;
      });
      EXPECT_LE(reader.buffered_bytes(), 64u + kFrameHeaderBytes);
      if (error) {
        EXPECT_GT(error->announced, 64u);
        break;
      }
      at += n;
    }
  }
}

TEST(FrameReader, ASinkThatStopsEndsTheStream) {
  FrameReader reader(64);
  int calls = 0;
  EXPECT_FALSE(reader.feed(framed("a") + framed("b"), [&](std::string) { return ++calls > 5; }));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(reader.feed(framed("c"), [&](std::string) { return ++calls > 5; }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace amino::sockets
