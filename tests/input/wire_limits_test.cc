// Values from the wire: Protobuf nesting is bounded (kMaxWireMessageDepth) and so is the Value built
// from it (kMaxWireValueDepth), so a hostile peer's deep frame is a kBadFrame error, not a crash.
#include <gtest/gtest.h>

#include <string>

#include "runtime/limits.h"
#include "runtime/wire.h"

namespace amino {
namespace {

Value nested_maps(int depth) {
  Value v = 1;
  for (int i = 0; i < depth; ++i) v = ValueMap{{"k", std::move(v)}};
  return v;
}

Value nested_lists(int depth) {
  Value v = 1;
  for (int i = 0; i < depth; ++i) v = ValueList{std::move(v)};
  return v;
}

// Hand-built Protobuf bytes of `depth` nested list Values, without going through Value (a peer
// need not use our encoder): Value{list_value=7: ValueList{items=1: Value{...}}}.
std::string raw_nested_lists(int depth) {
  std::string bytes = std::string("\x18\x02", 2);  // int_value = 1 (sint64 zigzag)
  auto wrap = [](int field, const std::string& inner) {
    std::string out(1, static_cast<char>((field << 3) | 2));
    std::size_t n = inner.size();
    do {
      out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
      n >>= 7;
    } while (n != 0);
    return out + inner;
  };
  for (int i = 0; i < depth; ++i) bytes = wrap(7, wrap(1, bytes));
  return bytes;
}

// Control-plane bodies wrap user Values: a user map at kMaxValueDepth inside envelopes decodes.
TEST(WireLimits, DecodesMapsAndListsUpToTheWireDepth) {
  for (const Value& v : {nested_maps(kMaxWireValueDepth), nested_lists(kMaxWireValueDepth)}) {
    EXPECT_EQ(wire::decode_value(wire::encode_value(v)), v);
  }
}

TEST(WireLimits, RejectsOneLevelDeeperAsBadFrame) {
  for (const Value& v : {nested_maps(kMaxWireValueDepth + 1), nested_lists(kMaxWireValueDepth + 1)}) {
    try {
      wire::decode_value(wire::encode_value(v));
      ADD_FAILURE() << "decoded a Value deeper than kMaxWireValueDepth";
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), Code::kBadFrame);
      EXPECT_NE(std::string(e.what()).find("kMaxWireValueDepth"), std::string::npos) << e.what();
    }
  }
}

TEST(WireLimits, AHostilePeersThousandsOfLevelsAreABadFrame) {
  const std::string bytes = raw_nested_lists(5000);
  EXPECT_EQ(wire::decode_value(raw_nested_lists(3)), nested_lists(3));
  try {
    wire::decode_value(bytes);
    FAIL() << "decoded 5000 levels";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), Code::kBadFrame);
  }
}

TEST(WireLimits, FromProtoOfABuiltMessageIsBoundedToo) {
  pb::Value p;
  wire::to_proto(nested_lists(kMaxWireValueDepth + 5), &p);
  EXPECT_THROW(wire::from_proto(p), SystemError);
}

}  // namespace
}  // namespace amino
