// wire::encode_value writes pb::Value's wire form directly; its bytes must be exactly those of
// Protobuf's deterministic serializer (encode_value_via_proto), since they reach frames, storage,
// digests and trace hashes. Checked on seeded random Values of every kind, with the edge cases of
// the wire format: zigzag extremes, -0.0, multi-byte lengths, empty containers, empty keys, nesting.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/rng.h"
#include "runtime/wire.h"

namespace amino {
namespace {

std::string random_string(Rng& rng) {
  const std::int64_t lengths[] = {0, 1, 5, 127, 128, 300};  // 1- and 2-byte varint lengths
  const auto n = rng.chance(0.01) ? 20000 : lengths[rng.uniform_int(0, 5)];  // and 3-byte ones
  std::string s;
  for (std::int64_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + rng.uniform_int(0, 25)));
  return s;
}

Value random_value(Rng& rng, int depth) {
  const std::int64_t kinds = depth >= 4 ? 5 : 7;
  switch (rng.uniform_int(0, kinds)) {
    case 0: return {};
    case 1: return rng.chance(0.5);
    case 2: {
      const std::int64_t ints[] = {0, 1, -1, 63, -64, 64, 1 << 20, -(1LL << 40), std::numeric_limits<std::int64_t>::max(),
                                   std::numeric_limits<std::int64_t>::min(), static_cast<std::int64_t>(rng.next())};
      return ints[rng.uniform_int(0, 10)];
    }
    case 3: {
      const double ds[] = {0.0, -0.0, 1.5, -3.25e300, std::numeric_limits<double>::infinity(), rng.uniform()};
      return ds[rng.uniform_int(0, 5)];
    }
    case 4: return random_string(rng);
    case 5: return Bytes{random_string(rng)};
    case 6: {
      ValueList l;
      const auto n = depth == 0 && rng.chance(0.05) ? 3000 : rng.uniform_int(0, 6);  // long: multi-byte lengths
      for (std::int64_t i = 0; i < n; ++i) l.push_back(random_value(rng, depth + 1));
      return l;
    }
    default: {
      ValueMap m;
      const auto n = rng.uniform_int(0, 6);
      for (std::int64_t i = 0; i < n; ++i) m[rng.chance(0.1) ? std::string() : random_string(rng)] = random_value(rng, depth + 1);
      return m;
    }
  }
}

TEST(WireEncode, DirectEncodingEqualsProtobufDeterministicSerialization) {
  Rng rng(1126);
  for (int i = 0; i < 1000; ++i) {
    const Value v = random_value(rng, 0);
    const std::string direct = wire::encode_value(v);
    ASSERT_EQ(direct, wire::encode_value_via_proto(v)) << "value " << i;
    EXPECT_EQ(wire::decode_value(direct), v) << "value " << i;
  }
}

TEST(WireEncode, EveryScalarKindAtTopLevel) {
  for (const Value& v : {Value(), Value(false), Value(true), Value(std::int64_t{0}), Value(-0.0), Value(std::string()),
                         Value(Bytes{}), Value(ValueList{}), Value(ValueMap{})}) {
    EXPECT_EQ(wire::encode_value(v), wire::encode_value_via_proto(v));
  }
}

TEST(WireEncode, BorrowedMapEqualsTheMapItStandsFor) {
  Rng rng(20261126);
  for (int i = 0; i < 200; ++i) {
    const Value a = random_value(rng, 1), b = random_value(rng, 1), c = random_value(rng, 1);
    // Given out of order: the encoder sorts, as a ValueMap would.
    EXPECT_EQ(wire::encode_map_of({{"sessions", &c}, {"index", &a}, {"", &b}}),
              wire::encode_value(ValueMap{{"index", a}, {"", b}, {"sessions", c}}));
  }
  EXPECT_EQ(wire::encode_map_of({}), wire::encode_value(ValueMap{}));
}

TEST(WireEncode, MapOfEncodedPartsEqualsTheMapItStandsFor) {
  Rng rng(20261127);
  for (int i = 0; i < 200; ++i) {
    const Value a = random_value(rng, 1), b = random_value(rng, 1), c = random_value(rng, 1);
    const std::string c_bytes = wire::encode_value(c);
    EXPECT_EQ(wire::encode_map_of({{"sessions", wire::Encoded{c_bytes}}, {"index", &a}, {"", &b}}),
              wire::encode_value(ValueMap{{"index", a}, {"", b}, {"sessions", c}}));
  }
}

// A list kept as its items' encodings, growing at the end and cut at the front (the Raft session
// table's records), encodes as the ValueList of the items left.
TEST(WireEncode, ListOfItemsEqualsTheListItStandsFor) {
  Rng rng(20261128);
  std::string items;
  std::vector<std::size_t> sizes;
  ValueList list;
  std::size_t head = 0;
  EXPECT_EQ(wire::encode_list_of(items), wire::encode_value(ValueList{}));
  for (int i = 0; i < 400; ++i) {
    if (!list.empty() && rng.chance(0.3)) {
      head += sizes.front();
      sizes.erase(sizes.begin());
      list.erase(list.begin());
    } else {
      list.push_back(random_value(rng, 1));
      sizes.push_back(wire::append_list_item(items, wire::encode_value(list.back())));
    }
    ASSERT_EQ(wire::encode_list_of(std::string_view(items).substr(head)), wire::encode_value(list)) << "step " << i;
  }
}

}  // namespace
}  // namespace amino
