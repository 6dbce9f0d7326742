// JSON text -> Value (amino-ctl call arguments, Python scenarios): nesting is bounded before any
// recursion, and malformed or out-of-range input is an error rather than a wrong Value.
#include <gtest/gtest.h>

#include <string>

#include "runtime/limits.h"
#include "runtime/value_json.h"

namespace amino {
namespace {

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"k\":";
  s += "1";
  return s + std::string(depth, '}');
}

// Lists inside lists, following the first element.
int list_depth(const Value& v) {
  int d = 0;
  for (const Value* p = &v; p->kind() == Value::Kind::kList; ++d) {
    if (p->as_list().empty()) return d + 1;
    p = &p->as_list().front();
  }
  return d;
}

TEST(JsonLimits, AcceptsValuesUpToTheDepthLimit) {
  const Value v = parse_json_value(nested_arrays(kMaxValueDepth));
  EXPECT_EQ(list_depth(v), kMaxValueDepth);
  EXPECT_NO_THROW(parse_json_value(nested_objects(kMaxValueDepth)));
}

// The issue's reproduction: amino-ctl crashed (SIGSEGV) on a 1000-deep JSON argument.
TEST(JsonLimits, RejectsA1000DeepArrayNamingTheLimit) {
  try {
    parse_json_value(nested_arrays(1000));
    FAIL() << "accepted a 1000-deep array";
  } catch (const LimitExceeded& e) {
    EXPECT_STREQ(e.limit_name(), "kMaxValueDepth");
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64"), std::string::npos) << e.what();
  }
}

TEST(JsonLimits, RejectsOneLevelPastTheLimitForArraysAndObjects) {
  EXPECT_THROW(parse_json_value(nested_arrays(kMaxValueDepth + 1)), LimitExceeded);
  EXPECT_THROW(parse_json_value(nested_objects(kMaxValueDepth + 1)), LimitExceeded);
}

// A million levels is 2 MB of text: rejected at the 65th bracket, with no deep DOM or recursion.
TEST(JsonLimits, RejectsAMillionDeepArray) { EXPECT_THROW(parse_json_value(nested_arrays(1'000'000)), LimitExceeded); }

// from_json of an already parsed document (the Python scenario runner's path) has the same bound.
TEST(JsonLimits, FromJsonOfAParsedDocumentIsBoundedToo) {
  const auto deep = nlohmann::json::parse(nested_arrays(500));
  EXPECT_THROW(from_json(deep), LimitExceeded);
  EXPECT_NO_THROW(from_json(nlohmann::json::parse(nested_arrays(kMaxValueDepth))));
}

TEST(JsonLimits, MalformedJsonIsAnInvalidArgument) {
  for (const char* text : {"", "[1,", "{\"a\" 1}", "nope", "1e400"}) {
    try {
      parse_json_value(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const LimitExceeded& e) {
      ADD_FAILURE() << "a limit for " << text << ": " << e.what();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos) << e.what();
    }
  }
}

// 2^64-1 used to wrap to -1.
TEST(JsonLimits, IntegersBeyondInt64AreRejectedNotWrapped) {
  EXPECT_EQ(parse_json_value("9223372036854775807"), Value(std::int64_t{9223372036854775807}));
  EXPECT_THROW(parse_json_value("18446744073709551615"), std::invalid_argument);
  EXPECT_THROW(parse_json_value("9223372036854775808"), std::invalid_argument);
}

TEST(JsonLimits, BytesMustBeWholeHexPairs) {
  EXPECT_EQ(parse_json_value(R"({"$bytes": "00ff"})"), Value(Bytes{std::string("\x00\xff", 2)}));
  EXPECT_THROW(parse_json_value(R"({"$bytes": "0"})"), std::invalid_argument);
  EXPECT_THROW(parse_json_value(R"({"$bytes": "zz"})"), std::invalid_argument);
}

TEST(JsonLimits, RoundTripsThroughToJson) {
  const Value v = parse_json_value(R"({"a": [1, 2.5, "x", null, true, {"$bytes": "0a"}]})");
  EXPECT_EQ(parse_json_value(to_json(v).dump()), v);
}

}  // namespace
}  // namespace amino
